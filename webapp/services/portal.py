"""Taxpayers' use cases: their unpaid levies and agreements, one levy or agreement (404 when it
is another payer's), and paying selected levies by real-time debit (SubmitDebit)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway.domain.commands import SubmitDebit
from gateway.persistence import individual_queries as iq
from gateway.persistence import web_queries as q
from webapp import masking
from webapp.context import reader
from webapp.roles import Principal
from webapp.services.actions import found, perform, send


def home(p: Principal) -> dict[str, Any]:
    conn = reader()
    scope = p.scope(conn)
    payer = found(q.payer_in_scope(conn, scope, p.payer_id or 0))
    levies = q.unpaid_levies(conn, scope)
    return {
        "payer": masking.payer_row(payer),
        "unpaid_levies": levies,
        "unpaid_total": sum((lv["amount"] for lv in levies), Decimal("0.00")),
        "agreements": [masking.agreement_row(a) for a in q.agreements(conn, scope)],
        "is_virtual_unit": payer["kind"] == "UNIT" and iq.is_virtual_unit(conn, payer["id"]),
    }


def levy(p: Principal, levy_id: int) -> dict[str, Any]:
    conn = reader()
    return found(q.levy(conn, p.scope(conn), levy_id))


def agreement(p: Principal, agreement_id: int) -> dict[str, Any]:
    conn = reader()
    return masking.agreement_row(found(q.agreement(conn, p.scope(conn), agreement_id)))


def pay(p: Principal, levy_ids: list[int]) -> dict[str, Any]:
    """Start one real-time debit of the payer's selected levies (the handler refuses another
    payer's levy as not found)."""
    payer_id = found(p.payer_id)
    cmd = SubmitDebit(payer_id=payer_id, levy_ids=tuple(levy_ids), requested_by=p.username)

    def work(uow, note):
        note.before = {"levy_ids": sorted(levy_ids)}
        debit = send(uow, cmd)
        note.after = {"debit_id": debit.id, "amount": str(debit.amount), "state": debit.state.value}
        note.tax_org_code = debit.tax_org_code
        return debit

    debit = perform(p, "SUBMIT_DEBIT", f"payer:{payer_id}", work)
    return {"debit_id": debit.id, "amount": debit.amount, "state": debit.state.value,
            "key": debit.key}
