"""The forms of the reference pages (CSRF through Flask-WTF; messages in Chinese, next to the
field). They check the shape of what was typed; the rules of the parameters themselves (future
dates only, a value in force is only superseded, no overlap) are the domain's and come back as
its messages on the same fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from webapp.forms import REQUIRED


class ChineseDateField(DateField):
    """A date (YYYY-MM-DD, the browser's date input) whose format error is in Chinese."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = dt.date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("日期格式应为 2027-01-01") from None


class ValueField(StringField):
    """A decimal as typed (never a float): rates as fractions, amounts in yuan."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.decimal: Decimal | None = None
        text = (self.data or "").strip().replace(",", "")
        if text:
            try:
                self.decimal = Decimal(text)
            except InvalidOperation:
                raise ValueError("数值应为数字，如 0.1600 或 36000.00") from None


class ParameterFilterForm(FlaskForm):
    class Meta:
        csrf = False

    city = SelectField("地市", validators=[Optional()], validate_choice=False)
    kind = SelectField("参数类别", validators=[Optional()], validate_choice=False)


class VersionForm(FlaskForm):
    """Schedule a new value (the history page) or correct one not yet in force."""

    valid_from = ChineseDateField("生效日期", validators=[DataRequired(REQUIRED)])
    valid_to = ChineseDateField("失效日期（留空为长期）", validators=[Optional()])
    value = ValueField("数值", validators=[DataRequired(REQUIRED), Length(max=20)])
    reason = StringField("变更依据（文件号或理由）", validators=[
        DataRequired(REQUIRED), Length(max=200, message="不超过 200 个字")])
    submit = SubmitField("提交审核")


class ReasonForm(FlaskForm):
    reason = StringField("撤销理由", validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField("申请撤销")


class DecideForm(FlaskForm):
    note = StringField("审核意见", validators=[Optional(), Length(max=200)])
    submit = SubmitField("确定")


class ImportForm(FlaskForm):
    file = FileField("年度参数表（.xlsx）", validators=[FileRequired("请选择文件")])
    reason = StringField("导入依据", validators=[Optional(), Length(max=200)])
    submit = SubmitField("检查并提交审核")


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField("社保年度", validators=[DataRequired("请输入年度")])


class BankFilterForm(FlaskForm):
    class Meta:
        csrf = False

    city = StringField("地市代码", validators=[Optional(), Length(max=4)])
    text = StringField("行号或行名", validators=[Optional(), Length(max=60)])
    state = SelectField("状态", choices=[("", "全部"), ("ACTIVE", "正常"), ("CLOSED", "已撤销")],
                        validators=[Optional()])


class BranchForm(FlaskForm):
    code = StringField("行号", validators=[DataRequired(REQUIRED),
                                           Regexp(r"^\d{12}$", message="行号为 12 位数字")])
    name = StringField("行名", validators=[DataRequired(REQUIRED), Length(max=200)])
    bank_name = StringField("所属银行", validators=[DataRequired(REQUIRED), Length(max=100)])
    clearing_code = StringField("清算行行号", validators=[
        DataRequired(REQUIRED), Regexp(r"^\d{12}$", message="清算行行号为 12 位数字")])
    city_code = StringField("地市代码", validators=[
        DataRequired(REQUIRED), Regexp(r"^\d{4}$", message="地市代码为 4 位数字")])
    state = SelectField("状态", choices=[("ACTIVE", "正常"), ("CLOSED", "已撤销")])
    submit = SubmitField("保存")
