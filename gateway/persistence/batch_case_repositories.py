"""Stop requests (1123), refund cases (退费), the notification outbox and the calendar override
table: small key-based repositories of the batch flow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.domain.errors import NotFound
from gateway.domain.package import StopRequest, StopState, StopType
from gateway.domain.refund import RefundCase, RefundState
from gateway.persistence.payment_repositories import claiming
from gateway.persistence.records import (CalendarOverrideRecord, NotificationRecord,
                                         RefundCaseRecord, StopRequestRecord)

_STOP = ("package_id", "tax_org_code", "entrust_date", "stop_no", "ori_entrust_date",
         "ori_pack_no", "ori_tra_no", "reason", "requested_by", "add_word", "msg_id",
         "next_check_at", "resends")
_REFUND = ("levy_id", "tax_org_code", "payment", "debit_key", "paid_by", "amount", "note",
           "updated_by", "updated_at")


class StopRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, StopRequestRecord] = {}

    def _load(self, r: StopRequestRecord) -> StopRequest:
        self._records[r.id] = r
        return StopRequest(id=r.id, stop_type=StopType(r.stop_type), state=StopState(r.state),
                           **{k: getattr(r, k) for k in _STOP})

    def add(self, stop: StopRequest) -> StopRequest:
        r = StopRequestRecord(stop_type=stop.stop_type.value, state=stop.state.value,
                              **{k: getattr(stop, k) for k in _STOP})
        self.s.add(r)
        self.s.flush()
        self._records[r.id] = r
        stop.id = r.id
        return stop

    def save(self, stop: StopRequest) -> None:
        r = self._records[stop.id or 0]
        for k in _STOP:
            setattr(r, k, getattr(stop, k))
        r.state = stop.state.value

    def by_key(self, org: str, day: dt.date, stop_no: str) -> StopRequest | None:
        r = self.s.scalars(select(StopRequestRecord).where(
            StopRequestRecord.tax_org_code == org, StopRequestRecord.entrust_date == day,
            StopRequestRecord.stop_no == stop_no)).first()
        return self._load(r) if r else None

    def by_msg_id(self, msg_id: str) -> StopRequest | None:
        r = self.s.scalars(select(StopRequestRecord).where(StopRequestRecord.msg_id == msg_id)).first()
        return self._load(r) if r else None

    def open_for(self, package_id: int) -> list[StopRequest]:
        return [self._load(r) for r in self.s.scalars(select(StopRequestRecord).where(
            StopRequestRecord.package_id == package_id,
            StopRequestRecord.state == StopState.SENT.value))]

    def due(self, now: dt.datetime, limit: int) -> list[StopRequest]:
        return [self._load(r) for r in self.s.scalars(claiming(self.s, select(StopRequestRecord).where(
            StopRequestRecord.state == StopState.SENT.value,
            StopRequestRecord.next_check_at <= now).limit(limit)))]


class RefundRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, RefundCaseRecord] = {}

    def _load(self, r: RefundCaseRecord) -> RefundCase:
        self._records[r.id] = r
        return RefundCase(id=r.id, state=RefundState(r.state), **{k: getattr(r, k) for k in _REFUND})

    def add(self, case: RefundCase) -> RefundCase | None:
        """Open a case; None when this duplicate already has one (the same report twice)."""
        if self.s.scalars(select(RefundCaseRecord.id).where(
                RefundCaseRecord.levy_id == case.levy_id,
                RefundCaseRecord.payment == case.payment)).first() is not None:
            return None
        r = RefundCaseRecord(state=case.state.value, **{k: getattr(case, k) for k in _REFUND})
        self.s.add(r)
        self.s.flush()
        self._records[r.id] = r
        case.id = r.id
        return case

    def get(self, refund_id: int) -> RefundCase:
        r = self.s.get(RefundCaseRecord, refund_id)
        if r is None:
            raise NotFound(f"退费记录 {refund_id} 不存在")
        return self._load(r)

    def save(self, case: RefundCase) -> None:
        r = self._records[case.id or 0]
        for k in _REFUND:
            setattr(r, k, getattr(case, k))
        r.state = case.state.value

    def listing(self, tax_org_codes: list[str] | None = None, state: str | None = None) -> list[dict]:
        stmt = select(RefundCaseRecord).order_by(RefundCaseRecord.id)
        if tax_org_codes is not None:
            stmt = stmt.where(RefundCaseRecord.tax_org_code.in_(tax_org_codes))
        if state:
            stmt = stmt.where(RefundCaseRecord.state == state)
        return [{"id": r.id, "levy_id": r.levy_id, "tax_org_code": r.tax_org_code,
                 "payment": r.payment, "debit_key": r.debit_key, "paid_by": r.paid_by,
                 "amount": r.amount, "state": r.state, "note": r.note,
                 "updated_by": r.updated_by, "updated_at": r.updated_at}
                for r in self.s.scalars(stmt)]


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, payer_id: int, tax_org_code: str, ref: str, body: str) -> bool:
        """Queue a text; False when one with this ref exists (a notice is written once)."""
        if self.s.scalars(select(NotificationRecord.id).where(
                NotificationRecord.channel == "SMS", NotificationRecord.ref == ref)).first():
            return False
        self.s.add(NotificationRecord(payer_id=payer_id, tax_org_code=tax_org_code, ref=ref,
                                      text=body, state="PENDING", channel="SMS", error=""))
        return True

    def pending(self, limit: int) -> list[tuple[int, int, str]]:
        return [(r.id, r.payer_id, r.text) for r in self.s.scalars(
            select(NotificationRecord).where(NotificationRecord.state == "PENDING")
            .order_by(NotificationRecord.id).limit(limit))]

    def mark(self, notice_id: int, sent: bool, at: dt.datetime, error: str = "") -> None:
        r = self.s.get(NotificationRecord, notice_id)
        if r is not None:
            r.state, r.sent_at, r.error = ("SENT" if sent else "FAILED"), at, error[:200]


def calendar_overrides(session: Session) -> dict[dt.date, bool]:
    return {r.day: r.clearing for r in session.scalars(select(CalendarOverrideRecord))}
