"""Repositories: load and save the domain's objects; small, key-based look-ups only.
Bulk work (batches, reconciliation, reports) is set-based SQL in ``queries`` and ``bulk``."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.domain.agreement import Agreement
from gateway.domain.debit import Debit
from gateway.domain.levy import Levy
from gateway.persistence import mapping
from gateway.persistence.records import (AgreementRecord, DebitLevyRecord, DebitRecord,
                                         GatewayStateRecord, LevyRecord, ReviewItemRecord,
                                         SerialCounterRecord)


class LevyRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, LevyRecord] = {}

    def get_many(self, ids: Sequence[int], for_update: bool = False) -> list[Levy]:
        """Levies by id, in the order asked; ``for_update`` takes row locks (PostgreSQL)."""
        stmt = select(LevyRecord).where(LevyRecord.id.in_(list(ids)))
        if for_update:
            stmt = stmt.with_for_update()
        found = {r.id: r for r in self.s.scalars(stmt)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise KeyError(f"unknown levies: {missing}")
        self._records.update(found)
        return [mapping.levy_from(found[i]) for i in ids]

    def unpaid_of_payer(self, payer_id: int) -> list[Levy]:
        rows = self.s.scalars(select(LevyRecord).where(LevyRecord.payer_id == payer_id,
                                                       LevyRecord.state == "UNPAID")
                              .order_by(LevyRecord.period_start, LevyRecord.insurance_code))
        out = []
        for r in rows:
            self._records[r.id] = r
            out.append(mapping.levy_from(r))
        return out

    def save(self, levies: Iterable[Levy]) -> None:
        for levy in levies:
            mapping.levy_into(levy, self._records[levy.id])  # type: ignore[index]

    def add(self, record: LevyRecord) -> None:
        self.s.add(record)


class AgreementRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, AgreementRecord] = {}

    def get(self, agreement_id: int) -> Agreement:
        r = self.s.get(AgreementRecord, agreement_id)
        if r is None:
            raise KeyError(f"unknown agreement {agreement_id}")
        self._records[r.id] = r
        return mapping.agreement_from(r)

    def active_for_payer(self, payer_id: int) -> Agreement | None:
        """The most recently verified ACTIVE agreement of a payer (§6.5 rule 2)."""
        r = self.s.scalars(select(AgreementRecord)
                           .where(AgreementRecord.payer_id == payer_id,
                                  AgreementRecord.state == "ACTIVE")
                           .order_by(AgreementRecord.activated_at.desc(), AgreementRecord.id.desc())
                           .limit(1)).first()
        if r is None:
            return None
        self._records[r.id] = r
        return mapping.agreement_from(r)

    def add(self, a: Agreement) -> Agreement:
        r = AgreementRecord()
        mapping.agreement_into(a, r)
        self.s.add(r)
        self.s.flush()
        self._records[r.id] = r
        a.id = r.id
        return a

    def save(self, a: Agreement) -> None:
        mapping.agreement_into(a, self._records[a.id])  # type: ignore[index]


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

    def by_key(self, originator: str, entrust_date: dt.date, tra_no: str) -> Debit | None:
        r = self.s.scalars(select(DebitRecord).where(DebitRecord.originator == originator,
                                                     DebitRecord.entrust_date == entrust_date,
                                                     DebitRecord.tra_no == tra_no)).first()
        return self._load(r)

    def get(self, debit_id: int) -> Debit:
        d = self._load(self.s.get(DebitRecord, debit_id))
        if d is None:
            raise KeyError(f"unknown debit {debit_id}")
        return d

    def record(self, debit_id: int) -> DebitRecord:
        return self._records[debit_id]

    def _load(self, r: DebitRecord | None) -> Debit | None:
        if r is None:
            return None
        levy_ids = tuple(self.s.scalars(select(DebitLevyRecord.levy_id)
                                        .where(DebitLevyRecord.debit_id == r.id)
                                        .order_by(DebitLevyRecord.line_no)))
        self._records[r.id] = r
        return mapping.debit_from(r, levy_ids)

    def save(self, d: Debit) -> None:
        mapping.debit_into(d, self._records[d.id])  # type: ignore[index]


class SerialRepository:
    """Serial allocation (§4.2): an atomic increment of one counter row."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def next(self, kind: str, scope: str, day: dt.date) -> int:
        stmt = (update(SerialCounterRecord)
                .where(SerialCounterRecord.kind == kind, SerialCounterRecord.scope == scope,
                       SerialCounterRecord.day == day)
                .values(last_value=SerialCounterRecord.last_value + 1)
                .returning(SerialCounterRecord.last_value))
        value = self.s.execute(stmt).scalar_one_or_none()
        if value is None:
            self.s.add(SerialCounterRecord(kind=kind, scope=scope, day=day, last_value=1))
            self.s.flush()
            value = 1
        if value > 99_999_999:
            raise OverflowError(f"serial {kind} for {scope} on {day} exhausted")
        return value


class StateRepository:
    """The gateway's persistent key/value state (work date, system state, link status)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, key: str, default: str | None = None) -> str | None:
        r = self.s.get(GatewayStateRecord, key)
        return r.value if r else default

    def set(self, key: str, value: str, now: dt.datetime) -> None:
        r = self.s.get(GatewayStateRecord, key)
        if r is None:
            self.s.add(GatewayStateRecord(key=key, value=value, updated_at=now))
        else:
            r.value, r.updated_at = value, now


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, kind: str, detail: str, tax_org_code: str = "", ref: str = "", amount=None) -> None:
        self.s.add(ReviewItemRecord(kind=kind, detail=detail, tax_org_code=tax_org_code, ref=ref,
                                    amount=amount))
