"""Pages of flexible-employment persons (灵活就业人员), most of them shared with residents:
personal information and assessment, contact details, contribution base and insurance types,
arrears with collection orders and per-period details, agreements, and stopping insurance."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from webapp.errors import domain_message
from webapp.forms import PayForm
from webapp.portal.person_forms import AgreementForm, BaseForm, ContactForm, StopForm, TypesForm
from webapp.portal.views import bp
from webapp.roles import principal, requires
from webapp.services import individual_portal as svc
from webapp.services import portal


def _info_page(status: int = 200, **forms):
    p = principal()
    data = svc.info(p)
    forms.setdefault("contact_form", ContactForm(formdata=None, address=data["address"]))
    if p.can("flexible.act"):
        forms.setdefault("base_form", BaseForm(formdata=None))
        forms.setdefault("types_form", TypesForm(formdata=None, insurance_codes=data["insurance_codes"]))
        data["bounds"] = svc.bounds(p)
    return render_template("portal/person_info.html", **data, **forms), status


@bp.route("/me")
@requires("individual.view")
def person_info():
    return _info_page()


def submit(form, action, ok: str, page: str, field: str, warning: str = ""):
    """The one flow of every form of the individual portal: validate, run the action, flash
    ``ok`` (formatted with its result ``r``; ``warning`` too when it formats non-empty) and go
    to ``page``; a refusal is shown next to ``field``. None when the form is to be shown again
    (with status 422)."""
    if form.validate_on_submit():
        try:
            result = action()
        except DomainError as exc:
            getattr(form, field).errors.append(domain_message(exc))
        else:
            flash(ok.format(r=result), "success")
            if warning and warning.format(r=result):
                flash(warning.format(r=result), "warning")
            return redirect(url_for(page))
    return None


@bp.route("/me/contact", methods=["POST"])
@requires("individual.view")
def person_contact():
    form = ContactForm()
    done = submit(form, lambda: svc.change_contact(principal(), form.phone.data, form.address.data),
                   "联系方式已更新。", "portal.person_info", "phone")
    return done or _info_page(422, contact_form=form)


@bp.route("/me/base", methods=["POST"])
@requires("flexible.act")
def person_base():
    form = BaseForm()
    done = submit(form, lambda: svc.adjust_base(principal(), form.base.data),
                   "缴费基数已调整为 {r[base]:,.2f} 元，自 {r[from]:%Y年%m月} 起按新基数申报。",
                   "portal.person_info", "base")
    return done or _info_page(422, base_form=form)


@bp.route("/me/types", methods=["POST"])
@requires("flexible.act")
def person_types():
    form = TypesForm()
    done = submit(form, lambda: svc.change_types(principal(), form.insurance_codes.data),
                   "参保险种已变更。", "portal.person_info", "insurance_codes")
    return done or _info_page(422, types_form=form)


def _pay_form(levies) -> PayForm:
    form = PayForm()
    form.levy_ids.choices = [(lv["id"], str(lv["id"])) for lv in levies]
    return form


def _arrears_page(form: PayForm | None = None, status: int = 200, error: str = ""):
    period = request.args.get("period", "")
    try:
        chosen = dt.date.fromisoformat(period) if period else None
    except ValueError:
        chosen = None
    data = svc.arrears(principal(), chosen)
    return render_template("portal/person_arrears.html", form=form or _pay_form(data["unpaid_levies"]),
                           order_error=error, **data), status


@bp.route("/arrears")
@requires("individual.view")
def person_arrears():
    return _arrears_page()


@bp.route("/arrears/pay", methods=["POST"])
@requires("individual.view")
def person_pay():
    form = _pay_form(svc.arrears(principal())["unpaid_levies"])
    done = submit(form, lambda: portal.pay(principal(), form.levy_ids.data),
                   "已发起实时扣款 {r[key]}，金额 {r[amount]:,.2f} 元，请稍后查看结果。",
                   "portal.person_arrears", "levy_ids")
    return done or _arrears_page(form, 422)


@bp.route("/orders/<declaration_no>/pay", methods=["POST"])
@requires("individual.view")
def person_pay_order(declaration_no: str):
    try:  # CSRFProtect has checked the token of the form's button
        result = svc.pay_order(principal(), declaration_no)
    except DomainError as exc:
        return _arrears_page(status=422, error=domain_message(exc))
    flash(f"已对托收单 {declaration_no} 发起扣款 {result['key']}，金额 {result['amount']:,.2f} 元。", "success")
    return redirect(url_for("portal.person_arrears"))


def _agreements_page(form: AgreementForm | None = None, status: int = 200):
    return render_template("portal/person_agreements.html", form=form or AgreementForm(formdata=None),
                           **svc.agreements(principal())), status


@bp.route("/my-agreements")
@requires("individual.view")
def person_agreements():
    return _agreements_page()


@bp.route("/my-agreements", methods=["POST"])
@requires("individual.view")
def person_sign():
    form = AgreementForm()
    done = submit(form, lambda: svc.sign_agreement(
        principal(), form.channel.data, form.pay_bk_code.data, form.pay_op_bk_code.data,
        form.pay_acct.data, form.protocol_no.data or ""),
        "三方协议 {r[protocol_no]} 已提交银行验证，请稍后查看状态。", "portal.person_agreements",
        "pay_acct", warning="{r[notice]}")
    return done or _agreements_page(form, 422)


@bp.route("/my-agreements/print")
@requires("individual.view")
def person_agreement_print():
    """The agreement text to print and sign at the bank (the other way of the requirements:
    sign at the bank first, then enter it here as 一次上门)."""
    return render_template("portal/person_agreement_print.html", **svc.agreements(principal()),
                           today=svc.today())


@bp.route("/stop")
@requires("flexible.act")
def person_stop():
    return render_template("portal/person_stop.html", form=StopForm(formdata=None),
                           **svc.info(principal()), **svc.arrears(principal()))


@bp.route("/stop", methods=["POST"])
@requires("flexible.act")
def person_stop_confirm():
    form = StopForm()
    if form.validate_on_submit():
        try:
            outcome = svc.stop(principal())
        except DomainError as exc:
            form.confirm.errors.append(domain_message(exc))
        else:
            if outcome["done"]:
                flash(f"已停保：作废未缴应征 {len(outcome['voided'])} 条，三方协议已终止或已提交银行撤销。",
                      "success")
                return redirect(url_for("portal.person_info"))
            form.confirm.errors.extend(outcome["refusals"])
    return render_template("portal/person_stop.html", form=form, **svc.info(principal()),
                           **svc.arrears(principal())), 422


@bp.route("/certificate")
@requires("individual.view")
def person_certificate():
    """GET ?year=&form=tabular|document gives the PDF; without a year, the page to choose."""
    year = request.args.get("year", type=int)
    if year is None:
        return render_template("portal/person_certificate.html", this_year=svc.today().year,
                               error="")
    try:
        pdf, filename = svc.certificate(principal(), year, request.args.get("form", "tabular"))
    except DomainError as exc:
        return render_template("portal/person_certificate.html", this_year=svc.today().year,
                               error=domain_message(exc)), 422
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
