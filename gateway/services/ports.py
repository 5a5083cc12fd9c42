"""Ports: what the use cases need from the outside world, as Protocols.

The adapters (persistence, the wire edge's outbox messenger) implement them; services never
import an adapter. Repositories load and save the domain's aggregates whole: an aggregate holds
its own state and timers, and ``save`` persists what it holds. Members that a unit of work
exposes are read-only properties here, so that an adapter may provide a more specific type.
``tests/unit/services/test_ports.py`` type-checks the real adapters against these.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Sequence

from gateway.domain.agreement import Agreement
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.events import CounterQueried, Event, InboundRef
from gateway.domain.batch import Package
from gateway.domain.levy import Levy
from gateway.domain.package import ItemDraft, StopRequest
from gateway.domain.parties import Payer, TreasuryRoute
from gateway.domain.reversal import Reversal
from gateway.domain.verification import Verification
from gateway.domain.voucher import CounterVoucher


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

    def send_package(self, package: Package, items: Sequence[Debit], drafts: Sequence[ItemDraft],
                     route: TreasuryRoute) -> str:
        """The 1102 of a package; raises PackageTooLarge past the size limit."""
        ...

    def send_stop(self, stop: StopRequest) -> str: ...

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
    """Debits with their levies, amounts, MsgID and timers. ``get`` raises NotFound."""

    def get(self, debit_id: int) -> Debit: ...

    def by_key(self, originator: str, entrust_date: dt.date, tra_no: str) -> Debit | None: ...

    def by_msg_id(self, msg_id: str) -> Debit | None: ...

    def due(self, now: dt.datetime, kind: DebitKind, limit: int,
            in_doubt: bool | None = None) -> list[Debit]:
        """Unresolved debits of ``kind`` whose timer has expired, oldest first; ``in_doubt``
        True: only IN_DOUBT ones (status queries), False: only SENT/ACCEPTED (answer timers)."""
        ...

    def count_unresolved(self, kind: DebitKind) -> int: ...

    def add(self, debit: Debit) -> Debit:
        """Store a new debit; sets and returns it with its id."""
        ...

    def save(self, debit: Debit) -> None: ...


class ReversalRepository(Protocol):
    def get(self, reversal_id: int) -> Reversal: ...

    def by_key(self, tax_org_code: str, entrust_date: dt.date, cancel_no: str) -> Reversal | None: ...

    def by_msg_id(self, msg_id: str) -> Reversal | None: ...

    def open_for(self, debit_id: int) -> list[Reversal]:
        """The reversals of a debit still waiting for the ETS (SENT or ACCEPTED)."""
        ...

    def due(self, now: dt.datetime, limit: int) -> list[Reversal]:
        """Open reversals whose timer has expired, oldest first."""
        ...

    def add(self, reversal: Reversal) -> Reversal: ...

    def save(self, reversal: Reversal) -> None: ...


class VerificationRepository(Protocol):
    def by_key(self, tax_org_code: str, entrust_date: dt.date, vc_no: str) -> Verification | None: ...

    def by_msg_id(self, msg_id: str) -> Verification | None: ...

    def due(self, now: dt.datetime, limit: int) -> list[Verification]:
        """SENT requests whose 9115 timer has expired."""
        ...

    def add(self, verification: Verification) -> Verification: ...

    def save(self, verification: Verification) -> None: ...


class VoucherRepository(Protocol):
    def by_no(self, tax_vou_no: str) -> CounterVoucher | None: ...

    def due(self, now: dt.datetime, limit: int) -> list[CounterVoucher]:
        """RESERVED vouchers whose reservation has ended."""
        ...

    def add(self, voucher: CounterVoucher) -> CounterVoucher: ...

    def save(self, voucher: CounterVoucher) -> None: ...


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


class HasState(Protocol):
    """The part of a unit of work the gateway status (work date, link) needs."""

    @property
    def state(self) -> StateRepository: ...


class HasSerials(Protocol):
    """The part of a unit of work serial allocation needs."""

    @property
    def serials(self) -> SerialRepository: ...


class UnitOfWork(Protocol):
    """One transaction. Repositories are attributes; ``messages`` writes to the outbox in the
    same transaction. ``raised`` collects the events the handlers raised in it: whoever commits
    hands them to :meth:`MessageBus.publish` afterwards (a rollback discards them)."""

    @property
    def levies(self) -> LevyRepository: ...
    @property
    def agreements(self) -> AgreementRepository: ...
    @property
    def debits(self) -> DebitRepository: ...
    @property
    def payers(self) -> PayerRepository: ...
    @property
    def routes(self) -> RouteRepository: ...
    @property
    def verifications(self) -> VerificationRepository: ...
    @property
    def reversals(self) -> ReversalRepository: ...
    @property
    def vouchers(self) -> VoucherRepository: ...
    @property
    def serials(self) -> SerialRepository: ...
    @property
    def state(self) -> StateRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def alerts(self) -> AlertRepository: ...
    @property
    def batch_inbound(self) -> BatchInboundRepository: ...
    @property
    def messages(self) -> Messenger: ...
    @property
    def raised(self) -> list[Event]: ...

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def conflicted(self, error: BaseException) -> bool:
        """Whether ``error`` is a conflict with a concurrent transaction that the database
        resolved by aborting this one (a deadlock, a serialization failure, a unique key the
        other inserted first): nothing of it was kept, and running the whole unit of work again
        may succeed."""
        ...
