"""Ports: what the use cases need from the outside world, as Protocols.

The adapters (persistence, the runtime's outbox messenger, the clock) implement them; services
never import an adapter.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol, Sequence

from gateway.domain.agreement import Agreement
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.events import CounterQueried, InboundRef
from gateway.domain.levy import Levy
from gateway.domain.parties import Payer, TreasuryRoute


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class Messenger(Protocol):
    """Outbound messages, written to the outbox in the caller's transaction. Each returns the
    MsgID it allocated."""

    def send_verification(self, agreement: Agreement, payer: Payer, vc_no: str, vc_sign: str,
                          entrust_date: dt.date) -> str: ...

    def send_debit(self, debit: Debit, agreement: Agreement, payer: Payer,
                   levies: Sequence[Levy], route: TreasuryRoute) -> str: ...

    def resend(self, msg_id: str) -> str: ...

    def send_reversal(self, debit: Debit, cancel_no: str, entrust_date: dt.date, reason: str) -> str: ...

    def send_status_query(self, tax_org_code: str, search_type: str, ori_entrust_date: dt.date,
                          ori_pack_no: str, ori_tra_no: str) -> str: ...

    def send_link_test(self) -> str: ...

    def answer_ack(self, ref: InboundRef, result: str, add_word: str = "",
                   request_key: tuple[str, dt.date, str] | None = None) -> str: ...

    def answer_counter_query(self, ref: InboundRef, query: CounterQueried, result: str,
                             add_word: str, payer: Payer | None, levies: Sequence[Levy],
                             total: Decimal | None) -> str: ...

    def resend_answer(self, answer_msg_id: str, to: InboundRef) -> str: ...

    def request_of(self, msg_id: str) -> tuple[str, str] | None:
        """(msg_no, business_key) of a message we sent, for matching 9120s by MsgRef."""
        ...


class LevyRepository(Protocol):
    def get_many(self, ids: Sequence[int], for_update: bool = False) -> list[Levy]: ...

    def save(self, levies: Sequence[Levy]) -> None: ...


class AgreementRepository(Protocol):
    def get(self, agreement_id: int) -> Agreement: ...

    def active_for_payer(self, payer_id: int) -> Agreement | None: ...

    def add(self, agreement: Agreement) -> Agreement: ...

    def save(self, agreement: Agreement) -> None: ...

    def has_locked_levies(self, agreement_id: int) -> bool: ...


class DebitRepository(Protocol):
    """Debits and their timers (``next_check_at``, the in-doubt query step)."""

    def add(self, debit: Debit, originator: str, agreement_id: int | None,
            levy_amounts: Sequence[Decimal]) -> Debit: ...

    def get(self, debit_id: int) -> Debit: ...

    def by_key(self, originator: str, entrust_date: dt.date, tra_no: str) -> Debit | None: ...

    def by_msg_id(self, msg_id: str) -> Debit | None: ...

    def save(self, debit: Debit, now: dt.datetime | None = None) -> None: ...

    def count_unresolved(self, kind: DebitKind) -> int: ...

    def due(self, now: dt.datetime, kind: DebitKind, limit: int) -> list[Debit]: ...

    def mark_sent(self, debit_id: int, msg_id: str, sent_at: dt.datetime,
                  next_check_at: dt.datetime) -> None: ...

    def schedule(self, debit_id: int, at: dt.datetime | None, step: int | None = None) -> None: ...

    def sent_at(self, debit_id: int) -> dt.datetime | None: ...

    def msg_id(self, debit_id: int) -> str: ...

    def agreement_id(self, debit_id: int) -> int | None: ...

    def query_step(self, debit_id: int) -> int: ...

    def set_chk_date(self, debit_id: int, day: dt.date) -> None: ...

    def levy_amount(self, debit_id: int, levy_id: int) -> Decimal: ...


class ReversalView(Protocol):
    id: int
    debit_id: int
    entrust_date: dt.date
    cancel_no: str
    state: str
    answer: str
    msg_id: str
    query_step: int


class ReversalRepository(Protocol):
    def add(self, debit_id: int, org: str, day: dt.date, cancel_no: str, reason: str) -> int: ...

    def mark_sent(self, reversal_id: int, msg_id: str, next_check_at: dt.datetime) -> None: ...

    def get(self, reversal_id: int) -> ReversalView: ...

    def by_key(self, org: str, day: dt.date, cancel_no: str) -> ReversalView | None: ...

    def id_by_msg_id(self, msg_id: str) -> int | None: ...

    def open_for(self, debit_id: int) -> bool: ...

    def close_open_for(self, debit_id: int, add_word: str) -> None: ...

    def update(self, reversal_id: int, **values: object) -> None: ...

    def due(self, now: dt.datetime, limit: int) -> list[ReversalView]: ...


class VerificationView(Protocol):
    id: int
    agreement_id: int
    vc_sign: str
    state: str


class VerificationRepository(Protocol):
    def add(self, agreement_id: int, org: str, day: dt.date, vc_no: str, vc_sign: str,
            msg_id: str, deadline: dt.datetime) -> int: ...

    def by_key(self, org: str, day: dt.date, vc_no: str) -> VerificationView | None: ...

    def id_by_msg_id(self, msg_id: str) -> int | None: ...

    def finish(self, verification_id: int, state: str, result: str) -> None: ...

    def expire(self, now: dt.datetime) -> int: ...


class VoucherView(Protocol):
    id: int
    tax_vou_no: str
    tax_org_code: str
    payer_id: int
    levy_ids: tuple[int, ...]
    total: Decimal


class VoucherRepository(Protocol):
    def add(self, vou: str, org: str, payer_id: int, levy_ids: list[int], total: Decimal) -> int: ...

    def by_no(self, vou: str) -> VoucherView | None: ...

    def reserve(self, voucher_id: int, until: dt.datetime | None) -> None: ...

    def paid(self, voucher_id: int) -> None: ...

    def expired(self, now: dt.datetime, limit: int) -> list[VoucherView]: ...


class PayerRepository(Protocol):
    def get(self, payer_id: int) -> Payer: ...


class RouteRepository(Protocol):
    def get(self, tax_org_code: str) -> TreasuryRoute: ...


class SerialRepository(Protocol):
    def next(self, kind: str, scope: str, day: dt.date) -> int: ...


class StateRepository(Protocol):
    def get(self, key: str, default: str | None = None) -> str | None: ...

    def set(self, key: str, value: str, now: dt.datetime) -> None: ...


class ReviewRepository(Protocol):
    def add(self, kind: str, detail: str, tax_org_code: str = "", ref: str = "",
            amount: Decimal | None = None) -> None: ...


class AlertRepository(Protocol):
    def add(self, severity: str, source: str, message: str) -> None: ...


class BatchInboundRepository(Protocol):
    def flag(self, msg_no: str, business_key: str, detail: str) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Repositories are attributes; ``messages`` writes to the outbox."""

    levies: LevyRepository
    agreements: AgreementRepository
    debits: DebitRepository
    payers: PayerRepository
    routes: RouteRepository
    verifications: VerificationRepository
    reversals: ReversalRepository
    vouchers: VoucherRepository
    serials: SerialRepository
    state: StateRepository
    reviews: ReviewRepository
    alerts: AlertRepository
    batch_inbound: BatchInboundRepository
    messages: Messenger

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
