"""Forms of the individual portal (flexible-employment persons, residents, virtual units). The
server checks every rule again in the gateway; these give the field-level messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from webapp.forms import REQUIRED, MultiCheckbox

ID_NUMBER = Regexp(r"^\d{17}[\dXx]$", message="身份证号码为 18 位")


class ContactForm(FlaskForm):
    phone = StringField("手机号码", validators=[DataRequired(REQUIRED), Regexp(
        r"^1[3-9]\d{9}$", message="手机号码应为 11 位数字")], render_kw={"inputmode": "tel"})
    address = StringField("联系地址", validators=[DataRequired(REQUIRED), Length(
        min=2, max=200, message="联系地址为 2 至 200 个字")])
    submit = SubmitField("保存联系方式")


def _chinese_number_error(field, message: str) -> None:
    """WTForms' own message for text that is not a number is English; ours replaces it."""
    if field.raw_data and field.raw_data[0] and field.data is None:
        field.errors[:] = []
        raise ValidationError(message)


class BaseForm(FlaskForm):
    base = DecimalField("月缴费基数（元）", places=2, validators=[InputRequired(REQUIRED)],
                        render_kw={"inputmode": "decimal"})
    submit = SubmitField("调整缴费基数")

    def validate_base(self, field):
        _chinese_number_error(field, "请输入金额，如 5000.00")


class TypesForm(FlaskForm):
    insurance_codes = MultiCheckbox("参保险种", choices=[("PENSION", "企业职工基本养老保险"),
                                                     ("MEDICAL", "职工基本医疗保险")],
                                    validators=[DataRequired("请至少选择一个险种")])
    submit = SubmitField("变更险种")


class StopForm(FlaskForm):
    confirm = BooleanField("我已知晓：停保将作废全部未缴应征并终止三方协议",
                           validators=[DataRequired("请勾选确认")])
    submit = SubmitField("确认停保")


class AgreementForm(FlaskForm):
    channel = SelectField("签约方式", choices=[("ONLINE", "网上签约（网签）"),
                                           ("ON_SITE", "已在银行柜台签约（一次上门）")])
    pay_bk_code = StringField("付款行行号", validators=[DataRequired(REQUIRED), Regexp(
        r"^\d{12}$", message="行号为 12 位数字")])
    pay_op_bk_code = StringField("开户网点行号", validators=[DataRequired(REQUIRED), Regexp(
        r"^\d{12}$", message="行号为 12 位数字")])
    pay_acct = StringField("付款账号", validators=[DataRequired(REQUIRED), Regexp(
        r"^[0-9A-Za-z-]{1,32}$", message="账号为 1 至 32 位数字或字母")])
    # No Optional(): it would stop the chain before validate_protocol_no, which needs the
    # number for an on-site agreement.
    protocol_no = StringField("协议号（一次上门时填银行给出的协议号）", validators=[Regexp(
        r"^[0-9A-Za-z-]{0,60}$", message="协议号为数字、字母或连字符")])
    submit = SubmitField("提交并验证")

    def validate_protocol_no(self, field):
        if self.channel.data == "ON_SITE" and not (field.data or "").strip():
            raise ValidationError("一次上门签约请填写银行给出的协议号")


class PersonForm(FlaskForm):
    id_number = StringField("被缴费人身份证号码", validators=[DataRequired(REQUIRED), ID_NUMBER])
    name = StringField("被缴费人姓名", validators=[DataRequired(REQUIRED), Length(max=30)])
    submit = SubmitField("查询")


class GradeForm(FlaskForm):
    year = IntegerField("缴费年度", validators=[InputRequired(REQUIRED)])
    grade = SelectField("缴费档次", validators=[DataRequired(REQUIRED)], validate_choice=False)
    submit = SubmitField("变更档次")

    def validate_year(self, field):
        _chinese_number_error(field, "缴费年度为四位年份")


class ImportForm(FlaskForm):
    file = FileField("居民名单（.csv 或 .xlsx）", validators=[FileRequired("请选择文件")])
    submit = SubmitField("导入并申报")


class DeclaredPayForm(FlaskForm):
    levy_ids = MultiCheckbox("选择应征", coerce=int, validators=[DataRequired("请至少选择一条应征")],
                             validate_choice=True)
    submit = SubmitField("缴费")
