"""Collection staff's use cases over their office and its subordinate offices: the home lists
(in-doubt debits, today's payments), one debit, agreement or payer (404 outside the scope), and
the actions (reverse or query a debit, verify an agreement), each audited with before/after."""

from __future__ import annotations

from typing import Any, Iterator

from gateway.domain.commands import QueryDebitStatus, ReverseDebit, VerifyAgreement
from gateway.persistence import web_queries as q
from webapp import masking
from webapp.context import reader, web
from webapp.roles import Principal
from webapp.services import actions
from webapp.services.actions import found

EXPORT_COLUMNS = (("key", "业务编号"), ("tax_vou_no", "凭证号"), ("payer_name", "缴费人"),
                  ("amount", "金额（元）"), ("state", "状态"), ("pay_acct", "付款账号"),
                  ("reason", "说明"))


def home(p: Principal) -> dict[str, Any]:
    conn = reader()
    scope = p.scope(conn)
    day = web().now().date()
    return {
        "office": {"code": p.tax_org_code, "name": q.office_name(conn, p.tax_org_code)},
        "day": day,
        "in_doubt": [masking.debit_row(d) for d in q.debits_in_state(conn, scope, ("IN_DOUBT",))],
        "today": [masking.debit_row(d) for d in q.debits_on(conn, scope, day)],
        "totals": q.debit_totals_on(conn, scope, day),
    }


def debit(p: Principal, debit_id: int) -> dict[str, Any]:
    conn = reader()
    return masking.debit_row(found(q.debit(conn, p.scope(conn), debit_id)))


def agreement(p: Principal, agreement_id: int) -> dict[str, Any]:
    conn = reader()
    return masking.agreement_row(found(q.agreement(conn, p.scope(conn), agreement_id)))


def payer(p: Principal, payer_id: int, unmasked: bool = False) -> dict[str, Any]:
    """A payer of the office; ``unmasked`` (office heads only) shows full ID and account
    numbers and is audited."""
    conn = reader()
    scope = p.scope(conn)
    row = found(q.payer_in_scope(conn, scope, payer_id))
    agreements = [a for a in q.agreements(conn, q.ReadScope(payer_id=payer_id))]
    if unmasked:
        actions.record(p, "VIEW_UNMASKED", f"payer:{payer_id}",
                       {"fields": ["tax_pay_code", "social_security_no", "pay_acct"]},
                       tax_org_code=row["tax_org_code"])
    return {"payer": masking.payer_row(row, unmasked),
            "agreements": [masking.agreement_row(a, unmasked) for a in agreements],
            "unmasked": unmasked}


def _scoped_debit(p: Principal, uow: Any, debit_id: int) -> dict[str, Any]:
    uow.session.flush()  # so a read after the command sees its changes
    conn = uow.session.connection()
    return found(q.debit(conn, p.scope(conn), debit_id))


def reverse(p: Principal, debit_id: int, reason: str) -> dict[str, Any]:
    def work(uow, note):
        before = _scoped_debit(p, uow, debit_id)
        reversal_id = actions.send(uow, ReverseDebit(debit_id, reason.strip(), p.username))
        note.before, note.tax_org_code = {"state": before["state"]}, before["tax_org_code"]
        note.after = {"reversal_id": reversal_id, "reason": reason.strip(),
                      "state": _scoped_debit(p, uow, debit_id)["state"]}
        return {"reversal_id": reversal_id}
    return actions.perform(p, "REVERSE_DEBIT", f"debit:{debit_id}", work)


def query_status(p: Principal, debit_id: int) -> dict[str, Any]:
    def work(uow, note):
        before = _scoped_debit(p, uow, debit_id)
        msg_id = actions.send(uow, QueryDebitStatus(debit_id))
        note.before, note.tax_org_code = {"state": before["state"]}, before["tax_org_code"]
        note.after = {"msg_id": msg_id}
        return {"msg_id": msg_id}
    return actions.perform(p, "QUERY_DEBIT_STATUS", f"debit:{debit_id}", work)


def verify_agreement(p: Principal, agreement_id: int) -> dict[str, Any]:
    def work(uow, note):
        conn = uow.session.connection()
        before = found(q.agreement(conn, p.scope(conn), agreement_id))
        actions.send(uow, VerifyAgreement(agreement_id, p.username))
        uow.session.flush()
        after = found(q.agreement(conn, p.scope(conn), agreement_id))
        note.before, note.tax_org_code = {"state": before["state"]}, before["tax_org_code"]
        note.after = {"state": after["state"]}
        return {"state": after["state"]}
    return actions.perform(p, "VERIFY_AGREEMENT", f"agreement:{agreement_id}", work)


def export_today(p: Principal) -> Iterator[dict[str, Any]]:
    """Today's payments of the scope, masked, for the export helper; the export is audited.
    The rows come from a connection of their own, open while the download streams."""
    conn = reader()
    scope, day = p.scope(conn), web().now().date()
    actions.record(p, "EXPORT_PAYMENTS", f"debits:{day:%Y%m%d}", {"day": str(day)},
                   tax_org_code=p.tax_org_code or "")
    engine = web().app.reader

    def rows() -> Iterator[dict[str, Any]]:
        with engine.connect() as own:
            for d in q.debits_on(own, scope, day, limit=None):
                yield masking.debit_row(d)
    return rows()
