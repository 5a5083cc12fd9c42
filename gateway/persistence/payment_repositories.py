"""Repositories of the payment flows: debits, reversals, verifications and counter vouchers.

Each loads its aggregate whole and saves what the aggregate holds (state, timers, MsgID); the
records stay as they are (see :mod:`gateway.persistence.mapping`). Implements the repository
ports of ``gateway.services.ports``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gateway.domain import debit as debits
from gateway.domain import reversal as reversals
from gateway.domain.debit import Debit, DebitKind, DebitState
from gateway.domain.errors import NotFound
from gateway.domain.reversal import Reversal
from gateway.domain.verification import Verification, VerificationState
from gateway.domain.voucher import CounterVoucher, VoucherState
from gateway.persistence import core_rows, mapping
from gateway.persistence.records import (CounterVoucherLevyRecord, CounterVoucherRecord,
                                         DebitRecord, ReversalRecord,
                                         VerificationRecord)

# The domain's state sets, as the strings stored in the state columns.
UNRESOLVED = tuple(sorted(s.value for s in debits.UNRESOLVED))
OPEN_REVERSAL = tuple(sorted(s.value for s in reversals.OPEN))
T = TypeVar("T")


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _locking(session: Session, stmt: Select[tuple[T]]) -> Select[tuple[T]]:
    """A read that precedes a change: on PostgreSQL take the row lock, so that two workers
    applying answers for one row queue instead of overwriting each other (SQLite's BEGIN
    IMMEDIATE already serialises writers)."""
    return stmt.with_for_update() if _postgres(session) else stmt


def claiming(session: Session, stmt: Select[tuple[T]]) -> Select[tuple[T]]:
    """A sweep's read of due rows: ``SKIP LOCKED`` lets several workers sweep at once on
    PostgreSQL, each taking rows no other holds."""
    return stmt.with_for_update(skip_locked=True) if _postgres(session) else stmt


class DebitRepository:
    """Debits on prebuilt Core statements (``core_rows``): the real-time path loads and saves a
    debit several times per message, and the ORM's query building, loading and flushing cost
    several times the SQL there."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def _rows(self, stmt: Any, params: dict[str, Any]) -> list[Any]:
        return core_rows.connection(self.s).execute(stmt, params).all()

    def add(self, debit: Debit) -> Debit:
        conn = core_rows.connection(self.s)
        debit_id = conn.execute(core_rows.INSERT_DEBIT, mapping.new_debit_row(debit)
                                ).inserted_primary_key[0]
        conn.execute(core_rows.INSERT_DEBIT_LEVY, [
            {"debit_id": debit_id, "line_no": i + 1, "levy_id": lid, "amount": amt}
            for i, (lid, amt) in enumerate(zip(debit.levy_ids, debit.levy_amounts, strict=True))])
        debit.id = debit_id
        return debit

    def _load(self, r: Any) -> Debit:
        lines = tuple((row.levy_id, row.amount) for row in
                      core_rows.connection(self.s).execute(core_rows.DEBIT_LINES, {"id": r.id}))
        return mapping.debit_from(r, lines)

    def _first(self, stmts: dict[bool, Any], params: dict[str, Any]) -> Debit | None:
        rows = self._rows(stmts[core_rows.is_postgres(self.s)], params)
        return self._load(rows[0]) if rows else None

    def get(self, debit_id: int) -> Debit:
        found = self._first(core_rows.DEBIT_BY_ID, {"id": debit_id})
        if found is None:
            raise NotFound(f"扣款 {debit_id} 不存在")
        return found

    def by_key(self, originator: str, entrust_date: dt.date, tra_no: str) -> Debit | None:
        return self._first(core_rows.DEBIT_BY_KEY, {
            "originator": originator, "entrust_date": entrust_date, "tra_no": tra_no})

    def by_msg_id(self, msg_id: str) -> Debit | None:
        return self._first(core_rows.DEBIT_BY_MSG_ID, {"msg_id": msg_id})

    def save(self, debit: Debit) -> None:
        values = mapping.debit_changes(debit)
        done = core_rows.connection(self.s).execute(core_rows.UPDATE_DEBIT, core_rows.update_params(
            debit.saved_id, values)).rowcount
        if done != 1:
            raise NotFound(f"扣款 {debit.id} 不存在")
        core_rows.sync_loaded(self.s, DebitRecord, debit.saved_id, values)

    def count_unresolved(self, kind: DebitKind) -> int:
        return self.s.execute(select(func.count()).select_from(DebitRecord).where(
            DebitRecord.kind == kind.value, DebitRecord.state.in_(UNRESOLVED))).scalar_one()

    def due(self, now: dt.datetime, kind: DebitKind, limit: int,
            in_doubt: bool | None = None) -> list[Debit]:
        """Debits whose timer has expired, oldest first (``in_doubt``: see the port)."""
        states = [s for s in UNRESOLVED
                  if in_doubt is None or (s == DebitState.IN_DOUBT.value) == in_doubt]
        t = core_rows.DEBIT.c
        stmt = (select(core_rows.DEBIT).where(t.kind == kind.value, t.state.in_(states),
                                              t.next_check_at <= now)
                .order_by(t.next_check_at).limit(limit))
        return [self._load(r) for r in core_rows.connection(self.s).execute(claiming(self.s, stmt)).all()]


class ReversalRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, reversal: Reversal) -> Reversal:
        r = ReversalRecord()
        mapping.reversal_into(reversal, r)
        self.s.add(r)
        self.s.flush()
        reversal.id = r.id
        return reversal

    def get(self, reversal_id: int) -> Reversal:
        r = self.s.get(ReversalRecord, reversal_id)
        if r is None:
            raise NotFound(f"冲正 {reversal_id} 不存在")
        return mapping.reversal_from(r)

    def _first(self, stmt: Select[tuple[ReversalRecord]]) -> Reversal | None:
        r = self.s.scalars(stmt).first()
        return mapping.reversal_from(r) if r is not None else None

    def by_key(self, tax_org_code: str, entrust_date: dt.date, cancel_no: str) -> Reversal | None:
        return self._first(select(ReversalRecord).where(
            ReversalRecord.tax_org_code == tax_org_code, ReversalRecord.entrust_date == entrust_date,
            ReversalRecord.cancel_no == cancel_no))

    def by_msg_id(self, msg_id: str) -> Reversal | None:
        return self._first(select(ReversalRecord).where(ReversalRecord.msg_id == msg_id))

    def open_for(self, debit_id: int) -> list[Reversal]:
        rows = self.s.scalars(select(ReversalRecord).where(
            ReversalRecord.debit_id == debit_id, ReversalRecord.state.in_(OPEN_REVERSAL))
            .order_by(ReversalRecord.id))
        return [mapping.reversal_from(r) for r in rows]

    def save(self, reversal: Reversal) -> None:
        r = self.s.get(ReversalRecord, reversal.saved_id)
        if r is None:
            raise NotFound(f"冲正 {reversal.id} 不存在")
        mapping.reversal_into(reversal, r)

    def due(self, now: dt.datetime, limit: int) -> list[Reversal]:
        rows = self.s.scalars(claiming(self.s, select(ReversalRecord).where(
            ReversalRecord.state.in_(OPEN_REVERSAL), ReversalRecord.next_check_at <= now)
            .order_by(ReversalRecord.next_check_at).limit(limit)))
        return [mapping.reversal_from(r) for r in rows]


class VerificationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, verification: Verification) -> Verification:
        r = VerificationRecord()
        mapping.verification_into(verification, r)
        self.s.add(r)
        self.s.flush()
        verification.id = r.id
        return verification

    def _first(self, stmt: Select[tuple[VerificationRecord]]) -> Verification | None:
        r = self.s.scalars(stmt).first()
        return mapping.verification_from(r) if r is not None else None

    def by_key(self, tax_org_code: str, entrust_date: dt.date, vc_no: str) -> Verification | None:
        return self._first(select(VerificationRecord).where(
            VerificationRecord.tax_org_code == tax_org_code,
            VerificationRecord.entrust_date == entrust_date, VerificationRecord.vc_no == vc_no))

    def by_msg_id(self, msg_id: str) -> Verification | None:
        return self._first(select(VerificationRecord).where(VerificationRecord.msg_id == msg_id))

    def save(self, verification: Verification) -> None:
        r = self.s.get(VerificationRecord, verification.saved_id)
        if r is None:
            raise NotFound(f"验证请求 {verification.id} 不存在")
        mapping.verification_into(verification, r)

    def due(self, now: dt.datetime, limit: int) -> list[Verification]:
        rows = self.s.scalars(claiming(self.s, select(VerificationRecord).where(
            VerificationRecord.state == VerificationState.SENT.value,
            VerificationRecord.deadline <= now)
            .order_by(VerificationRecord.deadline).limit(limit)))
        return [mapping.verification_from(r) for r in rows]

    def latest_result(self, agreement_id: int) -> tuple[str, str] | None:
        r = self.s.scalars(select(VerificationRecord).where(
            VerificationRecord.agreement_id == agreement_id)
            .order_by(VerificationRecord.id.desc()).limit(1)).first()
        return (r.state, r.result) if r else None


class VoucherRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, voucher: CounterVoucher) -> CounterVoucher:
        r = CounterVoucherRecord()
        mapping.voucher_into(voucher, r)
        self.s.add(r)
        self.s.flush()
        self.s.add_all(CounterVoucherLevyRecord(voucher_id=r.id, line_no=i + 1, levy_id=lid)
                       for i, lid in enumerate(voucher.levy_ids))
        voucher.id = r.id
        return voucher

    def _load(self, r: CounterVoucherRecord) -> CounterVoucher:
        ids = tuple(self.s.scalars(select(CounterVoucherLevyRecord.levy_id)
                                   .where(CounterVoucherLevyRecord.voucher_id == r.id)
                                   .order_by(CounterVoucherLevyRecord.line_no)))
        return mapping.voucher_from(r, ids)

    def by_no(self, tax_vou_no: str) -> CounterVoucher | None:
        stmt = select(CounterVoucherRecord).where(CounterVoucherRecord.tax_vou_no == tax_vou_no)
        r = self.s.scalars(_locking(self.s, stmt)).first()  # a 2091 or 2108 changes it next
        return self._load(r) if r is not None else None

    def save(self, voucher: CounterVoucher) -> None:
        r = self.s.get(CounterVoucherRecord, voucher.saved_id)
        if r is None:
            raise NotFound(f"缴款凭证 {voucher.tax_vou_no} 不存在")
        mapping.voucher_into(voucher, r)

    def due(self, now: dt.datetime, limit: int) -> list[CounterVoucher]:
        """Reservations past their end, row-locked so that a 2091 renewing one or a 2108 paying
        it at the same time is not overwritten."""
        stmt = select(CounterVoucherRecord).where(
            CounterVoucherRecord.state == VoucherState.RESERVED.value,
            CounterVoucherRecord.reserved_until <= now
        ).limit(limit)
        return [self._load(r) for r in self.s.scalars(claiming(self.s, stmt)).all()]
