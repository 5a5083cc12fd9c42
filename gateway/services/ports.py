"""Ports: what the use cases need from the outside world, as Protocols.

The adapters (persistence, the runtime's outbox messenger, the clock) implement them; services
never import an adapter.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol, Sequence

from gateway.domain.agreement import Agreement
from gateway.domain.debit import Debit
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


class UnitOfWork(Protocol):
    """One transaction. Repositories are attributes; ``messages`` writes to the outbox."""

    levies: object
    agreements: object
    debits: object
    payers: object
    routes: object
    verifications: object
    reversals: object
    vouchers: object
    serials: object
    state: object
    reviews: object
    alerts: object
    inbox: object
    messages: Messenger

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
