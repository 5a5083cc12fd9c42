"""One debit transaction: a single real-time 1001, an item of a 1102 package, or a counter 2108.

State model of ets-interface §8.2. An unanswered debit is IN_DOUBT, never re-sent under a new
serial; the one permitted resend (after OpStat 98) keeps the same TraNo and voucher.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain import states
from gateway.domain.errors import IllegalTransition, NotSameWorkDate, TooManyItems
from gateway.domain.money import money, total

MAX_LEVIES_PER_DEBIT = 99  # TaxTypeNum int(1–99)


class DebitKind(StrEnum):
    SINGLE = "SINGLE"  # 1001
    BATCH_ITEM = "BATCH_ITEM"  # Payment1102
    COUNTER = "COUNTER"  # 2108


class DebitState(StrEnum):
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    IN_DOUBT = "IN_DOUBT"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"


S = DebitState
TRANSITIONS: states.Table = {
    S.SENT: frozenset({S.ACCEPTED, S.FAILED, S.IN_DOUBT, S.SUCCEEDED}),
    S.ACCEPTED: frozenset({S.SUCCEEDED, S.FAILED, S.IN_DOUBT}),
    S.IN_DOUBT: frozenset({S.SUCCEEDED, S.FAILED, S.REVERSED, S.SENT}),
    S.SUCCEEDED: frozenset({S.REVERSED}),
    S.FAILED: frozenset({S.SUCCEEDED}),
    S.REVERSED: frozenset(),
}
UNRESOLVED = frozenset({S.SENT, S.ACCEPTED, S.IN_DOUBT})


@dataclass
class Debit:
    id: int | None
    kind: DebitKind
    tax_org_code: str
    entrust_date: dt.date
    tra_no: str
    tax_vou_no: str
    payer_id: int
    amount: Decimal
    levy_ids: tuple[int, ...]
    state: DebitState = DebitState.SENT
    result_code: str = ""
    reason: str = ""
    tax_date: dt.date | None = None
    resent: bool = False
    package_id: int | None = None
    history: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.amount = money(self.amount)
        if not self.levy_ids:
            raise IllegalTransition("debit", self.key, "-", "SENT", "a debit covers at least one levy")
        if len(self.levy_ids) > MAX_LEVIES_PER_DEBIT:
            raise TooManyItems(f"一笔扣款最多 {MAX_LEVIES_PER_DEBIT} 条应征，实际 {len(self.levy_ids)} 条")

    @property
    def key(self) -> str:
        """Business key TaxOrgCode + EntrustDate + TraNo (§4.3)."""
        return f"{self.tax_org_code}/{self.entrust_date:%Y%m%d}/{self.tra_no}"

    @property
    def unresolved(self) -> bool:
        return self.state in UNRESOLVED

    def _go(self, target: DebitState, why: str) -> None:
        states.check(TRANSITIONS, "debit", self.key, self.state, target, why=why)
        self.history.append(f"{self.state.value}->{target.value} {why}".strip())
        self.state = target

    def accepted(self) -> None:
        """9120 90000 (or 9121 90000 for a package item). Late acceptance changes nothing."""
        if self.state is S.SENT:
            self._go(S.ACCEPTED, "accepted by ETS")

    def succeeded(self, tax_date: dt.date, code: str = "90000") -> None:
        self._go(S.SUCCEEDED, f"result {code}")
        self.tax_date, self.result_code, self.reason = tax_date, code, ""

    def failed(self, code: str, reason: str) -> None:
        self._go(S.FAILED, f"result {code}")
        self.result_code, self.reason = code, reason

    def in_doubt(self, why: str) -> None:
        if self.state is S.IN_DOUBT:
            return
        self._go(S.IN_DOUBT, why)

    def resend_after_not_found(self, work_date: dt.date) -> None:
        """OpStat 98: resend the same 1001 once, only on its own work date (§7.2)."""
        if self.resent:
            raise IllegalTransition("debit", self.key, self.state.value, "SENT", "already resent once")
        if work_date != self.entrust_date:
            raise IllegalTransition("debit", self.key, self.state.value, "SENT",
                                    "the work date has moved past EntrustDate")
        self._go(S.SENT, "resent after OpStat 98")
        self.resent = True

    def reversed(self) -> None:
        self._go(S.REVERSED, "reversal confirmed")

    def ensure_reversible(self, work_date: dt.date) -> None:
        """Only a SUCCEEDED or IN_DOUBT single debit of the current work date is reversed."""
        if self.kind is not DebitKind.SINGLE:
            raise IllegalTransition("debit", self.key, self.state.value, "REVERSED",
                                    "only single real-time debits can be reversed")
        if self.state not in (S.SUCCEEDED, S.IN_DOUBT):
            raise IllegalTransition("debit", self.key, self.state.value, "REVERSED",
                                    "only SUCCEEDED or IN_DOUBT debits can be reversed")
        if work_date != self.entrust_date:
            raise NotSameWorkDate(f"只能冲正当日（{self.entrust_date:%Y%m%d}）的扣款，当前工作日 {work_date:%Y%m%d}")


def debit_amount(levy_amounts) -> Decimal:
    """TraAmt = the sum of the TaxTypeAmt values (§6.2)."""
    return total(levy_amounts)
