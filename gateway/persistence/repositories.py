"""Repositories: load and save the domain's objects; small, key-based look-ups only.
Bulk work (batches, reconciliation, reports) is set-based SQL in ``queries`` and ``bulk``."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Iterable, Sequence

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from gateway.domain.agreement import Agreement
from gateway.domain.entity import require_id
from gateway.domain.errors import NotFound
from gateway.domain.levy import Levy
from gateway.persistence import core_rows, mapping
from gateway.persistence.serial_blocks import SerialBlocks, pool_for
from gateway.domain.parties import Payer, PayerKind, TreasuryRoute
from gateway.persistence.records import (AgreementRecord, AlertRecord, DebitLevyRecord,
                                         DebitRecord, GatewayStateRecord, LevyRecord, ReviewItemRecord)


class LevyRepository:
    """Levies: the real-time path's look-ups by id and its saves are prebuilt Core statements
    (``core_rows``); a save writes the changing columns and raises the version."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get_many(self, ids: Sequence[int], for_update: bool = False) -> list[Levy]:
        """Levies by id, in the order asked; ``for_update`` takes row locks (PostgreSQL)."""
        stmt = core_rows.LEVIES_BY_ID[for_update and core_rows.is_postgres(self.s)]
        found = {r.id: r for r in core_rows.connection(self.s).execute(stmt, {"ids": list(ids)})}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"应征不存在: {missing}")
        return [mapping.levy_from(found[i]) for i in ids]

    def unpaid_of_payer(self, payer_id: int) -> list[Levy]:
        lv = core_rows.LEVY.c
        rows = core_rows.connection(self.s).execute(
            select(core_rows.LEVY).where(lv.payer_id == payer_id, lv.state == "UNPAID")
            .order_by(lv.period_start, lv.insurance_code))
        return [mapping.levy_from(r) for r in rows]

    def save(self, levies: Iterable[Levy]) -> None:
        changes = [(require_id(levy.id, "levy"), mapping.levy_changes(levy)) for levy in levies]
        if not changes:
            return
        core_rows.connection(self.s).execute(core_rows.UPDATE_LEVY, [
            core_rows.update_params(pk, values) for pk, values in changes])
        for pk, values in changes:
            core_rows.sync_loaded(self.s, LevyRecord, pk, values, expire=("version",))

    def add(self, record: LevyRecord) -> None:
        self.s.add(record)


class AgreementRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, agreement_id: int) -> Agreement:
        r = core_rows.connection(self.s).execute(core_rows.AGREEMENT_BY_ID, {"id": agreement_id}).first()
        if r is None:
            raise NotFound(f"三方协议 {agreement_id} 不存在")
        return mapping.agreement_from(r)

    def active_for_payer(self, payer_id: int) -> Agreement | None:
        """The most recently verified ACTIVE agreement of a payer (§6.5 rule 2)."""
        r = core_rows.connection(self.s).execute(core_rows.ACTIVE_AGREEMENT, {"payer_id": payer_id}).first()
        return mapping.agreement_from(r) if r is not None else None

    def add(self, a: Agreement) -> Agreement:
        r = AgreementRecord()
        mapping.agreement_into(a, r)
        self.s.add(r)
        self.s.flush()
        a.id = r.id
        return a

    def save(self, a: Agreement) -> None:
        pk = require_id(a.id, "agreement")
        values = mapping.agreement_changes(a)
        if core_rows.connection(self.s).execute(core_rows.UPDATE_AGREEMENT,
                                       core_rows.update_params(pk, values)).rowcount != 1:
            raise NotFound(f"三方协议 {pk} 不存在")
        core_rows.sync_loaded(self.s, AgreementRecord, pk, values)

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
def _state_upsert(dialect: str):
    """Insert or update one state key: two workers may set a key for the first time at once.

    Text, the same on both databases: SQLAlchemy cannot cache an ``on_conflict_do_update``
    statement's compiled form and would compile it again for every write (as serial_blocks)."""
    del dialect  # one statement for both; the parameter keeps the call site per dialect
    c = GatewayStateRecord.__table__.c
    return text(
        'INSERT INTO gateway_state ("key", value, updated_at) VALUES (:k, :v, :t) '
        'ON CONFLICT ("key") DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at'
    ).bindparams(bindparam("k", type_=c.key.type), bindparam("v", type_=c.value.type),
                 bindparam("t", type_=c.updated_at.type))


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
            self._values = dict(core_rows.connection(self.s).execute(
                select(GatewayStateRecord.key, GatewayStateRecord.value)).all())
        return self._values

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._all().get(key, default)

    def set(self, key: str, value: str, now: dt.datetime) -> None:
        values = self._all()
        if values.get(key) == value:
            return
        conn = core_rows.connection(self.s)
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
        r = core_rows.connection(self.s).execute(core_rows.PAYER_BY_ID, {"id": payer_id}).first()
        if r is None:
            from gateway.domain.errors import NotFound

            raise NotFound(f"缴费人 {payer_id} 不存在")
        return Payer(id=r.id, kind=PayerKind(r.kind), tax_pay_code=r.tax_pay_code, name=r.name,
                     tax_org_code=r.tax_org_code, social_security_no=r.social_security_no or "")


class RouteRepository:
    """Treasury routes per TaxOrgCode; an office without its own uses its nearest parent's."""

    def __init__(self, session: Session) -> None:
        self.s = session
        # Per unit of work: a batch of submits asks for the same few offices' routes again and
        # again, and an office without its own route walks up its parents, a query a step.
        self._known: dict[str, TreasuryRoute] = {}

    def get(self, tax_org_code: str) -> TreasuryRoute:
        known = self._known.get(tax_org_code)
        if known is not None:
            return known
        conn = core_rows.connection(self.s)
        code: str | None = tax_org_code
        while code:
            r = conn.execute(core_rows.TREASURY_BY_CODE, {"code": code}).first()
            if r is not None:
                route = TreasuryRoute(tax_org_code=tax_org_code, handle_type=r.handle_type,
                                      payee_bank_no=r.payee_bank_no,
                                      payee_org_code=r.payee_org_code,
                                      payee_acct=r.payee_acct, payee_name=r.payee_name)
                self._known[tax_org_code] = route
                return route
            code = conn.execute(core_rows.OFFICE_PARENT, {"code": code}).scalar()
        from gateway.domain.errors import NotFound

        raise NotFound(f"征收机关 {tax_org_code} 未配置收款国库")


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, severity: str, source: str, message: str) -> None:
        self.s.add(AlertRecord(severity=severity, source=source, message=message))
