"""The ``portal`` blueprint (taxpayers: units, flexible-employment persons, residents): home with
unpaid levies and agreements, one levy or agreement, and paying selected levies."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from gateway.domain.errors import DomainError
from webapp.errors import domain_message
from webapp.forms import PayForm
from webapp.roles import principal, requires
from webapp.services import portal

bp = Blueprint("portal", __name__, url_prefix="/portal")


def _pay_form(data) -> PayForm:
    form = PayForm()
    form.levy_ids.choices = [(lv["id"], str(lv["id"])) for lv in data["unpaid_levies"]]
    return form


@bp.route("/")
@requires("portal.view")
def home():
    data = portal.home(principal())
    return render_template("portal/home.html", form=_pay_form(data), **data)


@bp.route("/pay", methods=["POST"])
@requires("portal.pay")
def pay():
    data = portal.home(principal())
    form = _pay_form(data)
    if form.validate_on_submit():
        try:
            result = portal.pay(principal(), form.levy_ids.data)
        except DomainError as exc:
            form.levy_ids.errors.append(domain_message(exc))
        else:
            flash(f"已发起扣款 {result['key']}，金额 {result['amount']:,.2f} 元，请稍后查看结果。", "success")
            return redirect(url_for("portal.home"))
    return render_template("portal/home.html", form=form, **data), 422


@bp.route("/levies/<int:levy_id>")
@requires("portal.view")
def levy(levy_id: int):
    return render_template("portal/levy.html", levy=portal.levy(principal(), levy_id))


@bp.route("/agreements/<int:agreement_id>")
@requires("portal.view")
def agreement(agreement_id: int):
    return render_template("portal/agreement.html",
                           agreement=portal.agreement(principal(), agreement_id))
