"""Packages and their items (batch debits) with set-based writes: one package's items are one
multi-row insert, its levies are locked by one conditional ``UPDATE`` whose row count proves no
other payment holds any of them, its list entries move by one statement."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from itertools import groupby
from typing import Sequence

from sqlalchemy import BigInteger, Select, bindparam, type_coerce, func, select, text, update
from sqlalchemy.orm import Session

from gateway.domain.batch import OPEN, Package, PackageState
from gateway.domain.debit import MAX_LEVIES_PER_DEBIT, Debit, DebitKind, DebitState
from gateway.domain.errors import NotFound
from gateway.domain.package import DraftLine, ItemDraft
from gateway.domain.pending_list import EntryState
from gateway.persistence import mapping
from gateway.persistence.payment_repositories import claiming
from gateway.persistence.records import (AgreementRecord, BatchListEntryRecord, DebitLevyRecord,
                                         DebitRecord, LevyRecord, PackageRecord, PayerRecord)
from gateway.persistence.bulk_rows import insert_rows
from gateway.persistence.core_rows import connection
from gateway.persistence.serial_blocks import reserve_run

_PKG_FIELDS = ("tax_org_code", "entrust_date", "pack_no", "pay_bk_code", "item_count",
               "total_amount", "return_term", "msg_id", "resent", "next_check_at", "query_step",
               "result_code", "reason", "succ_num", "succ_amt", "late")

# What a new package item is inserted with (the other columns are NULL until its result).
_ITEM_COLUMNS = ("kind", "originator", "tax_org_code", "entrust_date", "tra_no", "tax_vou_no",
                 "payer_id", "agreement_id", "package_id", "amount", "state", "result_code",
                 "reason", "resent", "msg_id", "sent_at", "query_step", "settled")
_ITEMS = DebitRecord.__table__.c
_ITEM_IDS = select(_ITEMS.id, _ITEMS.tra_no).where(
    _ITEMS.originator == bindparam("originator"), _ITEMS.entrust_date == bindparam("day"),
    _ITEMS.tra_no >= bindparam("first"), _ITEMS.tra_no <= bindparam("last"))

_E, _LV, _A, _P = (BatchListEntryRecord.__table__, LevyRecord.__table__,
                   AgreementRecord.__table__, PayerRecord.__table__)
_DRAFT_ROWS = (
    select(_E.c.payer_id, _P.c.tax_pay_code, _P.c.name, _A.c.id, _A.c.protocol_no,
           _A.c.pay_op_bk_code, _A.c.pay_acct, _A.c.hand_org_name, _LV.c.id,
           _LV.c.insurance_code, _LV.c.period_start, _LV.c.period_end,
           type_coerce(_LV.c.amount, BigInteger), _E.c.id)
    .join(_LV, _LV.c.id == _E.c.levy_id).join(_A, _A.c.id == _E.c.agreement_id)
    .join(_P, _P.c.id == _E.c.payer_id)
    .where(_E.c.list_id == bindparam("list_id"), _E.c.state == EntryState.GENERATED.value,
           _E.c.tax_org_code == bindparam("org"), _E.c.pay_bk_code == bindparam("bank"),
           _LV.c.state == "UNPAID")
    .order_by(_E.c.payer_id, _LV.c.period_start, _LV.c.insurance_code, _LV.c.id)
    # PostgreSQL: a server-side cursor, so that stopping at a full package stops the reading
    # (psycopg would otherwise fetch the whole group, every package of a large group again)
    .execution_options(yield_per=1000))
_NEXT_GROUP = (
    select(_E.c.tax_org_code, _E.c.pay_bk_code).join(_LV, _LV.c.id == _E.c.levy_id)
    .where(_E.c.list_id == bindparam("list_id"), _E.c.state == EntryState.GENERATED.value,
           _LV.c.state == "UNPAID")
    .order_by(_E.c.tax_org_code, _E.c.pay_bk_code).limit(1))


def package_from(r: PackageRecord) -> Package:
    return Package(id=r.id, tax_org_code=r.tax_org_code, entrust_date=r.entrust_date,
                   pack_no=r.pack_no, pay_bk_code=r.pay_bk_code, item_count=r.item_count,
                   return_term=r.return_term, state=PackageState(r.state), resent=bool(r.resent),
                   total_amount=r.total_amount, batch_id=r.list_id, deadline_at=r.deadline,
                   msg_id=r.msg_id or "", next_check_at=r.next_check_at,
                   query_step=r.query_step or 0, result_code=r.result_code or "",
                   reason=r.reason or "", succ_num=r.succ_num or 0,
                   succ_amt=r.succ_amt or Decimal("0.00"), late=bool(r.late))


def package_into(p: Package, r: PackageRecord) -> None:
    for name in _PKG_FIELDS:
        setattr(r, name, getattr(p, name))
    r.state, r.list_id, r.deadline = p.state.value, p.batch_id, p.deadline_at


class PackageRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, PackageRecord] = {}
        # levy id -> (list id, entry id) of the drafts read in this unit of work: the entries
        # a package takes are then updated by primary key (see entries_packaged)
        self._entry_of: dict[int, tuple[int, int]] = {}

    # -- building -----------------------------------------------------------------------------

    def next_group(self, list_id: int) -> tuple[str, str] | None:
        """(TaxOrgCode, PayBkCode) of the first group of the list with something to package."""
        row = connection(self.s).execute(_NEXT_GROUP, {"list_id": list_id}).first()
        return (row[0], row[1]) if row else None

    def drafts(self, list_id: int, org: str, bank: str, max_items: int) -> list[ItemDraft]:
        """The next items of one group, payer by payer (≤ 99 levies an item), at most
        ``max_items``; a payer whose items would not all fit is left for the next package.

        One read in payer order, stopped at the first payer that does not fit: SQLite walks
        the group index in that order (sorting only within a payer), so a package reads its
        own rows and no more. (A sub-select of the first ``max_items`` payers read the group's
        rows twice.) Amounts are read as stored, in fen."""
        out: list[ItemDraft] = []
        result = connection(self.s).execute(
            _DRAFT_ROWS, {"list_id": list_id, "org": org, "bank": bank})
        try:
            for _, group in groupby(result, key=lambda r: r[0]):
                rows = list(group)
                first = rows[0]
                lines = [DraftLine(r[8], r[9], r[10], r[11], Decimal(r[12]).scaleb(-2))
                         for r in rows]
                chunks = [tuple(lines[i:i + MAX_LEVIES_PER_DEBIT])
                          for i in range(0, len(lines), MAX_LEVIES_PER_DEBIT)]
                if out and len(out) + len(chunks) > max_items:
                    break
                for r in rows:
                    self._entry_of[r[8]] = (list_id, r[13])
                out.extend(ItemDraft(first[0], first[1], first[2], first[3], first[4], first[5],
                                     first[6], first[7], c) for c in chunks)
                if len(out) >= max_items:
                    break
        finally:
            result.close()
        return out[:max_items]

    def reserve(self, kind: str, scope: str, day: dt.date, n: int) -> int:
        """Reserve ``n`` consecutive serials; returns the first (one upsert: safe when another
        process creates the day's counter row at the same instant)."""
        return reserve_run(self.s, kind, scope, day, n)

    def add(self, pkg: Package) -> Package:
        r = PackageRecord()
        package_into(pkg, r)
        self.s.add(r)
        self.s.flush()
        self._records[r.id] = r
        pkg.id = r.id
        return pkg

    def add_items(self, items: Sequence[Debit]) -> None:
        """Insert the items and their levy lines (one bulk statement each); sets the ids."""
        t = DebitRecord.__table__
        conn = connection(self.s)
        insert_rows(conn, t, _ITEM_COLUMNS, [
            (d.kind.value, d.originator, d.tax_org_code, d.entrust_date, d.tra_no, d.tax_vou_no,
             d.payer_id, d.agreement_id, d.package_id, d.amount, d.state.value, "", "", False,
             d.msg_id, d.sent_at, 0, False) for d in items])
        # The ids read back by the items' unique key (originator, entrust date, TraNo):
        # RETURNING in parameter order made SQLite insert row by row (47 µs an item, 10 s of
        # the 1,000,000-levy run).
        by_key = {(d.originator, d.entrust_date, d.tra_no): d for d in items}
        for (originator, day), keyed in groupby(sorted(by_key), key=lambda k: k[:2]):
            tra_nos = [k[2] for k in keyed]
            for new_id, tra_no in conn.execute(_ITEM_IDS, {
                    "originator": originator, "day": day, "first": tra_nos[0],
                    "last": tra_nos[-1]}):
                found = by_key.get((originator, day, tra_no))
                if found is not None:
                    found.id = new_id
        if any(d.id is None for d in items):
            raise RuntimeError("an inserted package item was not found by its key")
        insert_rows(conn, DebitLevyRecord.__table__, ("debit_id", "line_no", "levy_id", "amount"),
                    [(d.id, i + 1, lid, amt) for d in items
                     for i, (lid, amt) in enumerate(zip(d.levy_ids, d.levy_amounts))])

    def lock_levies(self, package_id: int, reason: str) -> int:
        """LOCK every UNPAID levy of the package's items for its item (owner BATCH_ITEM:<id>);
        returns how many were locked. Fewer than the package's levies: another payment holds
        one (the caller knows how many it put in)."""
        # UPDATE … FROM the package's lines: a correlated sub-select for the owner made each
        # levy scan every item of its package (quadratic in the package: 146 ms for 600 levies
        # on PostgreSQL).
        done = self.s.execute(text(
            "UPDATE levy SET state = 'LOCKED', lock_kind = 'BATCH_ITEM', "
            "lock_ref = CAST(x.debit_id AS VARCHAR(40)), lock_reason = :why, lock_until = NULL, "
            "version = version + 1 "
            "FROM (SELECT dl.levy_id AS levy_id, dl.debit_id AS debit_id FROM debit_levy dl "
            "JOIN debit d ON d.id = dl.debit_id WHERE d.package_id = :p) AS x "
            "WHERE levy.id = x.levy_id AND levy.state = 'UNPAID'"),
            {"p": package_id, "why": reason[:200]})
        return done.rowcount

    def entries_packaged(self, list_id: int, package_id: int, levy_ids: Sequence[int]) -> None:
        """The package's entries (those of ``levy_ids`` on the list) become IN_PACKAGE, by
        primary key: :meth:`drafts` read their ids. By list the planners would pick the list
        index and every package would scan the list's remaining entries (quadratic in the
        list); a levy whose entry was not read here is looked up by the levy index."""
        e = BatchListEntryRecord.__table__
        ids = [entry_id for entry_list, entry_id in
               (self._entry_of[lid] for lid in levy_ids if lid in self._entry_of)
               if entry_list == list_id]
        unknown = [lid for lid in levy_ids if lid not in self._entry_of]
        for i in range(0, len(unknown), 5000):
            found = self.s.execute(select(e.c.id, e.c.list_id).where(
                e.c.levy_id.in_(unknown[i:i + 5000]), e.c.state == EntryState.GENERATED.value))
            ids += [entry_id for entry_id, lid in found if lid == list_id]
        for i in range(0, len(ids), 5000):
            self.s.execute(update(e).where(e.c.id.in_(ids[i:i + 5000]),
                                           e.c.state == EntryState.GENERATED.value)
                           .values(state=EntryState.IN_PACKAGE.value, package_id=package_id))
        for lid in levy_ids:
            self._entry_of.pop(lid, None)

    def entries_moved(self, package_id: int, target: EntryState,
                      levy_ids: Sequence[int] | None = None) -> None:
        """IN_PACKAGE/SENT entries of the package (or of some of its levies) to ``target``."""
        e = BatchListEntryRecord.__table__
        stmt = update(e).where(e.c.package_id == package_id,
                               e.c.state.in_((EntryState.IN_PACKAGE.value, EntryState.SENT.value)))
        if target is EntryState.SENT:
            stmt = stmt.where(e.c.state == EntryState.IN_PACKAGE.value)
        if levy_ids is not None:
            for i in range(0, len(levy_ids), 5000):
                self.s.execute(stmt.where(e.c.levy_id.in_(list(levy_ids[i:i + 5000])))
                               .values(state=target.value))
            return
        self.s.execute(stmt.values(state=target.value))

    # -- loading and saving -------------------------------------------------------------------

    def _first(self, stmt: Select) -> Package | None:
        r = self.s.scalars(stmt).first()
        if r is None:
            return None
        self._records[r.id] = r
        return package_from(r)

    def get(self, package_id: int) -> Package:
        found = self._first(select(PackageRecord).where(PackageRecord.id == package_id))
        if found is None:
            raise NotFound(f"批量包 {package_id} 不存在")
        return found

    def by_key(self, org: str, day: dt.date, pack_no: str) -> Package | None:
        return self._first(select(PackageRecord).where(
            PackageRecord.tax_org_code == org, PackageRecord.entrust_date == day,
            PackageRecord.pack_no == pack_no))

    def by_msg_id(self, msg_id: str) -> Package | None:
        return self._first(select(PackageRecord).where(PackageRecord.msg_id == msg_id))

    def save(self, pkg: Package) -> None:
        r = self._records.get(pkg.id or 0) or self.s.get(PackageRecord, pkg.id)
        if r is None:
            raise NotFound(f"批量包 {pkg.id} 不存在")
        package_into(pkg, r)

    def due(self, now: dt.datetime, limit: int) -> list[Package]:
        """Open packages whose receipt timer or deadline has come, claimed (``SKIP LOCKED`` on
        PostgreSQL) so that two sweepers at once never fail or query one package twice."""
        rows = self.s.scalars(claiming(self.s, select(PackageRecord).where(
            PackageRecord.state.in_([s.value for s in OPEN]),
            (PackageRecord.next_check_at <= now) | (PackageRecord.deadline <= now))
            .order_by(PackageRecord.id).limit(limit))).all()
        for r in rows:
            self._records[r.id] = r
        return [package_from(r) for r in rows]

    def items(self, package_id: int) -> list[Debit]:
        """The package's items with their levy lines: two queries whatever the size."""
        recs = self.s.scalars(select(DebitRecord).where(DebitRecord.package_id == package_id)
                              .order_by(DebitRecord.tra_no)).all()
        lines: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for debit_id, levy_id, amount in self.s.execute(
                select(DebitLevyRecord.debit_id, DebitLevyRecord.levy_id, DebitLevyRecord.amount)
                .join(DebitRecord, DebitRecord.id == DebitLevyRecord.debit_id)
                .where(DebitRecord.package_id == package_id)
                .order_by(DebitLevyRecord.debit_id, DebitLevyRecord.line_no)):
            lines[debit_id].append((levy_id, amount))
        return [mapping.debit_from(r, tuple(lines[r.id])) for r in recs]

    def save_items(self, items: Sequence[Debit]) -> None:
        """Bulk update of what changes on an item after it was written."""
        if not items:
            return
        t = DebitRecord.__table__
        self.s.execute(update(t).where(t.c.id == bindparam("_id")).values(
            state=bindparam("_state"), result_code=bindparam("_code"),
            reason=bindparam("_reason"), tax_date=bindparam("_tax_date"),
            resolved_at=bindparam("_resolved"), next_check_at=bindparam("_next"),
            chk_date=bindparam("_chk")), [
            dict(_id=d.id, _state=d.state.value, _code=d.result_code, _reason=d.reason[:200],
                 _tax_date=d.tax_date, _resolved=d.resolved_at, _next=d.next_check_at,
                 _chk=d.chk_date)
            for d in items])

    def item_by_key(self, org: str, day: dt.date, tra_no: str) -> Debit | None:
        r = self.s.scalars(select(DebitRecord).where(
            DebitRecord.originator == org, DebitRecord.entrust_date == day,
            DebitRecord.tra_no == tra_no, DebitRecord.kind == DebitKind.BATCH_ITEM.value)).first()
        if r is None:
            return None
        lines = tuple(self.s.execute(select(DebitLevyRecord.levy_id, DebitLevyRecord.amount)
                                     .where(DebitLevyRecord.debit_id == r.id)
                                     .order_by(DebitLevyRecord.line_no)).all())
        return mapping.debit_from(r, lines)

    def count_items(self, package_id: int, state: DebitState) -> int:
        return self.s.execute(select(func.count()).select_from(DebitRecord).where(
            DebitRecord.package_id == package_id, DebitRecord.state == state.value)).scalar_one()

    def calendar_overrides(self) -> dict[dt.date, bool]:
        from gateway.persistence.batch_case_repositories import calendar_overrides
        return calendar_overrides(self.s)


def _yuan(value, money_type) -> Decimal:
    """The raw column value (fen) as yuan: rows selected from Core tables carry the TypeDecorator
    result already when selected through the table's column."""
    return value if isinstance(value, Decimal) else money_type.process_result_value(value, None)
