"""The web's extra demo logins beside those of the demo data (staff_gz, staff_fs, ops,
unit_demo, person_demo, resident_demo): an office head and the three administrators. Added
idempotently with the same demo password; for the demo and the tests only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.demodata.accounts import STAFF_GZ_OFFICE, default_password
from gateway.persistence.records import (AgreementRecord, PayerRecord, UserRecord,
                                         VirtualUnitRecord)
from webapp import passwords

EXTRA = (
    ("head_gz", "HEAD", "天河区税务局负责人（演示）", STAFF_GZ_OFFICE),
    ("sysadmin", "SYSADMIN", "系统管理员（演示）", None),
    ("secadmin", "SECADMIN", "安全管理员（演示）", None),
    ("auditor", "AUDITOR", "安全审计员（演示）", None),
)
VIRTUAL_UNIT_LOGIN = "resident_unit_demo"
#: Every demo login and what it shows, for `etsgw demo` to print.
DEMO_LOGINS = (
    ("unit_demo", "缴费单位"), ("person_demo", "灵活就业人员"), ("resident_demo", "城乡居民"),
    (VIRTUAL_UNIT_LOGIN, "城乡居民代缴单位（两居企业）"),
    ("staff_gz", "征收人员（天河区）"), ("staff_fs", "征收人员（禅城区）"),
    ("head_gz", "征收机关负责人（天河区）"), ("ops", "运维人员"), ("sysadmin", "系统管理员"),
    ("secadmin", "安全管理员"), ("auditor", "安全审计员"),
)


def ensure_demo_accounts(application: Any, password: str | None = None) -> int:
    """Add the missing extra accounts; returns how many were added."""
    password_hash = passwords.hash_password(password or default_password())
    added = 0
    with application.uow() as uow:
        s = uow.session
        existing = set(s.execute(select(UserRecord.username)).scalars())
        for username, role, name, org in EXTRA:
            if username not in existing:
                s.add(UserRecord(username=username, password_hash=password_hash, role=role,
                                 display_name=name, tax_org_code=org))
                added += 1
        if VIRTUAL_UNIT_LOGIN not in existing and _add_virtual_unit(s, password_hash):
            added += 1
        uow.commit()
    return added


def _add_virtual_unit(s: Any, password_hash: str) -> bool:
    """A residents' virtual unit (两居企业) for the demo: the first unit with an ACTIVE agreement
    that has no login yet, marked virtual, with its own login."""
    taken = select(UserRecord.payer_id).where(UserRecord.payer_id.is_not(None))
    unit = s.execute(select(PayerRecord.id, PayerRecord.name)
                     .join(AgreementRecord, AgreementRecord.payer_id == PayerRecord.id)
                     .where(PayerRecord.kind == "UNIT", AgreementRecord.state == "ACTIVE",
                            PayerRecord.id.not_in(taken))
                     .order_by(PayerRecord.id).limit(1)).first()
    if unit is None:
        return False
    s.add(VirtualUnitRecord(payer_id=unit.id))
    s.add(UserRecord(username=VIRTUAL_UNIT_LOGIN, password_hash=password_hash, role="TAXPAYER",
                     display_name=unit.name, payer_id=unit.id))
    return True


def describe(url: str, password: str | None = None) -> str:
    """The lines `etsgw demo` prints: the URL and each login."""
    lines = [f"网页 / web: {url}  (演示密码 demo password: {password or default_password()})"]
    lines += [f"  {username:<14} {label}" for username, label in DEMO_LOGINS]
    return "\n".join(lines)
