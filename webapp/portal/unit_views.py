"""Pages of the unit portal (issue 15) on the ``portal`` blueprint, under /portal/unit/. Each
calls webapp.services.unit_portal; a refused action shows its message on the page it came from."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError, NotFound
from webapp.errors import domain_message
from webapp.forms import ActionForm
from webapp.portal.unit_forms import AddPersonForm, PeriodForm, SignForm, VoidForm, WageForm
from webapp.portal.views import bp
from webapp.roles import principal, requires
from webapp.services import portal, unit_portal as up


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _back(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


def _refused(exc: DomainError, endpoint: str, **values):
    if isinstance(exc, NotFound):
        raise exc  # another unit's record (or none): 404, like a page that takes its id
    flash(domain_message(exc), "error")
    return _back(endpoint, **values)


def _levy_ids() -> list[int]:
    try:
        return sorted({int(x) for x in request.form.getlist("levy_ids")})
    except ValueError:
        abort(400)


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


@bp.route("/unit/")
@requires("portal.unit")
def unit_home():
    return render_template("portal/unit_info.html", **up.info(principal(), request.args.get("period")))


@bp.route("/unit/staff")
@requires("portal.unit")
def unit_staff():
    data = up.staff(principal(), request.args.get("q", ""), _page(),
                    request.args.get("reg", 0, type=int) or 0, request.args.get("state", "ACTIVE"))
    return render_template("portal/unit_staff.html", form=AddPersonForm(), action=ActionForm(), **data)


@bp.route("/unit/staff/add", methods=["POST"])
@requires("portal.unit")
def unit_add_person():
    form = AddPersonForm()
    if not form.validate_on_submit():
        data = up.staff(principal())
        return render_template("portal/unit_staff.html", form=form, action=ActionForm(), **data), 422
    try:
        done = up.add_person(principal(), form.id_number.data, form.name.data, form.wage.data,
                             form.scheme.data, form.period.data or None)
    except DomainError as exc:
        return _refused(exc, "portal.unit_staff")
    flash(f"增员成功（{'非全日制工伤' if done['scheme'] == 'INJURY_PT' else '全险种'}），"
          f"自 {done['effective_from']:%Y年%m月} 起参保。", "success")
    return _back("portal.unit_staff")


@bp.route("/unit/staff/<int:person_id>")
@requires("portal.unit")
def unit_person(person_id: int):
    return render_template("portal/unit_person.html", form=WageForm(), action=ActionForm(),
                           **up.person_details(principal(), person_id, _page()))


@bp.route("/unit/staff/<int:person_id>/remove", methods=["POST"])
@requires("portal.unit")
def unit_remove_person(person_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        up.remove_person(principal(), person_id)
    except DomainError as exc:
        return _refused(exc, "portal.unit_person", person_id=person_id)
    flash("减员成功。", "success")
    return _back("portal.unit_staff")


@bp.route("/unit/staff/<int:person_id>/wage", methods=["POST"])
@requires("portal.unit")
def unit_adjust_wage(person_id: int):
    form = WageForm()
    if not form.validate_on_submit():
        data = up.person_details(principal(), person_id)
        return render_template("portal/unit_person.html", form=form, action=ActionForm(), **data), 422
    try:
        done = up.adjust_wage(principal(), person_id, form.wage.data, form.period.data or None)
    except DomainError as exc:
        return _refused(exc, "portal.unit_person", person_id=person_id)
    flash(f"缴费工资已由 {done['before']:,.2f} 调整为 {done['wage']:,.2f} 元{done['clamped']}。", "success")
    return _back("portal.unit_person", person_id=person_id)


@bp.route("/unit/declare")
@requires("portal.unit")
def unit_preview():
    period = request.args.get("period") or up.current_period()
    try:
        data = up.preview(principal(), period, _page())
    except DomainError as exc:
        flash(domain_message(exc), "error")
        data = {"period": period, "rows": [], "total": 0, "page": 1, "pages": 1, "summary": None}
    return render_template("portal/unit_preview.html", form=PeriodForm(period=data["period"]), **data)


@bp.route("/unit/declare", methods=["POST"])
@requires("portal.unit")
def unit_declare():
    form = PeriodForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = up.declare(principal(), form.period.data)
    except DomainError as exc:
        return _refused(exc, "portal.unit_preview", period=form.period.data)
    flash(f"申报成功：申报号 {done['declaration_no']}，{done['persons']} 人，"
          f"金额 {done['amount']:,.2f} 元" + (f"；已先作废待批扣清册中 {done['pending_voided']} 条"
                                            if done["pending_voided"] else "") + "。", "success")
    return _back("portal.unit_declaration", declaration_id=done["declaration_id"])


@bp.route("/unit/declarations")
@requires("portal.unit")
def unit_declarations():
    return render_template("portal/unit_declarations.html", **up.declarations(principal(), _page()))


@bp.route("/unit/declarations/<int:declaration_id>")
@requires("portal.unit")
def unit_declaration(declaration_id: int):
    return render_template("portal/unit_declaration.html", form=VoidForm(),
                           **up.declaration(principal(), declaration_id, _page()))


@bp.route("/unit/declarations/<int:declaration_id>/void", methods=["POST"])
@requires("portal.unit")
def unit_void(declaration_id: int):
    form = VoidForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = up.void(principal(), declaration_id, form.reason.data or "")
    except DomainError as exc:
        return _refused(exc, "portal.unit_declaration", declaration_id=declaration_id)
    flash(done["message"], "success" if done["state"] == "VOIDED" else "info")
    return _back("portal.unit_declaration", declaration_id=declaration_id)


@bp.route("/unit/pay")
@requires("portal.unit")
def unit_pay_page():
    return render_template("portal/unit_pay.html", action=ActionForm(), **up.unpaid(principal(), _page()))


@bp.route("/unit/pay", methods=["POST"])
@requires("portal.unit")
def unit_pay():
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = _levy_ids()
    if not ids:
        flash("请至少选择一条应征。", "error")
        return _back("portal.unit_pay_page")
    try:
        if request.form.get("how") == "voucher":
            number, pdf = up.counter_voucher(principal(), ids)
            return pdf_response(pdf, f"voucher-{number}.pdf")
        result = portal.pay(principal(), ids)
    except DomainError as exc:
        return _refused(exc, "portal.unit_pay_page")
    return _back("portal.unit_debit", debit_id=result["debit_id"])


@bp.route("/unit/debits/<int:debit_id>")
@requires("portal.unit")
def unit_debit(debit_id: int):
    return render_template("portal/unit_debit.html", debit=up.debit_outcome(principal(), debit_id))


@bp.route("/unit/agreements")
@requires("portal.unit")
def unit_agreements():
    return render_template("portal/unit_agreements.html", form=SignForm(), action=ActionForm(),
                           **up.agreements(principal()))


@bp.route("/unit/agreements", methods=["POST"])
@requires("portal.unit")
def unit_sign():
    form = SignForm()
    if not form.validate_on_submit():
        return render_template("portal/unit_agreements.html", form=form, action=ActionForm(),
                               **up.agreements(principal())), 422
    try:
        done = up.sign(principal(), form.protocol_no.data, form.pay_bk_code.data,
                       form.pay_op_bk_code.data, form.pay_acct.data, form.hand_org_name.data or "",
                       form.channel.data == "ON_SITE")
    except DomainError as exc:
        return _refused(exc, "portal.unit_agreements")
    flash("协议已提交，正在通过银行验证。", "success")
    if done["notice"]:
        flash(done["notice"], "warning")
    return _back("portal.unit_agreements")


@bp.route("/unit/agreements/<int:agreement_id>/end", methods=["POST"])
@requires("portal.unit")
def unit_end_agreement(agreement_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        done = up.terminate(principal(), agreement_id)
    except DomainError as exc:
        return _refused(exc, "portal.unit_agreements")
    flash("已向银行发起撤销协议。" if done["state"] == "REVOKING" else "协议已终止。", "success")
    return _back("portal.unit_agreements")


@bp.route("/unit/history")
@requires("portal.unit")
def unit_history():
    return render_template("portal/unit_history.html",
                           **up.history(principal(), _page(), request.args.get("state", "")))


@bp.route("/unit/changes")
@requires("portal.unit")
def unit_changes():
    return render_template("portal/unit_changes.html", **up.changes(principal(), _page()))


@bp.route("/unit/certificates")
@requires("portal.unit")
def unit_certificates():
    return render_template("portal/unit_certificates.html", period=up.current_period())


@bp.route("/unit/certificate.pdf")
@requires("portal.unit")
def unit_certificate():
    a = request.args
    try:
        pdf = up.certificate(principal(), a.get("from", ""), a.get("to", "") or a.get("from", ""),
                             a.get("form", "tabular"))
    except DomainError as exc:
        return _refused(exc, "portal.unit_certificates")
    return pdf_response(pdf, f"certificate-{a.get('from', '')}.pdf")

