"""Commands: what the front-ends (portal, console, CLI) and the jobs ask the gateway to do.
Imperative names; each is handled by exactly one handler through the message bus."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class Command:
    pass


@dataclass(frozen=True)
class SubmitDebit(Command):
    """Start a single real-time debit (1001) of one payer's selected UNPAID levies."""

    payer_id: int
    levy_ids: tuple[int, ...]
    requested_by: str


@dataclass(frozen=True)
class SubmitDebits(Command):
    """Many single real-time debits at once (``submit_many``: the real-time batch, the bench),
    in one unit of work; each one keeps the rules of :class:`SubmitDebit` and is refused or
    written on its own. The handler returns, in order, the Debit or the refusal of each."""

    debits: tuple[SubmitDebit, ...]


@dataclass(frozen=True)
class ReverseDebit(Command):
    """Reverse (1021) a SUCCEEDED or IN_DOUBT single debit of the current work date."""

    debit_id: int
    reason: str
    requested_by: str


@dataclass(frozen=True)
class QueryDebitStatus(Command):
    """Ask the ETS for the status of a debit now (9003), outside the back-off schedule."""

    debit_id: int


@dataclass(frozen=True)
class RegisterAgreement(Command):
    """Record an agreement signed online or at a bank counter (一次上门) and verify it (9114)."""

    payer_id: int
    protocol_no: str
    pay_bk_code: str
    pay_op_bk_code: str
    pay_acct: str
    hand_org_name: str
    channel: str  # ONLINE | ON_SITE
    requested_by: str


@dataclass(frozen=True)
class VerifyAgreement(Command):
    agreement_id: int
    requested_by: str


@dataclass(frozen=True)
class RevokeAgreement(Command):
    agreement_id: int
    requested_by: str


@dataclass(frozen=True)
class TerminateAgreement(Command):
    """End an agreement that is not in force at the bank (PENDING, REJECTED or SUSPENDED)
    without a message; an ACTIVE agreement is revoked (9114 VCSign 1) instead."""

    agreement_id: int
    reason: str
    requested_by: str


@dataclass(frozen=True)
class IssueCounterVoucher(Command):
    """Print a bank-side payment voucher (银行端查询缴款凭证) for UNPAID levies; locks nothing."""

    payer_id: int
    levy_ids: tuple[int, ...]
    requested_by: str


@dataclass(frozen=True)
class SweepTimeouts(Command):
    """The timeout sweeper: in-doubt debits, status queries, reservations, link tests.

    ``parts`` names the timers to look at (``gateway.services.handlers.sweeper.PARTS``); empty
    is every one of them (the gateway worker's sweep). The jobs process runs them apart."""

    now: dt.datetime
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestLink(Command):
    """Send a 9005 link test now."""
