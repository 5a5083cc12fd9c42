"""Forms of the unit portal (CSRF through Flask-WTF, checked on the server)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

REQUIRED = "此项为必填项"
BANK_CODE = Regexp(r"^\d{12}$", message="行号为 12 位数字")
PERIOD = Regexp(r"^\d{4}-\d{2}$", message="所属期格式应为 YYYY-MM")


class AddPersonForm(FlaskForm):
    id_number = StringField("身份证号码", validators=[DataRequired(REQUIRED),
                                                 Length(18, 18, "身份证号码为 18 位")])
    name = StringField("姓名", validators=[DataRequired(REQUIRED), Length(max=50)])
    wage = DecimalField("缴费工资（元）", places=2, validators=[
        DataRequired(REQUIRED), NumberRange(min=0.01, max=9999999.99, message="缴费工资应大于 0")])
    scheme = SelectField("参保类型", choices=[("FULL", "全险种增员"), ("INJURY_PT", "非全日制用工工伤增员")])
    period = StringField("起始所属期", validators=[Optional(), PERIOD])
    submit = SubmitField("增员")


class WageForm(FlaskForm):
    wage = DecimalField("新缴费工资（元）", places=2, validators=[
        DataRequired(REQUIRED), NumberRange(min=0.01, max=9999999.99, message="缴费工资应大于 0")])
    period = StringField("起始所属期", validators=[Optional(), PERIOD])
    submit = SubmitField("调整")


class PeriodForm(FlaskForm):
    period = StringField("费款所属期", validators=[DataRequired(REQUIRED), PERIOD])
    submit = SubmitField("确认申报")


class VoidForm(FlaskForm):
    reason = StringField("作废原因", validators=[Optional(), Length(max=100)])
    submit = SubmitField("作废申报")


class SignForm(FlaskForm):
    protocol_no = StringField("协议号", validators=[DataRequired(REQUIRED), Length(max=60)])
    pay_bk_code = StringField("付款行行号", validators=[DataRequired(REQUIRED), BANK_CODE])
    pay_op_bk_code = StringField("开户网点行号", validators=[DataRequired(REQUIRED), BANK_CODE])
    pay_acct = StringField("付款账号", validators=[DataRequired(REQUIRED), Length(max=32)])
    hand_org_name = StringField("账户名称", validators=[Optional(), Length(max=200)])
    channel = SelectField("签约方式", choices=[("ONLINE", "网上签约"),
                                             ("ON_SITE", "一次上门（柜面已签，录入）")])
    submit = SubmitField("签订并验证")
