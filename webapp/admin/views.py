"""The ``admin`` blueprint: the three administrators' pages (三员分立). Accounts belong to the
system administrator, roles and scopes to the security administrator, the audit log to the
auditor; each page demands its own permission, so none reaches another's part."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from gateway.persistence.audit_log import AuditFilter
from webapp import export
from webapp.errors import domain_message
from webapp.forms import (ActionForm, AssignRoleForm, AuditFilterForm, CreateAccountForm,
                          ResetPasswordForm)
from webapp.roles import ASSIGNABLE, principal, requires
from webapp.services import admin, audit_read

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/accounts", methods=["GET", "POST"])
@requires("accounts.manage")
def accounts():
    form = CreateAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            admin.create_account(principal(), form.username.data, form.display_name.data,
                                 form.password.data)
        except DomainError as exc:
            field = form.username if "用户名" in str(exc) else form.password
            field.errors.append(domain_message(exc))
            status = 422
        else:
            flash(f"账户 {form.username.data} 已创建，请安全管理员分配角色。", "success")
            return redirect(url_for("admin.accounts"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/accounts.html", form=form, action_form=ActionForm(),
                           reset_form=ResetPasswordForm(), accounts=admin.accounts()), status


def _account_action(user_id: int, do, done: str):
    if ActionForm().validate_on_submit():
        try:
            do()
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            flash(done, "success")
    return redirect(url_for("admin.accounts"))


@bp.route("/accounts/<int:user_id>/disable", methods=["POST"])
@requires("accounts.manage")
def disable(user_id: int):
    return _account_action(user_id, lambda: admin.set_disabled(principal(), user_id, True), "账户已停用。")


@bp.route("/accounts/<int:user_id>/enable", methods=["POST"])
@requires("accounts.manage")
def enable(user_id: int):
    return _account_action(user_id, lambda: admin.set_disabled(principal(), user_id, False), "账户已启用。")


@bp.route("/accounts/<int:user_id>/unlock", methods=["POST"])
@requires("accounts.manage")
def unlock(user_id: int):
    return _account_action(user_id, lambda: admin.unlock(principal(), user_id), "账户已解锁。")


@bp.route("/accounts/<int:user_id>/password", methods=["POST"])
@requires("accounts.manage")
def reset_password(user_id: int):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            admin.reset_password(principal(), user_id, form.password.data)
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            flash("密码已重置，该账户的会话已结束。", "success")
    else:
        flash("请输入新密码。", "error")
    return redirect(url_for("admin.accounts"))


@bp.route("/roles", methods=["GET"])
@requires("roles.assign")
def roles():
    return render_template("admin/roles.html", accounts=admin.accounts(), choices=ASSIGNABLE,
                           form=_role_form())


def _role_form() -> AssignRoleForm:
    form = AssignRoleForm()
    form.role.choices = list(ASSIGNABLE.items())
    return form


@bp.route("/roles/<int:user_id>", methods=["POST"])
@requires("roles.assign")
def assign(user_id: int):
    form = _role_form()
    if form.validate_on_submit():
        try:
            admin.assign_role(principal(), user_id, form.role.data, form.tax_org_code.data or None,
                              form.payer_id.data)
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            flash("角色与范围已保存，该账户下次登录时生效。", "success")
            return redirect(url_for("admin.roles"))
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}：{error}", "error")
    return redirect(url_for("admin.roles"))


def _audit_filter() -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return form, AuditFilter()
    return form, AuditFilter(actor=(form.actor.data or "").strip(),
                             action=(form.action.data or "").strip(),
                             since=form.since.data, until=form.until.data)


@bp.route("/audit")
@requires("audit.read")
def audit():
    form, f = _audit_filter()
    page = request.args.get("page", 1, type=int) or 1
    return render_template("admin/audit.html", form=form, **audit_read.entries(f, page))


@bp.route("/audit.<fmt>")
@requires("audit.read")
def audit_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, f = _audit_filter()
    return export.response(audit_read.export(principal(), f), audit_read.COLUMNS, "审计日志", fmt)
