"""The ``console`` blueprint (collection staff and office heads): home with the office's
in-doubt debits and today's payments, one debit, agreement or payer, the actions on them, and
the export of today's payments."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from webapp import export
from webapp.errors import domain_message
from webapp.forms import ActionForm, ReverseForm
from webapp.roles import principal, requires
from webapp.services import console

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.route("/")
@requires("console.view")
def home():
    return render_template("console/home.html", **console.home(principal()))


@bp.route("/debits/<int:debit_id>")
@requires("console.view")
def debit(debit_id: int):
    return render_template("console/debit.html", debit=console.debit(principal(), debit_id),
                           reverse_form=ReverseForm(), query_form=ActionForm())


@bp.route("/debits/<int:debit_id>/reverse", methods=["POST"])
@requires("console.act")
def reverse(debit_id: int):
    row = console.debit(principal(), debit_id)  # 404 before anything else when out of scope
    form = ReverseForm()
    if form.validate_on_submit():
        try:
            console.reverse(principal(), debit_id, form.reason.data)
        except DomainError as exc:
            form.reason.errors.append(domain_message(exc))
        else:
            flash("冲正申请已发送。", "success")
            return redirect(url_for("console.debit", debit_id=debit_id))
    return render_template("console/debit.html", debit=row, reverse_form=form,
                           query_form=ActionForm()), 422


@bp.route("/debits/<int:debit_id>/query", methods=["POST"])
@requires("console.act")
def query(debit_id: int):
    console.debit(principal(), debit_id)
    if ActionForm().validate_on_submit():
        console.query_status(principal(), debit_id)
        flash("状态查询已发送。", "success")
    return redirect(url_for("console.debit", debit_id=debit_id))


@bp.route("/agreements/<int:agreement_id>")
@requires("console.view")
def agreement(agreement_id: int):
    return render_template("console/agreement.html", form=ActionForm(),
                           agreement=console.agreement(principal(), agreement_id))


@bp.route("/agreements/<int:agreement_id>/verify", methods=["POST"])
@requires("console.act")
def verify(agreement_id: int):
    console.agreement(principal(), agreement_id)
    if ActionForm().validate_on_submit():
        try:
            console.verify_agreement(principal(), agreement_id)
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            flash("协议验证请求已发送。", "success")
    return redirect(url_for("console.agreement", agreement_id=agreement_id))


@bp.route("/payers/<int:payer_id>")
@requires("console.view")
def payer(payer_id: int):
    unmasked = request.args.get("full") == "1"
    if unmasked and not principal().can("console.unmask"):
        abort(403)
    return render_template("console/payer.html", **console.payer(principal(), payer_id, unmasked))


@bp.route("/payments.<fmt>")
@requires("console.export")
def export_payments(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    rows = console.export_today(principal())
    return export.response(rows, console.EXPORT_COLUMNS, "今日扣款", fmt)
