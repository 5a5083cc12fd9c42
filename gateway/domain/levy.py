"""应征 (levy): one amount due from one payer for one insurance type and one fee period.

State model of ets-interface §8.1. A levy is locked by at most one payment at a time; the lock
names its owner (a debit, a package item or a counter reservation) and every unlock names what
released it. A success for a levy that is already paid is a duplicate payment, never applied twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain import states
from gateway.domain.errors import IllegalTransition, LevyLocked
from gateway.domain.money import money


class LevyState(StrEnum):
    UNPAID = "UNPAID"
    LOCKED = "LOCKED"
    PAID = "PAID"
    SETTLED = "SETTLED"
    VOIDED = "VOIDED"


class LockKind(StrEnum):
    DEBIT = "DEBIT"  # a single real-time 1001
    BATCH_ITEM = "BATCH_ITEM"  # an item of an async 1102 package
    COUNTER = "COUNTER"  # a bank-counter reservation after a 1009


@dataclass(frozen=True)
class LockOwner:
    """Who holds a levy's lock: the kind of payment and its id."""

    kind: LockKind
    ref: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.ref}"


class PaymentOutcome(StrEnum):
    APPLIED = "APPLIED"  # the levy became PAID
    ALREADY = "ALREADY"  # this same payment had already paid it (a repeated report): no change
    DUPLICATE = "DUPLICATE"  # already paid (or voided): record and flag for refund (§8.1)


TRANSITIONS: states.Table = {
    LevyState.UNPAID: frozenset({LevyState.LOCKED, LevyState.PAID, LevyState.VOIDED}),
    LevyState.LOCKED: frozenset({LevyState.PAID, LevyState.UNPAID}),
    LevyState.PAID: frozenset({LevyState.UNPAID, LevyState.SETTLED}),
    LevyState.SETTLED: frozenset(),
    LevyState.VOIDED: frozenset(),
}


@dataclass
class Levy:
    id: int | None
    payer_id: int
    tax_org_code: str
    insurance_code: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    state: LevyState = LevyState.UNPAID
    lock_owner: LockOwner | None = None
    lock_reason: str = ""
    lock_until: dt.datetime | None = None
    paid_by: str = ""
    tax_date: dt.date | None = None
    history: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.amount = money(self.amount)
        if self.amount <= 0:
            raise IllegalTransition("levy", self.id, "-", "UNPAID", "amount must be positive")
        if self.period_end < self.period_start:
            raise IllegalTransition("levy", self.id, "-", "UNPAID", "fee period ends before it starts")

    def _go(self, target: LevyState, why: str = "") -> None:
        states.check(TRANSITIONS, "levy", self.id, self.state, target, why=why)
        self.history.append(f"{self.state.value}->{target.value} {why}".strip())
        self.state = target

    def lock(self, owner: LockOwner, reason: str, until: dt.datetime | None = None) -> None:
        """UNPAID → LOCKED for one payment; a levy locked by someone else refuses (one lock)."""
        if self.state is LevyState.LOCKED:
            if self.lock_owner == owner:
                self.lock_until = until  # a repeated counter query restarts the reservation
                return
            raise LevyLocked("levy", self.id, self.state.value, "LOCKED",
                             f"locked by {self.lock_owner} ({self.lock_reason})")
        self._go(LevyState.LOCKED, f"locked by {owner}: {reason}")
        self.lock_owner, self.lock_reason, self.lock_until = owner, reason, until

    def unlock(self, owner: LockOwner, released_by: str) -> None:
        """LOCKED → UNPAID, only by the payment that holds the lock."""
        if self.state is not LevyState.LOCKED or self.lock_owner != owner:
            raise IllegalTransition("levy", self.id, self.state.value, "UNPAID",
                                    f"only the lock owner may release it (owner {self.lock_owner}, "
                                    f"asked by {owner})")
        self._go(LevyState.UNPAID, f"released by {released_by}")
        self._clear_lock()

    def apply_success(self, payment: LockOwner, tax_date: dt.date) -> PaymentOutcome:
        """A bank reported success for ``payment``: pay the levy once, or report a duplicate.

        A levy locked by another payment is paid at once by this late success (§8.1); if that
        other payment succeeds later, it is the duplicate.
        """
        if self.state in (LevyState.PAID, LevyState.SETTLED) and self.paid_by == str(payment):
            return PaymentOutcome.ALREADY
        if self.state in (LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED):
            return PaymentOutcome.DUPLICATE
        self._go(LevyState.PAID, f"paid by {payment}")
        self._clear_lock()
        self.paid_by, self.tax_date = str(payment), tax_date
        return PaymentOutcome.APPLIED

    def reverse(self, payment: LockOwner) -> None:
        """A confirmed reversal returns the levy to UNPAID (from PAID, or from LOCKED in doubt)."""
        if self.state is LevyState.LOCKED:
            self.unlock(payment, f"reversal of {payment}")
            return
        if self.state is LevyState.PAID and self.paid_by != str(payment):
            raise IllegalTransition("levy", self.id, "PAID", "UNPAID",
                                    f"paid by {self.paid_by}, not by {payment}")
        self._go(LevyState.UNPAID, f"reversal of {payment}")
        self.paid_by, self.tax_date = "", None

    def settle(self) -> None:
        """PAID → SETTLED when the 3122 confirms the money entered the treasury (入库)."""
        self._go(LevyState.SETTLED, "3122 matched")

    def void(self) -> None:
        """UNPAID → VOIDED when the declaration is voided; a LOCKED levy cannot be voided."""
        if self.state is LevyState.LOCKED:
            raise LevyLocked("levy", self.id, "LOCKED", "VOIDED",
                             f"a payment is in flight ({self.lock_owner}); resolve it first")
        self._go(LevyState.VOIDED, "declaration voided")

    def _clear_lock(self) -> None:
        self.lock_owner, self.lock_reason, self.lock_until = None, "", None
