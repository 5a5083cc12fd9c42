"""The three administrators' use cases (三员分立), each audited with before/after:

- system administrator: list accounts, create one (without a role), disable or enable, reset a
  password, lift a lock-out;
- security administrator: assign a role and its scope (tax office or payer);
- auditor: read, filter and export the audit log (see :mod:`webapp.services.audit_read`).

Neither the system nor the security administrator may touch an administrator's account: the
three keep each other in check, so none can take over another's part through these pages.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.domain.errors import DomainError, NotFound
from gateway.persistence import web_accounts
from gateway.persistence.records import PayerRecord, TaxOfficeRecord
from webapp import passwords
from webapp.context import reader, web
from webapp.roles import ADMINS, ROLE_LABELS, Principal, role_of
from webapp.services.actions import perform


class AdminRefused(DomainError):
    """An administrator's change breaks a rule (message shown as it stands)."""

    rule = "admin.refused"


def _view(a: web_accounts.Account, now) -> dict[str, Any]:
    role = role_of(a.role, a.payer_kind)
    return {"id": a.id, "username": a.username, "display_name": a.display_name,
            "stored_role": a.role, "role": role.value, "role_label": ROLE_LABELS[role],
            "tax_org_code": a.tax_org_code or "", "payer_id": a.payer_id,
            "disabled": a.disabled, "locked": bool(a.locked_until and a.locked_until > now),
            "is_admin": role in ADMINS}


def accounts() -> list[dict[str, Any]]:
    now = web().now()
    with Session(bind=reader()) as s:
        return [_view(a, now) for a in web_accounts.all_accounts(s)]


def _target(uow, user_id: int) -> web_accounts.Account:
    account = web_accounts.by_id(uow.session, user_id)
    if account is None:
        raise NotFound()
    if role_of(account.role, account.payer_kind) in ADMINS:
        raise AdminRefused("管理员账户不能在此修改（三员分立）。")
    return account


def create_account(p: Principal, username: str, display_name: str, password: str) -> int:
    weak = passwords.weak_reason(password)
    if weak:
        raise AdminRefused(weak)

    def work(uow, note):
        if web_accounts.by_username(uow.session, username) is not None:
            raise AdminRefused("用户名已存在。")
        user_id = web_accounts.create_account(uow.session, username, passwords.hash_password(password),
                                              display_name)
        note.after = {"username": username, "display_name": display_name, "role": "NONE"}
        return user_id
    return perform(p, "ACCOUNT_CREATE", f"user:{username}", work)


def _change(p: Principal, user_id: int, action: str, change, describe) -> None:
    def work(uow, note):
        account = _target(uow, user_id)
        note.before = describe(account)
        change(uow.session, account)
        uow.session.flush()
        note.after = describe(web_accounts.by_id(uow.session, user_id))
    perform(p, action, f"user:{user_id}", work)


def set_disabled(p: Principal, user_id: int, disabled: bool) -> None:
    now = web().now()
    _change(p, user_id, "ACCOUNT_DISABLE" if disabled else "ACCOUNT_ENABLE",
            lambda s, a: web_accounts.set_disabled(s, a.id, disabled, now),
            lambda a: {"disabled": a.disabled})


def unlock(p: Principal, user_id: int) -> None:
    _change(p, user_id, "ACCOUNT_UNLOCK", lambda s, a: web_accounts.unlock(s, a.id),
            lambda a: {"locked_until": str(a.locked_until or "")})


def reset_password(p: Principal, user_id: int, password: str) -> None:
    weak = passwords.weak_reason(password)
    if weak:
        raise AdminRefused(weak)
    now = web().now()

    def change(s, a):
        web_accounts.set_password(s, a.id, passwords.hash_password(password))
        web_accounts.end_sessions(s, a.id, now)
    # The audit row says that the password changed, never the password or its hash.
    _change(p, user_id, "ACCOUNT_PASSWORD_RESET", change, lambda a: {"username": a.username})


def assign_role(p: Principal, user_id: int, stored_role: str, tax_org_code: str | None,
                payer_id: int | None) -> None:
    from webapp.roles import ASSIGNABLE

    if stored_role not in ASSIGNABLE:
        raise AdminRefused("不能分配该角色。")
    now = web().now()

    def change(s, a):
        org, payer = _check_scope(s, stored_role, tax_org_code, payer_id)
        web_accounts.set_role(s, a.id, stored_role, org, payer)
        web_accounts.end_sessions(s, a.id, now)  # the new role takes effect at the next log-in
    _change(p, user_id, "ROLE_ASSIGN", change,
            lambda a: {"role": a.role, "tax_org_code": a.tax_org_code, "payer_id": a.payer_id})


def _check_scope(s, role: str, org: str | None, payer_id: int | None):
    if role in ("STAFF", "HEAD"):
        if not org or s.execute(select(TaxOfficeRecord.code)
                                .where(TaxOfficeRecord.code == org)).first() is None:
            raise AdminRefused("征收人员须指定存在的税务机关代码。")
        return org, None
    if role == "TAXPAYER":
        if payer_id is None or s.get(PayerRecord, payer_id) is None:
            raise AdminRefused("缴费人账户须指定存在的缴费人编号。")
        return None, payer_id
    return None, None

