"""Read-side queries about payers, their agreements and the demo logins (CLI, later the console).
Plain rows; account numbers and personal ID numbers masked (:mod:`gateway.logmask`)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.engine import Connection

from gateway.logmask import mask_account, mask_id_no
from gateway.persistence.records import (AgreementRecord, DebitRecord, LevyRecord, PayerRecord,
                                         UserRecord)

#: A payer a demo debit can start from: an ACTIVE agreement and at least one UNPAID levy.
_HAS_ACTIVE = exists().where(AgreementRecord.payer_id == PayerRecord.id,
                             AgreementRecord.state == "ACTIVE")
_HAS_UNPAID = exists().where(LevyRecord.payer_id == PayerRecord.id, LevyRecord.state == "UNPAID")


def payer_code(kind: str, code: str) -> str:
    """A person's TaxPayCode is their resident ID number: masked; a unit's credit code is not
    personal data and stays readable."""
    return code if kind == "UNIT" else mask_id_no(code)


def _payer_row(r) -> dict:
    return {"id": r.id, "kind": r.kind, "tax_pay_code": payer_code(r.kind, r.tax_pay_code),
            "name": r.name, "tax_org_code": r.tax_org_code}


def find_payers(conn: Connection, text: str, limit: int, offset: int) -> list[dict]:
    """Payers whose name contains ``text`` or whose TaxPayCode or social-security number is
    exactly ``text`` (a full number, so that a search never lists numbers by prefix)."""
    p = PayerRecord
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (select(p.id, p.kind, p.tax_pay_code, p.name, p.tax_org_code,
                   (_HAS_ACTIVE & _HAS_UNPAID).label("debitable"))
            .where(or_(p.name.like(pattern, escape="\\"), p.tax_pay_code == text,
                       p.social_security_no == text))
            .order_by(p.id).limit(limit + 1).offset(offset))
    return [{**_payer_row(r), "debitable": bool(r.debitable)} for r in conn.execute(stmt)]


def payer_detail(conn: Connection, payer_id: int) -> dict | None:
    """A payer, its agreements, its levies by state and its latest debits."""
    p = conn.execute(select(PayerRecord).where(PayerRecord.id == payer_id)).first()
    if p is None:
        return None
    levies = {state: (count, amount or Decimal("0.00")) for state, count, amount in conn.execute(
        select(LevyRecord.state, func.count(), func.sum(LevyRecord.amount))
        .where(LevyRecord.payer_id == payer_id).group_by(LevyRecord.state))}
    debits = conn.execute(select(DebitRecord.id, DebitRecord.kind, DebitRecord.entrust_date,
                                 DebitRecord.amount, DebitRecord.state)
                          .where(DebitRecord.payer_id == payer_id)
                          .order_by(DebitRecord.id.desc()).limit(5)).all()
    unpaid = levies.get("UNPAID", (0, Decimal("0.00")))
    return {**_payer_row(p),
            "social_security_no": mask_id_no(p.social_security_no) if p.social_security_no else "",
            "agreements": agreements(conn, payer_id=payer_id, limit=100, offset=0),
            "levies": {state: {"count": n, "amount": amount} for state, (n, amount) in levies.items()},
            "unpaid_count": unpaid[0], "unpaid_amount": unpaid[1],
            "debits": [d._asdict() for d in debits]}


def agreements(conn: Connection, *, state: str | None = None, payer_id: int | None = None,
               tax_org_code: str | None = None, limit: int, offset: int) -> list[dict]:
    a = AgreementRecord
    stmt = select(a.id, a.payer_id, a.protocol_no, a.tax_org_code, a.pay_bk_code,
                  a.pay_op_bk_code, a.pay_acct, a.channel, a.state, a.activated_at, a.reason)
    if state:
        stmt = stmt.where(a.state == state)
    if payer_id is not None:
        stmt = stmt.where(a.payer_id == payer_id)
    if tax_org_code:
        stmt = stmt.where(a.tax_org_code == tax_org_code)
    stmt = stmt.order_by(a.id).limit(limit + 1).offset(offset)
    return [{**r._asdict(), "pay_acct": mask_account(r.pay_acct)} for r in conn.execute(stmt)]


def demo_logins(conn: Connection) -> list[dict]:
    """The login accounts, with the payer each taxpayer login belongs to and whether that payer
    can be debited now."""
    u, p = UserRecord, PayerRecord
    stmt = (select(u.username, u.role, u.display_name, u.tax_org_code, u.payer_id, p.kind,
                   p.tax_pay_code, p.name.label("payer_name"),
                   (_HAS_ACTIVE & _HAS_UNPAID).label("debitable"))
            .join(p, p.id == u.payer_id, isouter=True).order_by(u.id))
    return [{"username": r.username, "role": r.role, "display_name": r.display_name,
             "tax_org_code": r.tax_org_code, "payer_id": r.payer_id,
             "payer": (f"{r.payer_name}（{payer_code(r.kind, r.tax_pay_code)}）"
                       if r.payer_id is not None and r.kind else ""),
             "debitable": bool(r.debitable) if r.payer_id is not None else None}
            for r in conn.execute(stmt)]


def debitable_payer(conn: Connection, prefer: list[int] | None = None) -> int | None:
    """A payer id with an ACTIVE agreement and UNPAID levies (one of ``prefer`` when possible)."""
    p = PayerRecord
    base = select(p.id).where(and_(_HAS_ACTIVE, _HAS_UNPAID))
    if prefer:
        found = conn.execute(base.where(p.id.in_(prefer)).order_by(p.id).limit(1)).scalar()
        if found is not None:
            return found
    return conn.execute(base.order_by(p.id).limit(1)).scalar()
