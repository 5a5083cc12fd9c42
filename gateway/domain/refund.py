"""退费 (refund case) for a duplicate payment: flagged → confirmed by staff → exported for the
social-security office to verify → refunded, or rejected at any step before refunded.

A case is opened when a bank reports a success for a levy already paid another way (§8.1); it
names the payment that is the duplicate and the amount to return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain import states
from gateway.domain.money import money


class RefundState(StrEnum):
    FLAGGED = "FLAGGED"
    CONFIRMED = "CONFIRMED"
    EXPORTED = "EXPORTED"
    REFUNDED = "REFUNDED"
    REJECTED = "REJECTED"


R = RefundState
TRANSITIONS: states.Table = {
    R.FLAGGED: frozenset({R.CONFIRMED, R.REJECTED}),
    R.CONFIRMED: frozenset({R.EXPORTED, R.REJECTED}),
    R.EXPORTED: frozenset({R.REFUNDED, R.REJECTED}),
    R.REFUNDED: frozenset(),
    R.REJECTED: frozenset(),
}
LABELS = {R.FLAGGED: "待确认", R.CONFIRMED: "已确认", R.EXPORTED: "已导出待社保核实",
          R.REFUNDED: "已退费", R.REJECTED: "已驳回"}


@dataclass
class RefundCase:
    id: int | None
    levy_id: int
    tax_org_code: str
    payment: str  # the lock owner of the duplicate payment, e.g. BATCH_ITEM:17
    debit_key: str
    paid_by: str  # the payment that paid the levy first
    amount: Decimal
    state: RefundState = RefundState.FLAGGED
    note: str = ""
    updated_by: str = ""
    updated_at: dt.datetime | None = None
    history: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.amount = money(self.amount)

    def _go(self, target: RefundState, by: str, at: dt.datetime, note: str) -> None:
        states.check(TRANSITIONS, "refund", self.id, self.state, target, why=note)
        self.history.append(f"{self.state.value}->{target.value} {by} {note}".strip())
        self.state, self.updated_by, self.updated_at = target, by, at
        if note:
            self.note = note

    def confirm(self, by: str, at: dt.datetime, note: str = "") -> None:
        self._go(R.CONFIRMED, by, at, note)

    def exported(self, by: str, at: dt.datetime) -> None:
        self._go(R.EXPORTED, by, at, "")

    def refunded(self, by: str, at: dt.datetime, note: str = "") -> None:
        self._go(R.REFUNDED, by, at, note)

    def reject(self, by: str, at: dt.datetime, note: str) -> None:
        if not note:
            raise ValueError("驳回退费须说明原因")
        self._go(R.REJECTED, by, at, note)
