"""Pages of the parameters: the list of a city's parameters, one parameter's history with the
form to schedule a new value, the correction and withdrawal of a value not yet in force, and the
proposals with their recalculation preview and the second person's decision."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from gateway.domain.reference_changes import ProposalState
from webapp.reference import bp
from webapp.reference.forms import DecideForm, ParameterFilterForm, ReasonForm, VersionForm
from webapp.reference.messages import attach, messages
from webapp.roles import principal, requires
from webapp.services import reference_actions as act
from webapp.services import reference_pages as pages

STATES = [("PENDING", "待审核"), ("APPROVED", "已批准"), ("REJECTED", "已驳回"),
          ("WITHDRAWN", "已撤回"), ("", "全部")]


@bp.route("/")
@requires("reference.manage")
def parameters():
    p = principal()
    form = ParameterFilterForm(request.args)
    choices = pages.city_choices(p)
    form.city.choices = [(c, c) for c in choices]
    form.kind.choices = [("", "全部类别"), *pages.KINDS]
    city = form.city.data if form.city.data in choices else (choices[0] if choices else "")
    form.city.data = city
    kind = form.kind.data if form.kind.data in dict(pages.KINDS) else ""
    rows = pages.parameters(p, city, kind) if city else []
    return render_template("reference/parameters.html", form=form, rows=rows, city=city,
                           today=pages.today())


def _on_date() -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get("on", ""))
    except ValueError:
        return None


def _history(form: VersionForm, status: int = 200):
    p = principal()
    key = pages.key_from(request.args)
    return render_template("reference/history.html", form=form, withdraw_form=ReasonForm(),
                           **pages.history(p, key, _on_date())), status


@bp.route("/history", methods=["GET", "POST"])
@requires("reference.manage")
def history():
    p = principal()
    form = VersionForm()
    if request.method == "GET":
        return _history(form)
    key = pages.key_from(request.args)
    pages.check_city(p, key.city_code)
    if not form.validate_on_submit():
        return _history(form, 422)
    try:
        made = act.schedule(p, key, form.valid_from.data, form.valid_to.data,
                            form.value.decimal, form.reason.data)
    except DomainError as exc:
        attach(form, exc)
        return _history(form, 422)
    flash(f"变更申请 {made.id} 已提交，须由另一人审核批准后生效。", "success")
    return redirect(url_for("reference.proposal", proposal_id=made.id))


@bp.route("/versions/<int:version_id>/correct", methods=["GET", "POST"])
@requires("reference.manage")
def correct(version_id: int):
    p = principal()
    target = pages.version(p, version_id)
    form = VersionForm()
    status = 200
    if request.method == "GET":
        form.valid_from.data, form.valid_to.data = target.valid_from, target.valid_to
        form.value.data = str(target.value)
    elif form.validate_on_submit():
        try:
            made = act.correct(p, target, form.valid_from.data, form.valid_to.data,
                               form.value.decimal, form.reason.data)
        except DomainError as exc:
            attach(form, exc)
            status = 422
        else:
            flash(f"更正申请 {made.id} 已提交，须由另一人审核批准后生效。", "success")
            return redirect(url_for("reference.proposal", proposal_id=made.id))
    else:
        status = 422
    return render_template("reference/correct.html", form=form, target=target,
                           status=pages.status(target, pages.today()),
                           args=pages.key_args(target.key)), status


@bp.route("/versions/<int:version_id>/withdraw", methods=["POST"])
@requires("reference.manage")
def withdraw_version(version_id: int):
    p = principal()
    target = pages.version(p, version_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("请填写撤销理由。", "error")
    else:
        try:
            made = act.withdraw_version(p, target, form.reason.data)
        except DomainError as exc:
            for message in messages(exc):
                flash(message, "error")
        else:
            flash(f"撤销申请 {made.id} 已提交，须由另一人审核批准后生效。", "success")
            return redirect(url_for("reference.proposal", proposal_id=made.id))
    return redirect(url_for("reference.history", **pages.key_args(target.key)))


@bp.route("/proposals")
@requires("reference.manage")
def proposals():
    state = request.args.get("state", "PENDING")
    if state not in dict(STATES):
        state = "PENDING"
    return render_template("reference/proposals.html", states=STATES, state=state,
                           rows=pages.proposals(principal(), state))


def _proposal_page(proposal_id: int, errors: list[str] | None = None, status: int = 200):
    return render_template("reference/proposal.html", form=DecideForm(), errors=errors or [],
                           pending=ProposalState.PENDING,
                           **pages.proposal(principal(), proposal_id)), status


@bp.route("/proposals/<int:proposal_id>")
@requires("reference.manage")
def proposal(proposal_id: int):
    return _proposal_page(proposal_id)


_DECISIONS = {"approve": ("变更申请已批准，新值自其生效日期起适用。", lambda p, i, n: act.approve(p, i, n)),
              "reject": ("变更申请已驳回。", lambda p, i, n: act.reject(p, i, n)),
              "withdraw": ("变更申请已撤回。", lambda p, i, n: act.withdraw(p, i))}


@bp.route("/proposals/<int:proposal_id>/<decision>", methods=["POST"])
@requires("reference.manage")
def decide(proposal_id: int, decision: str):
    if decision not in _DECISIONS:  # approve, reject or withdraw
        abort(404)
    p = principal()
    form = DecideForm()
    if not form.validate_on_submit():
        return _proposal_page(proposal_id, ["表单无效，请刷新后重试。"], 400)
    done, do = _DECISIONS[decision]
    try:
        do(p, proposal_id, form.note.data or "")
    except DomainError as exc:
        if exc.rule == "lookup.exists":
            raise
        return _proposal_page(proposal_id, messages(exc), 409)
    flash(done, "success")
    return redirect(url_for("reference.proposal", proposal_id=proposal_id))

