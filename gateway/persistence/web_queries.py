"""Read-side queries of the web application, every one taking the caller's scope.

A scope is either one payer (taxpayers) or a set of tax offices (staff: their office and its
subordinates); a scope with neither sees nothing. A record outside the scope is answered exactly
like a missing one (None), so the web layer can say 404 without telling the two apart. Rows are
returned unmasked; the web layer masks them for the role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import false, func, literal, select
from sqlalchemy.engine import Connection

from gateway.persistence.records import (AgreementRecord, DebitRecord, ErrorStoreRecord,
                                         InsuranceTypeRecord, LevyRecord, OutboxRecord,
                                         PayerRecord, ReviewItemRecord, TaxOfficeRecord)


@dataclass(frozen=True)
class ReadScope:
    payer_id: int | None = None
    office_codes: tuple[str, ...] | None = None

    def where(self, payer_col, office_col):
        """The SQL condition limiting a statement to this scope."""
        if self.payer_id is not None:
            return payer_col == self.payer_id
        if self.office_codes:
            return office_col.in_(self.office_codes)
        return false()


def office_subtree(conn: Connection, code: str) -> tuple[str, ...]:
    """The office and every office below it (recursive over parent_code)."""
    t = TaxOfficeRecord
    tree = select(t.code).where(t.code == code).cte("tree", recursive=True)
    tree = tree.union_all(select(t.code).join(tree, t.parent_code == tree.c.code))
    return tuple(conn.execute(select(tree.c.code)).scalars())


def office_name(conn: Connection, code: str | None) -> str:
    if not code:
        return ""
    return conn.execute(select(TaxOfficeRecord.name).where(TaxOfficeRecord.code == code)).scalar() or ""


def payer_in_scope(conn: Connection, scope: ReadScope, payer_id: int) -> dict[str, Any] | None:
    p = PayerRecord
    row = conn.execute(select(p.id, p.kind, p.tax_pay_code, p.name, p.tax_org_code,
                              p.social_security_no, TaxOfficeRecord.name.label("office"))
                       .join(TaxOfficeRecord, TaxOfficeRecord.code == p.tax_org_code)
                       .where(p.id == payer_id, scope.where(p.id, p.tax_org_code))).first()
    return dict(row._mapping) if row else None


def _levy_select():
    lv = LevyRecord
    return (select(lv.id, lv.payer_id, lv.tax_org_code, lv.insurance_code,
                   InsuranceTypeRecord.name.label("insurance"), lv.period_start, lv.period_end,
                   lv.amount, lv.state, lv.lock_reason, lv.tax_date, lv.paid_by)
            .join(InsuranceTypeRecord, InsuranceTypeRecord.code == lv.insurance_code))


def unpaid_levies(conn: Connection, scope: ReadScope, limit: int = 100) -> list[dict[str, Any]]:
    lv = LevyRecord
    stmt = (_levy_select().where(lv.state == "UNPAID", scope.where(lv.payer_id, lv.tax_org_code))
            .order_by(lv.period_start, lv.insurance_code).limit(limit))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def levy(conn: Connection, scope: ReadScope, levy_id: int) -> dict[str, Any] | None:
    lv = LevyRecord
    row = conn.execute(_levy_select().where(lv.id == levy_id,
                                            scope.where(lv.payer_id, lv.tax_org_code))).first()
    return dict(row._mapping) if row else None


_AGREEMENT_COLUMNS = (AgreementRecord.id, AgreementRecord.protocol_no, AgreementRecord.payer_id,
                      AgreementRecord.tax_org_code, AgreementRecord.pay_bk_code,
                      AgreementRecord.pay_op_bk_code, AgreementRecord.pay_acct,
                      AgreementRecord.hand_org_name, AgreementRecord.channel,
                      AgreementRecord.state, AgreementRecord.activated_at, AgreementRecord.reason)


def agreements(conn: Connection, scope: ReadScope, limit: int = 50) -> list[dict[str, Any]]:
    a = AgreementRecord
    stmt = (select(*_AGREEMENT_COLUMNS).where(scope.where(a.payer_id, a.tax_org_code))
            .order_by(a.id).limit(limit))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def agreement(conn: Connection, scope: ReadScope, agreement_id: int) -> dict[str, Any] | None:
    a = AgreementRecord
    row = conn.execute(select(*_AGREEMENT_COLUMNS).where(
        a.id == agreement_id, scope.where(a.payer_id, a.tax_org_code))).first()
    return dict(row._mapping) if row else None


def _debit_select():
    d = DebitRecord
    return (select(d.id, d.kind, d.originator, d.tax_org_code, d.entrust_date, d.tra_no,
                   d.tax_vou_no, d.payer_id, PayerRecord.name.label("payer_name"), d.amount,
                   d.state, d.result_code, d.reason, d.tax_date, d.sent_at, d.resolved_at,
                   AgreementRecord.pay_acct)
            .join(PayerRecord, PayerRecord.id == d.payer_id)
            .join(AgreementRecord, AgreementRecord.id == d.agreement_id, isouter=True))


def _debit_row(r) -> dict[str, Any]:
    row = dict(r._mapping)
    row["key"] = f"{row['originator']}/{row['entrust_date']:%Y%m%d}/{row['tra_no']}"
    return row


def debit(conn: Connection, scope: ReadScope, debit_id: int) -> dict[str, Any] | None:
    d = DebitRecord
    row = conn.execute(_debit_select().where(d.id == debit_id,
                                             scope.where(d.payer_id, d.tax_org_code))).first()
    return _debit_row(row) if row else None


def debits_in_state(conn: Connection, scope: ReadScope, states: tuple[str, ...],
                    limit: int = 200) -> list[dict[str, Any]]:
    d = DebitRecord
    stmt = (_debit_select().where(d.state.in_(states), scope.where(d.payer_id, d.tax_org_code))
            .order_by(d.id).limit(limit))
    return [_debit_row(r) for r in conn.execute(stmt)]


def debits_on(conn: Connection, scope: ReadScope, day: dt.date,
              limit: int | None = 200) -> Iterator[dict[str, Any]]:
    """Debits entrusted on ``day`` (today's payments), newest first; ``limit=None`` streams all."""
    d = DebitRecord
    stmt = (_debit_select().where(d.entrust_date == day, scope.where(d.payer_id, d.tax_org_code))
            .order_by(d.id.desc()))
    if limit is not None:
        stmt = stmt.limit(limit)
    for r in conn.execution_options(stream_results=True, yield_per=1000).execute(stmt):
        yield _debit_row(r)


def debit_totals_on(conn: Connection, scope: ReadScope, day: dt.date) -> dict[str, Any]:
    """Count and sum of today's debits by state (the console's summary line)."""
    d = DebitRecord
    stmt = (select(d.state, func.count(), func.coalesce(func.sum(d.amount), literal(0)))
            .where(d.entrust_date == day, scope.where(d.payer_id, d.tax_org_code))
            .group_by(d.state))
    return {state: {"count": n, "amount": amount} for state, n, amount in conn.execute(stmt)}


def ops_counts(conn: Connection) -> dict[str, int]:
    """Backlogs ops watches beside the queues: unsent outbox, error store, open review items."""
    return {
        "outbox_unsent": conn.execute(select(func.count()).select_from(OutboxRecord)
                                      .where(OutboxRecord.sent_at.is_(None))).scalar_one(),
        "error_store": conn.execute(select(func.count()).select_from(ErrorStoreRecord)).scalar_one(),
        "reviews_open": conn.execute(select(func.count()).select_from(ReviewItemRecord)
                                     .where(ReviewItemRecord.resolved.is_(False))).scalar_one(),
    }
