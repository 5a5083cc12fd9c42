"""One debit transaction: a single real-time 1001, an item of a 1102 package, or a counter 2108.

State model of ets-interface §8.2. An unanswered debit is IN_DOUBT, never re-sent under a new
serial; the one permitted resend (after OpStat 98) keeps the same TraNo and voucher.

The debit owns its timer (``next_check_at``: the 9120 deadline, the 2001 deadline or the next
in-doubt status query, with ``query_step`` on the back-off), its MsgID and when it was sent: the
methods that change its state set the timer that belongs to the new state, so a handler never
pairs a state change with a separate scheduling call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain import states
from gateway.domain.entity import require_id
from gateway.domain.errors import IllegalTransition, InvalidAmount, NotSameWorkDate, TooManyItems
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
# States from which a confirmed reversal (2021 answer 1, 9004 OpStat 97) reverses the debit.
REVERSIBLE_BY_ETS = frozenset({S.SENT, S.ACCEPTED, S.IN_DOUBT, S.SUCCEEDED})


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
    # The TaxOrgCode for gateway serials (1001, 1102 items), the BankNo for a counter 2108: the
    # first part of the business key (originator, EntrustDate, TraNo).
    originator: str = ""
    agreement_id: int | None = None
    levy_amounts: tuple[Decimal, ...] = ()  # TaxTypeAmt per levy, in levy_ids order
    msg_id: str = ""
    sent_at: dt.datetime | None = None
    next_check_at: dt.datetime | None = None
    query_step: int = 0
    chk_date: dt.date | None = None
    resolved_at: dt.datetime | None = None
    history: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.amount = money(self.amount)
        self.originator = self.originator or self.tax_org_code
        if not self.levy_ids:
            raise IllegalTransition("debit", self.key, "-", "SENT", "a debit covers at least one levy")
        if len(self.levy_ids) > MAX_LEVIES_PER_DEBIT:
            raise TooManyItems(f"一笔扣款最多 {MAX_LEVIES_PER_DEBIT} 条应征，实际 {len(self.levy_ids)} 条")
        if self.levy_amounts:
            self.levy_amounts = tuple(money(a) for a in self.levy_amounts)
            if len(self.levy_amounts) != len(self.levy_ids):
                raise InvalidAmount(f"{self.key}: {len(self.levy_ids)} 条应征，"
                                    f"{len(self.levy_amounts)} 个金额")
            if total(self.levy_amounts) != self.amount:
                raise InvalidAmount(f"{self.key}: 扣款金额 {self.amount} 不等于各应征金额之和 "
                                    f"{total(self.levy_amounts)}")

    @property
    def key(self) -> str:
        """Business key TaxOrgCode + EntrustDate + TraNo (§4.3)."""
        return f"{self.tax_org_code}/{self.entrust_date:%Y%m%d}/{self.tra_no}"

    @property
    def saved_id(self) -> int:
        if self.id is not None:  # the common case: no message to format (a hot path)
            return self.id
        return require_id(self.id, f"debit {self.key}")

    @property
    def unresolved(self) -> bool:
        return self.state in UNRESOLVED

    def levy_amount(self, levy_id: int) -> Decimal:
        """The amount this debit carries for one of its levies (its TaxTypeAmt)."""
        return dict(zip(self.levy_ids, self.levy_amounts))[levy_id]

    def _go(self, target: DebitState, why: str, at: dt.datetime | None = None) -> None:
        states.check(TRANSITIONS, "debit", self.key, self.state, target, why=why)
        self.history.append(f"{self.state.value}->{target.value} {why}".strip())
        self.state = target
        if target not in UNRESOLVED:
            self.next_check_at = None  # a resolved debit has nothing left to wait for
            self.resolved_at = at or self.resolved_at

    # -- sending and the timers ---------------------------------------------------------------

    def sent(self, msg_id: str, at: dt.datetime, ack_deadline: dt.datetime) -> None:
        """The 1001 (or its one resend) is in the outbox as ``msg_id``: wait for its 9120."""
        if self.state is not S.SENT:
            raise IllegalTransition("debit", self.key, self.state.value, "SENT",
                                    "only a debit being sent gets a MsgID")
        self.msg_id, self.sent_at = msg_id, at
        self.next_check_at, self.query_step = ack_deadline, 0

    def accepted(self, result_deadline: dt.datetime | None = None) -> None:
        """9120 90000 (or 9121 90000 for a package item): wait for the bank's result until
        ``result_deadline``. Late acceptance changes nothing."""
        if self.state is S.SENT:
            self._go(S.ACCEPTED, "accepted by ETS")
            if result_deadline is not None:
                self.next_check_at = result_deadline

    def in_doubt(self, why: str, first_query_at: dt.datetime | None = None) -> None:
        """No answer in time or an unknown result: IN_DOUBT (§7.2); with ``first_query_at`` the
        status queries start over from the first back-off step."""
        if self.state is not S.IN_DOUBT:
            self._go(S.IN_DOUBT, why)
        if first_query_at is not None:
            self.query_scheduled(first_query_at, 0)

    def unknown_result(self, code: str, add_word: str, first_query_at: dt.datetime) -> None:
        """A result code outside the success and failure lists (§6.2 rule 4)."""
        self.in_doubt(f"unknown result {code}", first_query_at)
        self.result_code, self.reason = code, add_word

    def query_scheduled(self, at: dt.datetime, step: int) -> None:
        """The next 9003 status query is due at ``at``, on back-off step ``step``."""
        self.next_check_at, self.query_step = at, step

    def stop_checks(self) -> None:
        """No more timers: the day-end reconciliation (3122) decides (§7.2 rule 4)."""
        self.next_check_at = None

    # -- results ------------------------------------------------------------------------------

    def succeeded(self, tax_date: dt.date, code: str = "90000", at: dt.datetime | None = None) -> None:
        self._go(S.SUCCEEDED, f"result {code}", at)
        self.tax_date, self.result_code, self.reason = tax_date, code, ""

    def failed(self, code: str, reason: str, at: dt.datetime | None = None) -> None:
        self._go(S.FAILED, f"result {code}", at)
        self.result_code, self.reason = code, reason

    def resend_after_not_found(self, work_date: dt.date) -> None:
        """OpStat 98: resend the same 1001 once, only on its own work date (§7.2); :meth:`sent`
        then records the resend's MsgID."""
        if self.resent:
            raise IllegalTransition("debit", self.key, self.state.value, "SENT", "already resent once")
        if work_date != self.entrust_date:
            raise IllegalTransition("debit", self.key, self.state.value, "SENT",
                                    "the work date has moved past EntrustDate")
        self._go(S.SENT, "resent after OpStat 98")
        self.resent = True

    def reversed(self, at: dt.datetime | None = None) -> None:
        self._go(S.REVERSED, "reversal confirmed", at)

    def reversal_confirmed(self, why: str, at: dt.datetime | None = None) -> bool:
        """The ETS reports the debit reversed (2021 answer 1 or 9004 OpStat 97): REVERSED, passing
        through IN_DOUBT from an unanswered state. False when there is nothing to reverse (FAILED
        or already REVERSED)."""
        if self.state not in REVERSIBLE_BY_ETS:
            return False
        if self.state in (S.SENT, S.ACCEPTED):
            self.in_doubt(why)
        self.reversed(at)
        return True

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


def debit_amount(levy_amounts: Iterable[Decimal]) -> Decimal:
    """TraAmt = the sum of the TaxTypeAmt values (§6.2)."""
    return total(levy_amounts)
