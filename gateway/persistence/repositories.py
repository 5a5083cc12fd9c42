"""Repositories: load and save the domain's objects; small, key-based look-ups only.
Bulk work (batches, reconciliation, reports) is set-based SQL in ``queries`` and ``bulk``."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Iterable, Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.domain.agreement import Agreement
from gateway.domain.errors import NotFound
from gateway.domain.levy import Levy
from gateway.persistence import mapping
from gateway.persistence.serial_blocks import SerialBlocks, pool_for
from gateway.domain.parties import Payer, PayerKind, TreasuryRoute
from gateway.persistence.records import (AgreementRecord, AlertRecord, DebitLevyRecord,
                                         DebitRecord, GatewayStateRecord, LevyRecord, PayerRecord,
                                         ReviewItemRecord, SerialCounterRecord, TaxOfficeRecord,
                                         TreasuryRecord)


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
            raise NotFound(f"应征不存在: {missing}")
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
            raise NotFound(f"三方协议 {agreement_id} 不存在")
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

    def has_locked_levies(self, agreement_id: int) -> bool:
        """Whether a LOCKED levy is held by an unresolved debit made under this agreement."""
        stmt = (select(LevyRecord.id)
                .join(DebitLevyRecord, DebitLevyRecord.levy_id == LevyRecord.id)
                .join(DebitRecord, DebitRecord.id == DebitLevyRecord.debit_id)
                .where(DebitRecord.agreement_id == agreement_id, LevyRecord.state == "LOCKED",
                       DebitRecord.state.in_(("SENT", "ACCEPTED", "IN_DOUBT")))
                .limit(1))
        return self.s.scalars(stmt).first() is not None


@functools.lru_cache(maxsize=4)
def _counter_upsert(dialect: str):
    """The upsert statement, built once per dialect (it is then compiled once and cached)."""
    table = SerialCounterRecord.__table__
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(table).values(kind=bindparam("k"), scope=bindparam("s"), day=bindparam("d"),
                                last_value=1)
    stmt = stmt.on_conflict_do_update(index_elements=["kind", "scope", "day"],
                                      set_={"last_value": table.c.last_value + 1})
    return stmt.returning(table.c.last_value)


@functools.lru_cache(maxsize=4)
def _state_upsert(dialect: str):
    """Insert or update one state key: two workers may set a key for the first time at once."""
    table = GatewayStateRecord.__table__
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(table).values(key=bindparam("k"), value=bindparam("v"), updated_at=bindparam("t"))
    return stmt.on_conflict_do_update(index_elements=["key"],
                                      set_={"value": stmt.excluded.value,
                                            "updated_at": stmt.excluded.updated_at})


def increment_counter(session: Session, kind: str, scope: str, day: dt.date) -> int:
    """Atomically add one to a counter row, creating it at 1: a single upsert statement, so
    concurrent first uses from several workers cannot collide."""
    conn = session.connection()
    return conn.execute(_counter_upsert(conn.dialect.name),
                        {"k": kind, "s": scope, "d": day}).scalar_one()


class SerialRepository:
    """Serial allocation (§4.2), in blocks reserved on the counter row (serial_blocks)."""

    def __init__(self, session: Session, blocks: SerialBlocks | None = None) -> None:
        self.s = session
        self.blocks = blocks or SerialBlocks(session, pool_for(session.get_bind()))

    def next(self, kind: str, scope: str, day: dt.date) -> int:
        value = self.blocks.next(kind, scope, day)
        if value > 99_999_999:
            raise OverflowError(f"serial {kind} for {scope} on {day} exhausted")
        return value


class StateRepository:
    """The gateway's persistent key/value state (work date, system state, link status), read
    once per unit of work: handlers consult it several times per message."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._values: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._values is None:
            self._values = dict(self.s.connection().execute(
                select(GatewayStateRecord.key, GatewayStateRecord.value)).all())
        return self._values

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._all().get(key, default)

    def set(self, key: str, value: str, now: dt.datetime) -> None:
        values = self._all()
        if values.get(key) == value:
            return
        conn = self.s.connection()
        conn.execute(_state_upsert(conn.dialect.name), {"k": key, "v": value, "t": now})
        values[key] = value


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, kind: str, detail: str, tax_org_code: str = "", ref: str = "", amount=None) -> None:
        self.s.add(ReviewItemRecord(kind=kind, detail=detail, tax_org_code=tax_org_code, ref=ref,
                                    amount=amount))


class PayerRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, payer_id: int) -> Payer:
        r = self.s.get(PayerRecord, payer_id)
        if r is None:
            from gateway.domain.errors import NotFound

            raise NotFound(f"缴费人 {payer_id} 不存在")
        return Payer(id=r.id, kind=PayerKind(r.kind), tax_pay_code=r.tax_pay_code, name=r.name,
                     tax_org_code=r.tax_org_code, social_security_no=r.social_security_no or "")


class RouteRepository:
    """Treasury routes per TaxOrgCode; an office without its own uses its nearest parent's."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, tax_org_code: str) -> TreasuryRoute:
        code: str | None = tax_org_code
        while code:
            r = self.s.get(TreasuryRecord, code)
            if r is not None:
                return TreasuryRoute(tax_org_code=tax_org_code, handle_type=r.handle_type,
                                     payee_bank_no=r.payee_bank_no, payee_org_code=r.payee_org_code,
                                     payee_acct=r.payee_acct, payee_name=r.payee_name)
            office = self.s.get(TaxOfficeRecord, code)
            code = office.parent_code if office else None
        from gateway.domain.errors import NotFound

        raise NotFound(f"征收机关 {tax_org_code} 未配置收款国库")


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, severity: str, source: str, message: str) -> None:
        self.s.add(AlertRecord(severity=severity, source=source, message=message))
