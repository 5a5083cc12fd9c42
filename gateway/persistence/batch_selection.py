"""Set-based selection for batches (item 1) and the 待批扣清册 lists built from it (item 2).

One ``INSERT … SELECT`` writes a list's entries: UNPAID levies of the offices in scope (the
staff member's office and its subordinates), filtered by fee period, declaration date (the
levy's ``created_at``), payer kind and insurance type, of payers whose most recent eligible
ACTIVE agreement (activated by the previous cutoff, §7.6) gives the paying bank, and not on a
list entry that is already packaged. No levy is loaded into Python.

On PostgreSQL the selection is staged in a temporary table first (:func:`_insert_entries`):
an ``INSERT … SELECT`` whose ``NOT EXISTS`` reads the table being written re-scans, per
candidate, the rows this statement has already inserted when the planner picks a nested loop
(it does while the table is empty or small by its statistics), which made the first monthly
selection quadratic: 74.5 s for 85,325 levies, over 10 minutes for 255,000. SQLite materialises
such a SELECT by itself before inserting.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (BigInteger, Column, Integer, MetaData, Select, String, Table, and_, exists,
                        func, insert, literal, or_, select, text, update)
from sqlalchemy.orm import Session, aliased

from gateway.domain.pending_list import (EntryState, GroupFigures, ListKind, ListSummary,
                                         Selection)
from gateway.persistence.records import (AgreementRecord, BatchListEntryRecord, BatchListRecord,
                                         LevyRecord, PayerRecord, TaxOfficeRecord)
from gateway.persistence.types import fen_to_yuan

# Entries already taken by a batch: never selected again, never voided (REALTIME: a real-time run).
PACKAGED = (EntryState.IN_PACKAGE.value, EntryState.SENT.value, EntryState.REALTIME.value)

ENTRY_COLUMNS = ("list_id", "levy_id", "payer_id", "tax_org_code", "pay_bk_code", "agreement_id",
                 "amount", "state", "note")

# The staging table of a PostgreSQL selection (temporary: private to the connection, unlogged).
_staged = Table("tmp_batch_candidates", MetaData(),
                Column("list_id", Integer), Column("levy_id", Integer), Column("payer_id", Integer),
                Column("tax_org_code", String(12)), Column("pay_bk_code", String(12)),
                Column("agreement_id", Integer), Column("amount", BigInteger),
                Column("state", String(12)), Column("note", String(200)),
                prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


def offices_in_scope(session: Session, tax_org_code: str, subordinates: bool = True) -> list[str]:
    """The office and, with ``subordinates``, every office below it (recursive)."""
    if not subordinates:
        return [tax_org_code]
    t = TaxOfficeRecord.__table__
    tree = select(t.c.code).where(t.c.code == tax_org_code).cte("tree", recursive=True)
    tree = tree.union_all(select(t.c.code).where(t.c.parent_code == tree.c.code))
    found = list(session.scalars(select(tree.c.code)))
    return found or [tax_org_code]


def _candidates(session: Session, sel: Selection, cutoff: dt.datetime, list_id: int) -> Select:
    lv, a, b, p = LevyRecord, AgreementRecord, aliased(AgreementRecord), PayerRecord
    e = aliased(BatchListEntryRecord)
    offices = offices_in_scope(session, sel.tax_org_code, sel.include_subordinates)
    newer = exists().where(b.payer_id == a.payer_id, b.state == "ACTIVE", b.activated_at <= cutoff,
                           or_(b.activated_at > a.activated_at,
                               and_(b.activated_at == a.activated_at, b.id > a.id)))
    stmt = (select(literal(list_id), lv.id, lv.payer_id, lv.tax_org_code, a.pay_bk_code, a.id,
                   lv.__table__.c.amount, literal(EntryState.GENERATED.value), literal(""))
            .select_from(lv)
            .join(a, and_(a.payer_id == lv.payer_id, a.state == "ACTIVE",
                          a.activated_at <= cutoff, ~newer))
            .where(lv.state == "UNPAID", lv.tax_org_code.in_(offices),
                   ~exists().where(e.levy_id == lv.id, e.state.in_(PACKAGED))))
    if sel.period_from:
        stmt = stmt.where(lv.period_start >= sel.period_from)
    if sel.period_to:
        stmt = stmt.where(lv.period_start <= sel.period_to)
    if sel.declared_from:
        stmt = stmt.where(lv.created_at >= dt.datetime.combine(sel.declared_from, dt.time()))
    if sel.declared_to:
        stmt = stmt.where(lv.created_at < dt.datetime.combine(sel.declared_to + dt.timedelta(days=1),
                                                              dt.time()))
    if sel.payer_kind:
        stmt = stmt.join(p, p.id == lv.payer_id).where(p.kind == sel.payer_kind)
    if sel.insurance_codes:
        stmt = stmt.where(lv.insurance_code.in_(sel.insurance_codes))
    return stmt


def _insert_entries(session: Session, candidates: Select) -> None:
    """Write a list's entries from the candidate SELECT (see the module docstring for why
    PostgreSQL goes through a temporary table, and then refreshes the entry table's statistics:
    the packaging queries that follow plan on them)."""
    t = BatchListEntryRecord.__table__
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(t).from_select(ENTRY_COLUMNS, candidates))
        return
    conn = session.connection()
    _staged.drop(conn, checkfirst=True)  # a second list in the same transaction
    _staged.create(conn)
    conn.execute(insert(_staged).from_select(ENTRY_COLUMNS, candidates))
    conn.execute(insert(t).from_select(ENTRY_COLUMNS, select(*_staged.c)))
    _staged.drop(conn)
    conn.execute(text("ANALYZE batch_list_entry"))


class BatchListRepository:
    """Lists and their entries; every write is one set-based statement."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def create(self, kind: ListKind, sel: Selection, cutoff: dt.datetime, created_by: str,
               year: int | None = None, month: int | None = None) -> int:
        rec = BatchListRecord(kind=kind.value, tax_org_code=sel.tax_org_code, year=year,
                              month=month, criteria=sel.describe(), created_by=created_by)
        self.s.add(rec)
        self.s.flush()
        _insert_entries(self.s, _candidates(self.s, sel, cutoff, rec.id))
        return rec.id

    def monthly_exists(self, tax_org_code: str, year: int, month: int) -> int | None:
        return self.s.scalars(select(BatchListRecord.id).where(
            BatchListRecord.kind == ListKind.MONTHLY.value,
            BatchListRecord.tax_org_code == tax_org_code, BatchListRecord.year == year,
            BatchListRecord.month == month)).first()

    def summary(self, list_id: int, state: EntryState | None = EntryState.GENERATED) -> ListSummary:
        """Counts and totals per office and paying bank (the preview before launching)."""
        rec = self.s.get(BatchListRecord, list_id)
        if rec is None:
            from gateway.domain.errors import NotFound
            raise NotFound(f"待批扣清册 {list_id} 不存在")
        t = BatchListEntryRecord.__table__
        stmt = (select(t.c.tax_org_code, t.c.pay_bk_code, func.count(func.distinct(t.c.payer_id)),
                       func.count(), func.coalesce(func.sum(t.c.amount), 0))
                .where(t.c.list_id == list_id)
                .group_by(t.c.tax_org_code, t.c.pay_bk_code)
                .order_by(t.c.tax_org_code, t.c.pay_bk_code))
        if state is not None:
            stmt = stmt.where(t.c.state == state.value)
        groups = tuple(GroupFigures(org, bank, payers, levies, _yuan(fen))
                       for org, bank, payers, levies, fen in self.s.execute(stmt))
        return ListSummary(list_id, ListKind(rec.kind), rec.tax_org_code, groups)

    def void_payer(self, payer_id: int, reason: str) -> tuple[list[int], list[tuple[int, str]]]:
        """Void the payer's GENERATED entries; return (voided levy ids, [(levy id, why still
        pending)]) for entries already packaged or sent."""
        t = BatchListEntryRecord.__table__
        voided = [r[0] for r in self.s.execute(
            update(t).where(t.c.payer_id == payer_id, t.c.state == EntryState.GENERATED.value)
            .values(state=EntryState.VOIDED.value, note=reason[:200]).returning(t.c.levy_id))]
        pending = [(lid, st, pkg) for lid, st, pkg in self.s.execute(
            select(t.c.levy_id, t.c.state, t.c.package_id)
            .where(t.c.payer_id == payer_id, t.c.state.in_(PACKAGED)).order_by(t.c.levy_id))]
        return sorted(voided), [(lid, _why_pending(st, pkg)) for lid, st, pkg in pending]

    def entries(self, list_id: int, offset: int = 0, limit: int = 100,
                state: str | None = None) -> list[dict]:
        """A page of a list for the console or an export (server-side paging)."""
        t, lv = BatchListEntryRecord.__table__, LevyRecord.__table__
        p = PayerRecord.__table__
        stmt = (select(t.c.id, t.c.levy_id, t.c.payer_id, p.c.name, p.c.tax_pay_code,
                       t.c.tax_org_code, t.c.pay_bk_code, lv.c.insurance_code,
                       lv.c.period_start, t.c.amount, t.c.state, t.c.package_id, t.c.note)
                .join(lv, lv.c.id == t.c.levy_id).join(p, p.c.id == t.c.payer_id)
                .where(t.c.list_id == list_id).order_by(t.c.id).offset(offset).limit(limit))
        if state:
            stmt = stmt.where(t.c.state == state)
        return [dict(r._mapping) for r in self.s.execute(stmt)]


def _why_pending(state: str, package_id: int | None) -> str:
    if package_id is None:  # a real-time batch's entry (REALTIME, or SENT with its 1001)
        return "已纳入实时批扣，须待扣款结果确定后才能作废"
    return (f"已组入批量包 {package_id}（{'已发送' if state == 'SENT' else '已组包'}），"
            "须待银行返回结果或止付后才能作废")


def _yuan(value: object) -> Decimal:
    """A SUM over the Money column comes back in yuan (its type), a bare 0 as an int."""
    return value if isinstance(value, Decimal) else fen_to_yuan(int(value))  # type: ignore[arg-type]


def total_of(rows: list[dict]) -> Decimal:
    return sum((r["amount"] for r in rows), Decimal("0.00"))
