"""Authorisation in one place: the roles, what each may do, and the scope of its data.

A taxpayer's scope is their own payer; staff see their tax office and its subordinate offices;
ops and the three administrators (三员分立: system administrator manages accounts, security
administrator assigns roles and scopes, auditor reads the log) see no payer data at all.
Every page and API call names one permission with :func:`requires`; every query takes the scope.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable

from flask import abort
from flask_login import current_user

from gateway.persistence.web_queries import ReadScope, office_subtree


class Role(StrEnum):
    UNIT = "UNIT"  # 缴费单位
    FLEXIBLE = "FLEXIBLE"  # 灵活就业人员
    RESIDENT = "RESIDENT"  # 城乡居民
    COLLECTOR = "COLLECTOR"  # 征收人员
    HEAD = "HEAD"  # 征收机关负责人
    OPS = "OPS"  # 运维人员
    SYSADMIN = "SYSADMIN"  # 系统管理员
    SECADMIN = "SECADMIN"  # 安全管理员
    AUDITOR = "AUDITOR"  # 安全审计员
    NONE = "NONE"  # an account without a role yet


ROLE_LABELS = {
    Role.UNIT: "缴费单位", Role.FLEXIBLE: "灵活就业人员", Role.RESIDENT: "城乡居民",
    Role.COLLECTOR: "征收人员", Role.HEAD: "征收机关负责人", Role.OPS: "运维人员",
    Role.SYSADMIN: "系统管理员", Role.SECADMIN: "安全管理员", Role.AUDITOR: "安全审计员",
    Role.NONE: "未分配角色",
}
TAXPAYERS = frozenset({Role.UNIT, Role.FLEXIBLE, Role.RESIDENT})
STAFF = frozenset({Role.COLLECTOR, Role.HEAD})
ADMINS = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})

# Stored in app_user.role (the demo data writes STAFF, TAXPAYER and OPS); a taxpayer's role
# follows the kind of their payer.
_STORED = {"STAFF": Role.COLLECTOR, "HEAD": Role.HEAD, "OPS": Role.OPS, "SYSADMIN": Role.SYSADMIN,
           "SECADMIN": Role.SECADMIN, "AUDITOR": Role.AUDITOR}
_PAYER_KIND = {"UNIT": Role.UNIT, "FLEXIBLE": Role.FLEXIBLE, "RESIDENT": Role.RESIDENT}
# What the security administrator may assign (stored value → label); admin roles are not among
# them, so no administrator can make another or widen their own powers through the page.
ASSIGNABLE = {"STAFF": "征收人员", "HEAD": "征收机关负责人", "OPS": "运维人员",
              "TAXPAYER": "缴费人（单位/灵活就业/居民，按缴费人类型）", "NONE": "收回角色"}

PERMISSIONS: dict[str, frozenset[Role]] = {
    "portal.view": TAXPAYERS,
    "portal.pay": TAXPAYERS,
    # The individual portal (issue 16): persons' own pages, flexible-employment only, residents
    # paying for themselves (anyone else pays only for others), a residents' virtual unit.
    "individual.view": frozenset({Role.FLEXIBLE, Role.RESIDENT}),
    "flexible.act": frozenset({Role.FLEXIBLE}),
    "resident.self": frozenset({Role.RESIDENT}),
    "residents.declare": frozenset({Role.UNIT}),
    "portal.unit": frozenset({Role.UNIT}),  # the unit portal: staff, declarations (issue 15)
    "console.view": STAFF,
    "console.act": STAFF,  # verify agreements, query and reverse debits
    "console.export": STAFF,
    "console.unmask": frozenset({Role.HEAD}),  # full ID and account numbers (audited)
    "ops.view": frozenset({Role.OPS}),
    "accounts.manage": frozenset({Role.SYSADMIN}),
    "roles.assign": frozenset({Role.SECADMIN}),
    "audit.read": frozenset({Role.AUDITOR}),
    # Reference parameters and the bank-branch directory (issue 12): office heads for their
    # city, the security administrator for the province; changes need a second person.
    "reference.manage": frozenset({Role.HEAD, Role.SECADMIN}),
}
HOME = {Role.UNIT: "portal.home", Role.FLEXIBLE: "portal.home", Role.RESIDENT: "portal.home",
        Role.COLLECTOR: "console.home", Role.HEAD: "console.home", Role.OPS: "ops.home",
        Role.SYSADMIN: "admin.accounts", Role.SECADMIN: "admin.roles", Role.AUDITOR: "admin.audit",
        Role.NONE: "auth.no_role"}


def role_of(stored: str, payer_kind: str | None) -> Role:
    if stored == "TAXPAYER":
        return _PAYER_KIND.get(payer_kind or "", Role.NONE)
    return _STORED.get(stored, Role.NONE)


@dataclass
class Principal:
    """The logged-in account (Flask-Login user) with its role and scope."""

    id: int
    username: str
    display_name: str
    role: Role
    payer_id: int | None
    tax_org_code: str | None
    session_secret: str  # the browser session or API token that authenticated this request
    via_token: bool = False
    _offices: tuple[str, ...] | None = field(default=None, repr=False)

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_secret

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def scope(self, conn: Any) -> ReadScope:
        """Taxpayers: their payer. Staff: their office subtree. Anyone else: nothing."""
        if self.role in TAXPAYERS and self.payer_id is not None:
            return ReadScope(payer_id=self.payer_id)
        if self.role in STAFF and self.tax_org_code:
            if self._offices is None:
                self._offices = office_subtree(conn, self.tax_org_code)
            return ReadScope(office_codes=self._offices)
        return ReadScope()


def requires(permission: str) -> Callable:
    """Log-in required (else the login page, or 401 on the API), then the permission (else 403)."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            from flask import current_app

            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)
        inner.permission = permission  # type: ignore[attr-defined]
        return inner
    return wrap


def principal() -> Principal:
    user: Principal = current_user._get_current_object()  # type: ignore[attr-defined]
    return user
