"""Read-side queries of the staff's batch pages (待批扣清册, packages, items, stops, refund cases,
failed-item notices), every one taking the caller's :class:`ReadScope` like
:mod:`web_queries`: a record outside the scope is answered like a missing one (None), lists
only ever hold rows of the scope. Pages are cut in SQL (offset/limit, a count beside them);
``limit=None`` streams every row for an export. Rows are unmasked; the web layer masks them.
"""

from __future__ import annotations

from typing import Any, Iterator

from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.engine import Connection

from gateway.persistence.records import (AgreementRecord, BankRecord, BatchListEntryRecord, BatchListRecord,
                                         DebitRecord, InsuranceTypeRecord, LevyRecord,
                                         NotificationRecord, PackageRecord, PayerRecord,
                                         RefundCaseRecord, StopRequestRecord, TaxOfficeRecord)
from gateway.persistence.web_queries import ReadScope

ENTRY_STATES = ("GENERATED", "VOIDED", "IN_PACKAGE", "SENT", "FINISHED")


def _offices(scope: ReadScope, col):
    """Batch records belong to offices: a payer scope (a taxpayer) sees none of them."""
    return col.in_(scope.office_codes) if scope.office_codes else false()


def _like(q: str | None, *cols):
    if not q:
        return None
    return or_(*(c.contains(q.strip(), autoescape=True) for c in cols))


def _rows(conn: Connection, stmt: Select, offset: int, limit: int | None) -> Iterator[dict[str, Any]]:
    if limit is not None:
        stmt = stmt.offset(offset).limit(limit)
    for r in conn.execution_options(stream_results=True, yield_per=1000).execute(stmt):
        yield dict(r._mapping)


def _banks():
    """The clearing bank's name per PayBkCode (the directory lists it on each of its branches)."""
    b = BankRecord
    return (select(b.clearing_code, func.min(b.bank_name).label("bank_name"))
            .group_by(b.clearing_code).subquery("banks"))


def count(conn: Connection, stmt: Select) -> int:
    """The number of rows of a listing statement (before offset/limit)."""
    return conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


# -- 待批扣清册 -------------------------------------------------------------------------------

def lists_stmt(scope: ReadScope) -> Select:
    bl, e = BatchListRecord, BatchListEntryRecord
    per_state = [func.sum(case((e.state == s, 1), else_=0)).label(s.lower()) for s in ENTRY_STATES]
    figures = (select(e.list_id, func.count().label("entries"),
                      func.coalesce(func.sum(case((e.state == "GENERATED", e.amount), else_=None)),
                                    0).label("pending_amount"), *per_state)
               .group_by(e.list_id).subquery())
    return (select(bl.id, bl.kind, bl.tax_org_code, TaxOfficeRecord.name.label("office"), bl.year,
                   bl.month, bl.criteria, bl.created_by, bl.created_at,
                   func.coalesce(figures.c.entries, 0).label("entries"),
                   func.coalesce(figures.c.pending_amount, 0).label("pending_amount"),
                   *[func.coalesce(figures.c[s.lower()], 0).label(s.lower()) for s in ENTRY_STATES])
            .join(TaxOfficeRecord, TaxOfficeRecord.code == bl.tax_org_code, isouter=True)
            .join(figures, figures.c.list_id == bl.id, isouter=True)
            .where(_offices(scope, bl.tax_org_code)).order_by(bl.id.desc()))


def lists(conn: Connection, scope: ReadScope, offset: int = 0,
          limit: int | None = 50) -> Iterator[dict[str, Any]]:
    return _rows(conn, lists_stmt(scope), offset, limit)


def batch_list(conn: Connection, scope: ReadScope, list_id: int) -> dict[str, Any] | None:
    row = conn.execute(lists_stmt(scope).where(BatchListRecord.id == list_id)).first()
    return dict(row._mapping) if row else None


def list_groups(conn: Connection, list_id: int, state: str = "GENERATED") -> list[dict[str, Any]]:
    """Payers, levies and total per office and paying bank of a list's entries in ``state``
    (the preview before launching). The caller has checked the list is in scope."""
    e, banks = BatchListEntryRecord, _banks()
    stmt = (select(e.tax_org_code, TaxOfficeRecord.name.label("office"), e.pay_bk_code,
                   banks.c.bank_name, func.count(func.distinct(e.payer_id)).label("payers"),
                   func.count().label("levies"), func.sum(e.amount).label("amount"))
            .join(TaxOfficeRecord, TaxOfficeRecord.code == e.tax_org_code, isouter=True)
            .join(banks, banks.c.clearing_code == e.pay_bk_code, isouter=True)
            .where(e.list_id == list_id, e.state == state)
            .group_by(e.tax_org_code, TaxOfficeRecord.name, e.pay_bk_code, banks.c.bank_name)
            .order_by(e.tax_org_code, e.pay_bk_code))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def entries_stmt(list_id: int, q: str | None = None, state: str | None = None) -> Select:
    e, lv, p = BatchListEntryRecord, LevyRecord, PayerRecord
    stmt = (select(e.id, e.levy_id, e.payer_id, p.kind.label("payer_kind"),
                   p.name.label("payer_name"), p.tax_pay_code, e.tax_org_code, e.pay_bk_code,
                   InsuranceTypeRecord.name.label("insurance"), lv.period_start, lv.period_end,
                   e.amount, e.state, e.package_id, e.note)
            .join(lv, lv.id == e.levy_id).join(p, p.id == e.payer_id)
            .join(InsuranceTypeRecord, InsuranceTypeRecord.code == lv.insurance_code, isouter=True)
            .where(e.list_id == list_id).order_by(e.id))
    if state:
        stmt = stmt.where(e.state == state)
    like = _like(q, p.name, p.tax_pay_code)
    return stmt if like is None else stmt.where(like)


def entries(conn: Connection, list_id: int, q: str | None = None, state: str | None = None,
            offset: int = 0, limit: int | None = 50) -> Iterator[dict[str, Any]]:
    return _rows(conn, entries_stmt(list_id, q, state), offset, limit)


# -- packages and items ------------------------------------------------------------------------

def packages_stmt(scope: ReadScope, list_id: int | None = None, state: str | None = None,
                  q: str | None = None) -> Select:
    k, banks = PackageRecord, _banks()
    stmt = (select(k.id, k.list_id, k.tax_org_code, TaxOfficeRecord.name.label("office"),
                   k.entrust_date, k.pack_no, k.pay_bk_code, banks.c.bank_name, k.item_count,
                   k.total_amount,
                   k.state, k.deadline, k.result_code, k.reason, k.succ_num, k.succ_amt, k.late,
                   k.created_at)
            .join(TaxOfficeRecord, TaxOfficeRecord.code == k.tax_org_code, isouter=True)
            .join(banks, banks.c.clearing_code == k.pay_bk_code, isouter=True)
            .where(_offices(scope, k.tax_org_code)).order_by(k.id.desc()))
    if list_id is not None:
        stmt = stmt.where(k.list_id == list_id)
    if state:
        stmt = stmt.where(k.state == state)
    like = _like(q, k.pack_no, k.pay_bk_code)
    return stmt if like is None else stmt.where(like)


def packages(conn: Connection, scope: ReadScope, list_id: int | None = None,
             state: str | None = None, q: str | None = None, offset: int = 0,
             limit: int | None = 50) -> Iterator[dict[str, Any]]:
    return _rows(conn, packages_stmt(scope, list_id, state, q), offset, limit)


def package(conn: Connection, scope: ReadScope, package_id: int) -> dict[str, Any] | None:
    row = conn.execute(packages_stmt(scope).where(PackageRecord.id == package_id)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["key"] = f"{out['tax_org_code']}/{out['entrust_date']:%Y%m%d}/{out['pack_no']}"
    return out


def item_figures(conn: Connection, package_id: int) -> dict[str, dict[str, Any]]:
    d = DebitRecord
    stmt = (select(d.state, func.count(), func.sum(d.amount)).where(d.package_id == package_id)
            .group_by(d.state))
    return {state: {"count": n, "amount": amount} for state, n, amount in conn.execute(stmt)}


def items_stmt(package_id: int, q: str | None = None, state: str | None = None) -> Select:
    d, p = DebitRecord, PayerRecord
    stmt = (select(d.id, d.tra_no, d.tax_vou_no, d.payer_id, p.kind.label("payer_kind"),
                   p.name.label("payer_name"), p.tax_pay_code, AgreementRecord.pay_acct, d.amount,
                   d.state, d.result_code, d.reason, d.tax_date, d.resolved_at)
            .join(p, p.id == d.payer_id)
            .join(AgreementRecord, AgreementRecord.id == d.agreement_id, isouter=True)
            .where(d.package_id == package_id).order_by(d.tra_no))
    if state:
        stmt = stmt.where(d.state == state)
    like = _like(q, p.name, p.tax_pay_code, d.tra_no)
    return stmt if like is None else stmt.where(like)


def items(conn: Connection, package_id: int, q: str | None = None, state: str | None = None,
          offset: int = 0, limit: int | None = 50) -> Iterator[dict[str, Any]]:
    return _rows(conn, items_stmt(package_id, q, state), offset, limit)


def stops(conn: Connection, package_id: int) -> list[dict[str, Any]]:
    s = StopRequestRecord
    stmt = (select(s.id, s.stop_no, s.stop_type, s.ori_tra_no, s.reason, s.requested_by, s.state,
                   s.add_word, s.created_at).where(s.package_id == package_id).order_by(s.id))
    return [dict(r._mapping) for r in conn.execute(stmt)]


# -- in-doubt debits ----------------------------------------------------------------------------

def in_doubt_stmt(scope: ReadScope, q: str | None = None) -> Select:
    d, p = DebitRecord, PayerRecord
    stmt = (select(d.id, d.kind, d.originator, d.entrust_date, d.tra_no, d.tax_vou_no, d.payer_id,
                   p.kind.label("payer_kind"), p.name.label("payer_name"), p.tax_pay_code,
                   AgreementRecord.pay_acct, d.amount, d.state, d.package_id, d.result_code,
                   d.reason, d.sent_at)
            .join(p, p.id == d.payer_id)
            .join(AgreementRecord, AgreementRecord.id == d.agreement_id, isouter=True)
            .where(d.state == "IN_DOUBT", _offices(scope, d.tax_org_code)).order_by(d.id))
    like = _like(q, p.name, p.tax_pay_code, d.tra_no)
    return stmt if like is None else stmt.where(like)


def in_doubt(conn: Connection, scope: ReadScope, q: str | None = None, offset: int = 0,
             limit: int | None = 50) -> Iterator[dict[str, Any]]:
    for row in _rows(conn, in_doubt_stmt(scope, q), offset, limit):
        row["key"] = f"{row['originator']}/{row['entrust_date']:%Y%m%d}/{row['tra_no']}"
        yield row


# -- refund cases and notices ------------------------------------------------------------------

def refunds_stmt(scope: ReadScope, state: str | None = None, q: str | None = None) -> Select:
    r, lv, p = RefundCaseRecord, LevyRecord, PayerRecord
    stmt = (select(r.id, r.levy_id, r.tax_org_code, r.payment, r.debit_key, r.paid_by, r.amount,
                   r.state, r.note, r.updated_by, r.updated_at, r.created_at, lv.payer_id,
                   p.kind.label("payer_kind"), p.name.label("payer_name"), p.tax_pay_code,
                   p.social_security_no, InsuranceTypeRecord.name.label("insurance"),
                   lv.period_start, lv.period_end)
            .join(lv, lv.id == r.levy_id).join(p, p.id == lv.payer_id)
            .join(InsuranceTypeRecord, InsuranceTypeRecord.code == lv.insurance_code, isouter=True)
            .where(_offices(scope, r.tax_org_code)).order_by(r.id))
    if state:
        stmt = stmt.where(r.state == state)
    like = _like(q, p.name, p.tax_pay_code, r.debit_key)
    return stmt if like is None else stmt.where(like)


def refunds(conn: Connection, scope: ReadScope, state: str | None = None, q: str | None = None,
            offset: int = 0, limit: int | None = 50) -> Iterator[dict[str, Any]]:
    return _rows(conn, refunds_stmt(scope, state, q), offset, limit)


def refund(conn: Connection, scope: ReadScope, refund_id: int) -> dict[str, Any] | None:
    row = conn.execute(refunds_stmt(scope).where(RefundCaseRecord.id == refund_id)).first()
    return dict(row._mapping) if row else None


def notices_stmt(scope: ReadScope, state: str | None = None, q: str | None = None) -> Select:
    n, p = NotificationRecord, PayerRecord
    stmt = (select(n.id, n.payer_id, p.kind.label("payer_kind"), p.name.label("payer_name"),
                   p.tax_pay_code, n.tax_org_code, n.channel, n.ref, n.text, n.state, n.sent_at,
                   n.error, n.created_at)
            .join(p, p.id == n.payer_id)
            .where(_offices(scope, n.tax_org_code)).order_by(n.id.desc()))
    if state:
        stmt = stmt.where(n.state == state)
    like = _like(q, p.name, p.tax_pay_code)
    return stmt if like is None else stmt.where(like)


def notices(conn: Connection, scope: ReadScope, state: str | None = None, q: str | None = None,
            offset: int = 0, limit: int | None = 50) -> Iterator[dict[str, Any]]:
    return _rows(conn, notices_stmt(scope, state, q), offset, limit)


def payer_of_scope(conn: Connection, scope: ReadScope, payer_id: int) -> dict[str, Any] | None:
    p = PayerRecord
    row = conn.execute(select(p.id, p.kind, p.name, p.tax_org_code)
                       .where(p.id == payer_id, _offices(scope, p.tax_org_code))).first()
    return dict(row._mapping) if row else None


def insurance_types(conn: Connection) -> list[tuple[str, str]]:
    t = InsuranceTypeRecord
    return [(c, n) for c, n in conn.execute(select(t.code, t.name).order_by(t.code))]


def offices(conn: Connection, codes: tuple[str, ...]) -> list[tuple[str, str]]:
    t = TaxOfficeRecord
    return [(c, n) for c, n in conn.execute(select(t.code, t.name).where(t.code.in_(codes))
                                            .order_by(t.code))]
