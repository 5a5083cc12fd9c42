"""Demo login accounts (app_user): two collection staff, one operator and a taxpayer login for
each kind of payer. They all share the demo password, which is only ever stored hashed."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEMO_PASSWORD_ENV = "ETSGW_DEMO_PASSWORD"
# Documented demo-only credential, used when neither the caller nor the environment gives one.
# Never for production: production accounts are created by an administrator.
DEMO_ONLY_PASSWORD = "demo-only-password"

STAFF_GZ_OFFICE = "14401060000"  # 国家税务总局广州市天河区税务局
STAFF_FS_OFFICE = "14406040000"  # 国家税务总局佛山市禅城区税务局


def default_password() -> str:
    return os.environ.get(DEMO_PASSWORD_ENV) or DEMO_ONLY_PASSWORD


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # STAFF, TAXPAYER, OPS
    display_name: str
    payer_id: int | None = None
    tax_org_code: str | None = None


def demo_accounts(unit: tuple[int, str] | None, person: tuple[int, str] | None,
                  resident: tuple[int, str] | None) -> list[DemoAccount]:
    """The accounts; a taxpayer login is left out when there is no payer of its kind.
    Payers are given as (id, name)."""
    accounts = [
        DemoAccount("staff_gz", "STAFF", "天河区税务局征收员（演示）", tax_org_code=STAFF_GZ_OFFICE),
        DemoAccount("staff_fs", "STAFF", "禅城区税务局征收员（演示）", tax_org_code=STAFF_FS_OFFICE),
        DemoAccount("ops", "OPS", "运维值班员（演示）"),
    ]
    for username, payer in (("unit_demo", unit), ("person_demo", person), ("resident_demo", resident)):
        if payer is not None:
            accounts.append(DemoAccount(username, "TAXPAYER", payer[1], payer_id=payer[0]))
    return accounts


def hash_password(password: str) -> str:
    """werkzeug's salted hash, the one the web login checks with ``check_password_hash``."""
    # Imported here: werkzeug comes with Flask, and the gateway core must import without it.
    from werkzeug.security import generate_password_hash

    if not password:
        raise ValueError("the demo password must not be empty")
    return generate_password_hash(password)


def user_rows(demo: list[DemoAccount], password: str) -> list[dict[str, object]]:
    """app_user rows for the accounts, all with the password hashed."""
    # One hash for all: they share one password by design, so separate salts would hide nothing
    # that is not documented, and each scrypt hash costs about a fifth of a second.
    password_hash = hash_password(password)
    return [{"username": a.username, "password_hash": password_hash, "role": a.role,
             "display_name": a.display_name, "payer_id": a.payer_id, "tax_org_code": a.tax_org_code}
            for a in demo]
