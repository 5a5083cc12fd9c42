"""The forms of the batch-deduction pages (CSRF through Flask-WTF, Chinese messages)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import DateField
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                ValidationError)

from webapp.forms import REQUIRED, MultiCheckbox

PAYER_KINDS = [("", "全部"), ("UNIT", "单位"), ("FLEXIBLE", "灵活就业人员"), ("RESIDENT", "城乡居民")]


class SelectionForm(FlaskForm):
    """The selection of a batch; the office choices are the staff member's own subtree."""

    office = SelectField("征收机关", validators=[DataRequired(REQUIRED)])
    subordinates = BooleanField("含下级机关", default=True)
    period_from = DateField("费款所属期起", validators=[Optional()])
    period_to = DateField("费款所属期止", validators=[Optional()])
    declared_from = DateField("申报日期起", validators=[Optional()])
    declared_to = DateField("申报日期止", validators=[Optional()])
    payer_kind = SelectField("缴费人类型", choices=PAYER_KINDS, validators=[Optional()])
    insurance = MultiCheckbox("险种（不选为全部）", validators=[Optional()])
    preview = SubmitField("预览")
    create = SubmitField("生成待批扣清册")

    def validate_period_to(self, field):
        if field.data and self.period_from.data and field.data < self.period_from.data:
            raise ValidationError("所属期止不能早于所属期起")

    def validate_declared_to(self, field):
        if field.data and self.declared_from.data and field.data < self.declared_from.data:
            raise ValidationError("申报日期止不能早于申报日期起")


class ReasonForm(FlaskForm):
    """A stop (止付) with its reason; ``tra_no`` names one item, empty for the whole package."""

    reason = StringField("止付原因", validators=[DataRequired(REQUIRED),
                                               Length(max=60, message="止付原因不超过 60 个字")])
    tra_no = StringField("流水号", validators=[Optional(), Length(min=8, max=8, message="流水号为 8 位")])
    submit = SubmitField("止付")


class VoidForm(FlaskForm):
    payer_id = IntegerField("缴费人编号", validators=[InputRequired(REQUIRED),
                                                 NumberRange(min=1, message="缴费人编号必须是正整数")],
                            render_kw={"inputmode": "numeric"})
    reason = StringField("作废原因", validators=[DataRequired(REQUIRED),
                                               Length(max=200, message="作废原因不超过 200 个字")])
    submit = SubmitField("作废该缴费人的清册条目")

    def validate_payer_id(self, field):
        # IntegerField's own message is English; show ours instead (a ValidationError: this
        # WTForms lets a bare ValueError out of an inline validator).
        if field.raw_data and field.raw_data[0] and field.data is None:
            field.errors[:] = []
            raise ValidationError("缴费人编号必须是数字")


class RealtimeForm(FlaskForm):
    max_in_flight = IntegerField("在途上限（可空）", validators=[
        Optional(), NumberRange(min=1, max=10000, message="在途上限为 1 至 10000")],
                                 render_kw={"inputmode": "numeric"})
    submit = SubmitField("实时批量扣款")


class RefundStepForm(FlaskForm):
    note = StringField("说明", validators=[Optional(), Length(max=200, message="说明不超过 200 个字")])
    submit = SubmitField("确定")
