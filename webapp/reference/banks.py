"""Pages of the bank-branch directory (银行网点名录): the list with its filters and export, the
editor for a new or an existing branch, closing and reopening one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from webapp import export
from webapp.forms import ActionForm
from webapp.reference import bp
from webapp.reference.forms import BankFilterForm, BranchForm
from webapp.reference.messages import messages
from webapp.roles import principal, requires
from webapp.services import reference_banks as banks


def _filters() -> tuple[BankFilterForm, str, str, str]:
    form = BankFilterForm(request.args)
    if request.args and not form.validate():
        return form, "", "", ""
    return form, (form.city.data or "").strip(), (form.text.data or "").strip(), form.state.data or ""


@bp.route("/banks")
@requires("reference.manage")
def banks_list():
    form, city, text, state = _filters()
    page = request.args.get("page", 1, type=int) or 1
    found = banks.search(principal(), city, text, state, page)
    form.city.data = found["city"]
    return render_template("reference/banks.html", form=form, action_form=ActionForm(),
                           text=text, state=state, **found)


@bp.route("/banks.<fmt>")
@requires("reference.manage")
def banks_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, city, text, state = _filters()
    return export.response(banks.export(principal(), city, text, state), banks.COLUMNS,
                           "银行网点名录", fmt)


def _editor(form: BranchForm, new: bool, code: str = ""):
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                banks.save(principal(), {f: getattr(form, f).data for f in
                                         ("code", "name", "bank_name", "clearing_code",
                                          "city_code", "state")}, new)
            except DomainError as exc:
                if exc.rule == "lookup.exists":
                    raise
                form.code.errors.extend(messages(exc))
                status = 422
            else:
                flash(f"网点 {form.code.data} 已保存。", "success")
                return redirect(url_for("reference.banks_list", city=form.city_code.data))
        else:
            status = 422
    return render_template("reference/bank.html", form=form, new=new, code=code), status


@bp.route("/banks/new", methods=["GET", "POST"])
@requires("reference.manage")
def bank_new():
    return _editor(BranchForm(), True)


@bp.route("/banks/<code>", methods=["GET", "POST"])
@requires("reference.manage")
def bank_edit(code: str):
    current = banks.branch(principal(), code)
    form = BranchForm(data=current) if request.method == "GET" else BranchForm()
    if request.method == "POST" and form.code.data != code:
        abort(400)  # the code names the branch; a new code is a new branch
    return _editor(form, False, code)


@bp.route("/banks/<code>/state", methods=["POST"])
@requires("reference.manage")
def bank_state(code: str):
    wanted = request.form.get("state", "")
    if not ActionForm().validate_on_submit() or wanted not in ("ACTIVE", "CLOSED"):
        abort(400)
    try:
        banks.set_state(principal(), code, wanted)
    except DomainError as exc:
        if exc.rule == "lookup.exists":
            raise
        for message in messages(exc):
            flash(message, "error")
    else:
        flash(f"网点 {code} 已{'恢复' if wanted == 'ACTIVE' else '撤销'}。", "success")
    return redirect(url_for("reference.bank_edit", code=code))
