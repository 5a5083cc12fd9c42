"""Repositories of the payment flows: debits, reversals, verifications and counter vouchers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.domain.debit import Debit, DebitKind
from gateway.domain.errors import NotFound
from gateway.persistence import mapping
from gateway.persistence.records import (CounterVoucherLevyRecord, CounterVoucherRecord,
                                         DebitLevyRecord, DebitRecord, ReversalRecord,
                                         VerificationRecord)

UNRESOLVED = ("SENT", "ACCEPTED", "IN_DOUBT")


class DebitRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, DebitRecord] = {}

    def add(self, d: Debit, originator: str, agreement_id: int | None, levy_amounts: Sequence,
            msg_id: str = "", sent_at: dt.datetime | None = None) -> Debit:
        r = DebitRecord(kind=d.kind.value, originator=originator, tax_org_code=d.tax_org_code,
                        entrust_date=d.entrust_date, tra_no=d.tra_no, tax_vou_no=d.tax_vou_no,
                        payer_id=d.payer_id, agreement_id=agreement_id, package_id=d.package_id,
                        amount=d.amount, state=d.state.value, msg_id=msg_id, sent_at=sent_at)
        self.s.add(r)
        self.s.flush()
        self.s.add_all(DebitLevyRecord(debit_id=r.id, line_no=i + 1, levy_id=lid, amount=amt)
                       for i, (lid, amt) in enumerate(zip(d.levy_ids, levy_amounts)))
        self._records[r.id] = r
        d.id = r.id
        return d

    def _load(self, r: DebitRecord | None) -> Debit | None:
        if r is None:
            return None
        levy_ids = tuple(self.s.scalars(select(DebitLevyRecord.levy_id)
                                        .where(DebitLevyRecord.debit_id == r.id)
                                        .order_by(DebitLevyRecord.line_no)))
        self._records[r.id] = r
        return mapping.debit_from(r, levy_ids)

    def _locking(self, stmt):
        """Every read of a debit here precedes a change to it: on PostgreSQL take the row lock,
        so that two workers applying answers for one debit queue instead of overwriting each
        other (SQLite's BEGIN IMMEDIATE already serialises writers)."""
        return stmt.with_for_update() if self.s.get_bind().dialect.name == "postgresql" else stmt

    def _rec(self, debit_id: int) -> DebitRecord:
        r = self._records.get(debit_id) or self.s.scalars(
            self._locking(select(DebitRecord).where(DebitRecord.id == debit_id))).first()
        if r is None:
            raise NotFound(f"扣款 {debit_id} 不存在")
        self._records[debit_id] = r
        return r

    def get(self, debit_id: int) -> Debit:
        return self._load(self._rec(debit_id))  # type: ignore[return-value]

    def by_key(self, originator: str, entrust_date: dt.date, tra_no: str) -> Debit | None:
        return self._load(self.s.scalars(self._locking(select(DebitRecord).where(
            DebitRecord.originator == originator, DebitRecord.entrust_date == entrust_date,
            DebitRecord.tra_no == tra_no))).first())

    def by_msg_id(self, msg_id: str) -> Debit | None:
        return self._load(self.s.scalars(self._locking(
            select(DebitRecord).where(DebitRecord.msg_id == msg_id))).first())

    def save(self, d: Debit, now: dt.datetime | None = None) -> None:
        r = self._rec(d.id)  # type: ignore[arg-type]
        was = r.state
        mapping.debit_into(d, r)
        if r.state != was and r.state not in UNRESOLVED:
            r.resolved_at = now or r.resolved_at

    def count_unresolved(self, kind: DebitKind) -> int:
        return self.s.execute(select(func.count()).select_from(DebitRecord).where(
            DebitRecord.kind == kind.value, DebitRecord.state.in_(UNRESOLVED))).scalar_one()

    def mark_sent(self, debit_id: int, msg_id: str, sent_at: dt.datetime,
                  next_check_at: dt.datetime) -> None:
        r = self._rec(debit_id)
        r.msg_id, r.sent_at, r.next_check_at, r.query_step = msg_id, sent_at, next_check_at, 0

    def schedule(self, debit_id: int, at: dt.datetime | None, step: int | None = None) -> None:
        r = self._rec(debit_id)
        r.next_check_at = at
        if step is not None:
            r.query_step = step

    def sent_at(self, debit_id: int) -> dt.datetime | None:
        return self._rec(debit_id).sent_at

    def msg_id(self, debit_id: int) -> str:
        return self._rec(debit_id).msg_id

    def agreement_id(self, debit_id: int) -> int | None:
        return self._rec(debit_id).agreement_id

    def query_step(self, debit_id: int) -> int:
        return self._rec(debit_id).query_step

    def set_chk_date(self, debit_id: int, day: dt.date) -> None:
        self._rec(debit_id).chk_date = day

    def levy_amount(self, debit_id: int, levy_id: int) -> Decimal:
        return self.s.scalars(select(DebitLevyRecord.amount).where(
            DebitLevyRecord.debit_id == debit_id, DebitLevyRecord.levy_id == levy_id)).one()

    def due(self, now: dt.datetime, kind: DebitKind, limit: int) -> list[Debit]:
        """Debits whose timer has expired, oldest first; ``SKIP LOCKED`` lets several workers
        sweep at once on PostgreSQL."""
        stmt = (select(DebitRecord).where(DebitRecord.kind == kind.value,
                                          DebitRecord.state.in_(UNRESOLVED),
                                          DebitRecord.next_check_at <= now)
                .order_by(DebitRecord.next_check_at).limit(limit))
        if self.s.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [self._load(r) for r in self.s.scalars(stmt).all()]  # type: ignore[misc]


@dataclass
class ReversalView:
    id: int
    debit_id: int
    tax_org_code: str
    entrust_date: dt.date
    cancel_no: str
    state: str
    answer: str
    msg_id: str
    query_step: int


class ReversalRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    @staticmethod
    def _view(r: ReversalRecord) -> ReversalView:
        return ReversalView(r.id, r.debit_id, r.tax_org_code, r.entrust_date, r.cancel_no, r.state,
                            r.answer or "", r.msg_id or "", r.query_step or 0)

    def add(self, debit_id: int, org: str, day: dt.date, cancel_no: str, reason: str) -> int:
        r = ReversalRecord(debit_id=debit_id, tax_org_code=org, entrust_date=day, cancel_no=cancel_no,
                           reason=reason, state="SENT")
        self.s.add(r)
        self.s.flush()
        return r.id

    def mark_sent(self, reversal_id: int, msg_id: str, next_check_at: dt.datetime) -> None:
        self.update(reversal_id, msg_id=msg_id, next_check_at=next_check_at, query_step=0)

    def get(self, reversal_id: int) -> ReversalView:
        return self._view(self.s.get(ReversalRecord, reversal_id))  # type: ignore[arg-type]

    def by_key(self, org: str, day: dt.date, cancel_no: str) -> ReversalView | None:
        r = self.s.scalars(select(ReversalRecord).where(
            ReversalRecord.tax_org_code == org, ReversalRecord.entrust_date == day,
            ReversalRecord.cancel_no == cancel_no)).first()
        return self._view(r) if r else None

    def id_by_msg_id(self, msg_id: str) -> int | None:
        return self.s.scalars(select(ReversalRecord.id).where(ReversalRecord.msg_id == msg_id)).first()

    def open_for(self, debit_id: int) -> bool:
        return self.s.scalars(select(ReversalRecord.id).where(
            ReversalRecord.debit_id == debit_id,
            ReversalRecord.state.in_(("SENT", "ACCEPTED")))).first() is not None

    def close_open_for(self, debit_id: int, add_word: str) -> None:
        """The debit is known to be reversed (9004 OpStat 97 or a 2021): no open reversal of it
        needs more queries or resends."""
        self.s.execute(update(ReversalRecord).where(
            ReversalRecord.debit_id == debit_id, ReversalRecord.state.in_(("SENT", "ACCEPTED"))
        ).values(state="DONE", answer="1", add_word=add_word[:60], next_check_at=None))

    def update(self, reversal_id: int, **values) -> None:
        r = self.s.get(ReversalRecord, reversal_id)
        for k, v in values.items():
            setattr(r, k, v)

    def due(self, now: dt.datetime, limit: int) -> list[ReversalView]:
        rows = self.s.scalars(select(ReversalRecord).where(
            ReversalRecord.state.in_(("SENT", "ACCEPTED")), ReversalRecord.next_check_at <= now)
            .order_by(ReversalRecord.next_check_at).limit(limit))
        return [self._view(r) for r in rows]


@dataclass
class VerificationView:
    id: int
    agreement_id: int
    vc_sign: str
    state: str


class VerificationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, agreement_id: int, org: str, day: dt.date, vc_no: str, vc_sign: str, msg_id: str,
            deadline: dt.datetime) -> int:
        r = VerificationRecord(agreement_id=agreement_id, tax_org_code=org, entrust_date=day,
                               vc_no=vc_no, vc_sign=vc_sign, msg_id=msg_id, deadline=deadline,
                               state="SENT")
        self.s.add(r)
        self.s.flush()
        return r.id

    def by_key(self, org: str, day: dt.date, vc_no: str) -> VerificationView | None:
        r = self.s.scalars(select(VerificationRecord).where(
            VerificationRecord.tax_org_code == org, VerificationRecord.entrust_date == day,
            VerificationRecord.vc_no == vc_no)).first()
        return VerificationView(r.id, r.agreement_id, r.vc_sign, r.state) if r else None

    def id_by_msg_id(self, msg_id: str) -> int | None:
        return self.s.scalars(select(VerificationRecord.id)
                              .where(VerificationRecord.msg_id == msg_id)).first()

    def finish(self, verification_id: int, state: str, result: str) -> None:
        r = self.s.get(VerificationRecord, verification_id)
        r.state, r.result, r.deadline = state, result[:200], None

    def latest_result(self, agreement_id: int) -> tuple[str, str] | None:
        r = self.s.scalars(select(VerificationRecord).where(
            VerificationRecord.agreement_id == agreement_id)
            .order_by(VerificationRecord.id.desc()).limit(1)).first()
        return (r.state, r.result) if r else None

    def expire(self, now: dt.datetime) -> int:
        res = self.s.execute(update(VerificationRecord)
                             .where(VerificationRecord.state == "SENT",
                                    VerificationRecord.deadline <= now)
                             .values(state="TIMEOUT", result="银行未在规定时间内应答，协议保持待验证"))
        return res.rowcount or 0


@dataclass
class VoucherView:
    id: int
    tax_vou_no: str
    tax_org_code: str
    payer_id: int
    levy_ids: tuple[int, ...]
    total: Decimal
    state: str
    reserved_until: dt.datetime | None


class VoucherRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, vou: str, org: str, payer_id: int, levy_ids: list[int], total: Decimal) -> int:
        r = CounterVoucherRecord(tax_vou_no=vou, tax_org_code=org, payer_id=payer_id,
                                 total_amount=total, state="ISSUED")
        self.s.add(r)
        self.s.flush()
        self.s.add_all(CounterVoucherLevyRecord(voucher_id=r.id, line_no=i + 1, levy_id=lid)
                       for i, lid in enumerate(levy_ids))
        return r.id

    def _view(self, r: CounterVoucherRecord) -> VoucherView:
        ids = tuple(self.s.scalars(select(CounterVoucherLevyRecord.levy_id)
                                   .where(CounterVoucherLevyRecord.voucher_id == r.id)
                                   .order_by(CounterVoucherLevyRecord.line_no)))
        return VoucherView(r.id, r.tax_vou_no, r.tax_org_code, r.payer_id, ids, r.total_amount,
                           r.state, r.reserved_until)

    def by_no(self, vou: str) -> VoucherView | None:
        stmt = select(CounterVoucherRecord).where(CounterVoucherRecord.tax_vou_no == vou)
        if self.s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()  # a 2091 or 2108 changes it next
        r = self.s.scalars(stmt).first()
        return self._view(r) if r else None

    def reserve(self, voucher_id: int, until: dt.datetime | None) -> None:
        r = self.s.get(CounterVoucherRecord, voucher_id)
        r.reserved_until = until
        if r.state != "PAID":
            r.state = "RESERVED" if until else "ISSUED"

    def paid(self, voucher_id: int) -> None:
        r = self.s.get(CounterVoucherRecord, voucher_id)
        r.state, r.reserved_until = "PAID", None

    def expired(self, now: dt.datetime, limit: int) -> list[VoucherView]:
        """Reservations past their end, row-locked (``SKIP LOCKED`` on PostgreSQL) so that a
        2091 renewing one or a 2108 paying it at the same time is not overwritten."""
        stmt = select(CounterVoucherRecord).where(
            CounterVoucherRecord.state == "RESERVED", CounterVoucherRecord.reserved_until <= now
        ).limit(limit)
        if self.s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = self.s.scalars(stmt).all()
        return [self._view(r) for r in rows]
