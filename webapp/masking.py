"""Masking for pages and exports: account numbers keep the first 4 and last 4 digits, ID numbers
the first 6 and last 4 (gateway.logmask). Only a role with ``console.unmask`` asks for the full
values, and that view is audited by the caller."""

from __future__ import annotations

from typing import Any

from gateway.logmask import mask_account, mask_id_no

_INDIVIDUAL_KINDS = {"FLEXIBLE", "RESIDENT"}


def account(value: str | None, unmasked: bool = False) -> str:
    if not value:
        return ""
    return value if unmasked else mask_account(value)


def payer_code(kind: str, value: str, unmasked: bool = False) -> str:
    """An individual's TaxPayCode is their ID number; a unit's is its credit code (public)."""
    if unmasked or kind not in _INDIVIDUAL_KINDS:
        return value
    return mask_id_no(value)


def agreement_row(row: dict[str, Any], unmasked: bool = False) -> dict[str, Any]:
    out = dict(row)
    out["pay_acct"] = account(row.get("pay_acct"), unmasked)
    return out


def debit_row(row: dict[str, Any], unmasked: bool = False) -> dict[str, Any]:
    out = dict(row)
    out["pay_acct"] = account(row.get("pay_acct"), unmasked)
    return out


def payer_row(row: dict[str, Any], unmasked: bool = False) -> dict[str, Any]:
    out = dict(row)
    out["tax_pay_code"] = payer_code(row["kind"], row["tax_pay_code"], unmasked)
    out["social_security_no"] = (row.get("social_security_no") or "") if unmasked else \
        mask_account(row.get("social_security_no") or "") if row.get("social_security_no") else ""
    return out


def phone(value: str) -> str:
    """A mobile number keeps its first 3 and last 4 digits (138****5678)."""
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 8 else "*" * len(value)
def id_number(value: str | None, unmasked: bool = False) -> str:
    if not value:
        return ""
    return value if unmasked else mask_id_no(value)
