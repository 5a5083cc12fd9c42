"""The WTForms forms of every page (CSRF through Flask-WTF); messages in Chinese, shown next to
the field. Validation happens here on the server, whatever the browser checked."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (IntegerField, PasswordField, SelectField, SelectMultipleField, StringField,
                     SubmitField)
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

REQUIRED = "此项为必填项"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(REQUIRED), Length(max=40, message="用户名过长")])
    password = PasswordField("密码", validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField("登录")


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (log-out, verify, query)."""

    submit = SubmitField("确定")


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PayForm(FlaskForm):
    levy_ids = MultiCheckbox("选择应征", coerce=int, validators=[DataRequired("请至少选择一条应征")],
                             validate_choice=True)
    submit = SubmitField("发起扣款")


class ReverseForm(FlaskForm):
    reason = StringField("冲正原因", validators=[DataRequired(REQUIRED),
                                               Length(max=60, message="冲正原因不超过 60 个字")])
    submit = SubmitField("申请冲正")


class CreateAccountForm(FlaskForm):
    username = StringField("用户名", validators=[
        DataRequired(REQUIRED), Length(min=3, max=40, message="用户名为 3 至 40 个字符"),
        Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能包含字母、数字、下划线、点和连字符")])
    display_name = StringField("姓名", validators=[DataRequired(REQUIRED), Length(max=100)])
    password = PasswordField("初始密码", validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField("创建账户")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField("重置密码")


class AssignRoleForm(FlaskForm):
    role = SelectField("角色", validators=[DataRequired(REQUIRED)])
    tax_org_code = StringField("所属税务机关代码", validators=[
        Optional(), Regexp(r"^\d{11,12}$", message="税务机关代码为 11 至 12 位数字")])
    payer_id = IntegerField("缴费人编号", validators=[Optional()],
                            render_kw={"inputmode": "numeric"})
    submit = SubmitField("保存")

    def validate_payer_id(self, field):
        # IntegerField's own message is English; show ours instead.
        if field.raw_data and field.raw_data[0] and field.data is None:
            field.errors[:] = []
            # ValidationError: WTForms 3 lets a plain ValueError from a validator escape (a 500).
            raise ValidationError("缴费人编号必须是数字")


class AuditFilterForm(FlaskForm):
    """A GET filter: nothing changes, so no CSRF token is needed."""

    class Meta:
        csrf = False

    actor = StringField("操作人", validators=[Optional(), Length(max=40)])
    action = StringField("操作", validators=[Optional(), Length(max=40)])
    since = DateField("起始日期", validators=[Optional()])
    until = DateField("截止日期", validators=[Optional()])
