"""Pages of urban-rural residents (城乡居民): paying for oneself or for another person (代他人缴费),
the pension grade (缴费档次变更), payment history, and the residents' virtual units (两居企业端)."""

from __future__ import annotations

from flask import abort, render_template

from gateway.domain.errors import DomainError
from gateway.excel.resident_file import FileRefused
from webapp.forms import PayForm
from webapp.errors import domain_message
from webapp.portal.person_forms import DeclaredPayForm, GradeForm, ImportForm, PersonForm
from webapp.portal.person_views import submit
from webapp.portal.views import bp
from webapp.roles import principal, requires
from webapp.services import individual_portal as svc
from webapp.services import portal

MAX_UPLOAD = 1024 * 1024  # a residents' file of 5000 rows is far below 1 MB
PAID = "已发起扣款 {r[key]}，金额 {r[amount]:,.2f} 元，请稍后查看结果。"


def _resident_page(status: int = 200, pay_form: PayForm | None = None,
                   person_form: PersonForm | None = None, other: dict | None = None):
    p = principal()
    own = svc.arrears(p)["unpaid_levies"] if p.can("resident.self") else []
    if pay_form is None:
        pay_form = PayForm(formdata=None)
    pay_form.levy_ids.choices = [(lv["id"], str(lv["id"])) for lv in own]
    return render_template("portal/resident_pay.html", own_levies=own, pay_form=pay_form,
                           person_form=person_form or PersonForm(formdata=None), other=other), status


@bp.route("/resident")
@requires("individual.view")
def resident_pay():
    return _resident_page()


@bp.route("/resident/self", methods=["POST"])
@requires("resident.self")
def resident_pay_self():
    form = PayForm()
    form.levy_ids.choices = [(lv["id"], str(lv["id"])) for lv in svc.arrears(principal())["unpaid_levies"]]
    done = submit(form, lambda: portal.pay(principal(), form.levy_ids.data), PAID,
                  "portal.resident_pay", "levy_ids")
    return done or _resident_page(422, pay_form=form)


@bp.route("/resident/others", methods=["POST"])
@requires("individual.view")
def resident_lookup():
    form = PersonForm()
    other = None
    if form.validate_on_submit():
        try:
            other = svc.lookup_other(principal(), form.id_number.data, form.name.data)
        except DomainError as exc:
            form.name.errors.append(domain_message(exc))
    return _resident_page(200 if other else 422, person_form=form, other=other)


@bp.route("/resident/others/pay", methods=["POST"])
@requires("individual.view")
def resident_pay_other():
    form = PersonForm()
    done = submit(form, lambda: svc.pay_for_other(principal(), form.id_number.data, form.name.data),
                  "为 {r[name]} " + PAID,
                  "portal.resident_history", "name")
    return done or _resident_page(422, person_form=form)


def _grade_page(form: GradeForm | None = None, status: int = 200):
    data = svc.grade_page(principal())
    if form is None:
        form = GradeForm(formdata=None, year=data["default_year"])
    return render_template("portal/resident_grade.html", form=form, **data), status


@bp.route("/resident/grade")
@requires("resident.self")
def resident_grade():
    return _grade_page()


@bp.route("/resident/grade", methods=["POST"])
@requires("resident.self")
def resident_grade_change():
    form = GradeForm()
    # The year rule is the gateway's, whatever was posted.
    done = submit(form, lambda: svc.change_grade(principal(), form.year.data, form.grade.data),
                  "{r[year]} 年度缴费档次已变更为第 {r[grade]} 档（{r[amount]:,.2f} 元）。",
                  "portal.resident_grade", "year")
    return done or _grade_page(form, 422)


@bp.route("/history")
@requires("individual.view")
def resident_history():
    return render_template("portal/resident_history.html", **svc.history(principal()))


@bp.route("/history/<int:debit_id>")
@requires("individual.view")
def resident_payment(debit_id: int):
    return render_template("portal/resident_payment.html", **svc.debit_detail(principal(), debit_id))


def _unit_page(status: int = 200, import_form: ImportForm | None = None,
               pay_form: DeclaredPayForm | None = None, report: dict | None = None):
    try:
        data = svc.declarations(principal())
    except DomainError:
        abort(404)  # not a virtual unit: the page does not exist for it
    if pay_form is None:
        pay_form = DeclaredPayForm(formdata=None)
    pay_form.levy_ids.choices = [(r["id"], str(r["id"])) for r in data["unpaid"]]
    return render_template("portal/resident_unit.html", import_form=import_form or ImportForm(formdata=None),
                           pay_form=pay_form, report=report, **data), status


@bp.route("/residents-unit")
@requires("residents.declare")
def residents_unit():
    return _unit_page()


@bp.route("/residents-unit/import", methods=["POST"])
@requires("residents.declare")
def residents_import():
    form = ImportForm()
    if not form.validate_on_submit():
        return _unit_page(422, import_form=form)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        form.file.errors.append(f"文件不能超过 {MAX_UPLOAD // 1024} KB")
        return _unit_page(413, import_form=form)
    try:
        report = svc.import_residents(principal(), data, upload.filename or "")
    except FileRefused as exc:
        form.file.errors.append(str(exc))
        return _unit_page(422, import_form=form)
    return _unit_page(report=report)  # processed: the valid rows are declared, errors listed


@bp.route("/residents-unit/pay", methods=["POST"])
@requires("residents.declare")
def residents_pay():
    form = DeclaredPayForm()
    form.levy_ids.choices = [(r["id"], str(r["id"])) for r in svc.declarations(principal())["unpaid"]]
    done = submit(form, lambda: svc.pay_declared(principal(), form.levy_ids.data), PAID,
                  "portal.residents_unit", "levy_ids")
    return done or _unit_page(422, pay_form=form)
