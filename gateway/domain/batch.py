"""Async batch package (1102): grouping rule, item limit, deadline and package states (§6.6, §7.3).

A package is one TaxOrgCode and one paying bank; each payer is one item of at most 99 levies; a
package closes at the item limit (3000 by default) or before the next item would pass 4 MiB.
The package owns its timer (``next_check_at``: the 9121 receipt wait, then the 9003 back-off
while no receipt came) and its deadline; the 2102 rules per item are in :mod:`package`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Iterable, Iterator, Sequence, TypeVar

from gateway.domain import states
from gateway.domain.calendar import ClearingCalendar
from gateway.domain.debit import MAX_LEVIES_PER_DEBIT
from gateway.domain.errors import IllegalTransition, TooManyItems
from gateway.domain.money import money

DEFAULT_MAX_ITEMS = 3000
T = TypeVar("T")


class PackageState(StrEnum):
    SENT = "SENT"  # 1102 put, items SENT, levies LOCKED
    ACCEPTED = "ACCEPTED"  # 9121 90000
    ANSWERED = "ANSWERED"  # 2102 applied
    FAILED = "FAILED"  # refused (9121 error, 9122, query 11/21/99) or deadline passed
    STOPPED = "STOPPED"  # 2123 StopType 1 answered 1


P = PackageState
TRANSITIONS: states.Table = {
    P.SENT: frozenset({P.ACCEPTED, P.ANSWERED, P.FAILED, P.STOPPED}),
    P.ACCEPTED: frozenset({P.ANSWERED, P.FAILED, P.STOPPED}),
    P.FAILED: frozenset({P.ANSWERED}),  # a late 2102 is still applied (§6.6 rule 6)
    P.ANSWERED: frozenset(),
    P.STOPPED: frozenset(),
}
# States in which a package still waits for its outcome (2102, 9122, 2123 or the deadline).
OPEN = frozenset({P.SENT, P.ACCEPTED})


@dataclass
class Package:
    id: int | None
    tax_org_code: str
    entrust_date: dt.date
    pack_no: str
    pay_bk_code: str
    item_count: int
    return_term: int = 1
    state: PackageState = PackageState.SENT
    resent: bool = False
    total_amount: Decimal = Decimal("0.00")
    batch_id: int | None = None
    deadline_at: dt.datetime | None = None
    msg_id: str = ""
    next_check_at: dt.datetime | None = None
    query_step: int = 0
    result_code: str = ""
    reason: str = ""
    succ_num: int = 0
    succ_amt: Decimal = Decimal("0.00")
    late: bool = False  # a 2102 applied after the package had been failed (§6.6 rule 6)

    def __post_init__(self) -> None:
        if not 1 <= self.return_term <= 10:
            raise ValueError("ReturnTerm is int(1–10)")
        self.total_amount = money(self.total_amount)
        self.succ_amt = money(self.succ_amt)

    @property
    def open(self) -> bool:
        return self.state in OPEN

    def sent(self, msg_id: str, receipt_due: dt.datetime, deadline: dt.datetime) -> None:
        """The 1102 is in the outbox: wait for the 9121 until ``receipt_due``."""
        self.msg_id, self.next_check_at, self.query_step = msg_id, receipt_due, 0
        self.deadline_at = deadline

    def accepted(self, result_check_before: dt.timedelta = dt.timedelta(0)) -> bool:
        """9121 90000, or a 9004 OpStat 10/20: no more receipt queries. False if nothing changed.

        One result check stays scheduled ``result_check_before`` the deadline (none when zero):
        a 2102 lost on its way is then resent by the ETS (§6.10 "2102 redelivery") while the
        package can still be answered, instead of the package failing at its deadline."""
        if self.state is not P.SENT:
            return False
        self.go(P.ACCEPTED, "receipt 90000")
        self.next_check_at = None
        if self.deadline_at is not None and result_check_before > dt.timedelta(0):
            self.next_check_at = self.deadline_at - result_check_before
        self.query_step = 0
        return True

    def result_check_due(self, now: dt.datetime) -> bool:
        """An accepted package whose one pre-deadline 9003 is due (see :meth:`accepted`)."""
        return (self.state is P.ACCEPTED and self.next_check_at is not None
                and now >= self.next_check_at and not self.past_deadline(now))

    def result_checked(self) -> None:
        self.next_check_at = None

    def failed(self, code: str, reason: str) -> None:
        """Refused (9121 error, 9122, 9004 11/21/99) or past its deadline: every item FAILED."""
        self.go(P.FAILED, f"{code} {reason}".strip())
        self.result_code, self.reason, self.next_check_at = code, reason, None

    def answered(self, code: str, add_word: str, succ_num: int, succ_amt: Decimal) -> None:
        """A 2102 was applied (late when the package had already failed or been stopped)."""
        self.late = self.state in (P.FAILED, P.STOPPED)
        self.go(P.ANSWERED, f"2102 {code}")
        self.result_code, self.reason, self.next_check_at = code, add_word, None
        self.succ_num, self.succ_amt = succ_num, money(succ_amt)

    def stopped(self) -> None:
        """2123 StopAnswer 1 to a whole-package stop."""
        self.go(P.STOPPED, "2123 stopped")
        self.next_check_at = None

    def query_scheduled(self, at: dt.datetime, step: int) -> None:
        self.next_check_at, self.query_step = at, step

    def resend_after_not_found(self) -> None:
        """9004 OpStat 98: the same package once more (same PackNo, new MsgID, §7.3)."""
        if self.resent:
            raise IllegalTransition("package", self.key, self.state.value, self.state.value,
                                    "already re-put once")
        self.resent = True

    def past_deadline(self, now: dt.datetime) -> bool:
        return self.open and self.deadline_at is not None and now >= self.deadline_at

    @property
    def key(self) -> str:
        return f"{self.tax_org_code}/{self.entrust_date:%Y%m%d}/{self.pack_no}"

    def go(self, target: PackageState, why: str = "") -> None:
        states.check(TRANSITIONS, "package", self.key, self.state, target, why=why)
        self.state = target

    def deadline(self, calendar: ClearingCalendar) -> dt.datetime:
        return calendar.package_deadline(self.entrust_date, self.return_term)


def chunk_levies(levy_ids: Sequence[T], size: int = MAX_LEVIES_PER_DEBIT) -> list[Sequence[T]]:
    """A payer with more than 99 levies gets several debits or items."""
    return [levy_ids[i:i + size] for i in range(0, len(levy_ids), size)]


def split_packages(items: Iterable[T], max_items: int = DEFAULT_MAX_ITEMS) -> Iterator[list[T]]:
    """Group items into packages of at most ``max_items`` (the byte limit is applied by the codec)."""
    if max_items < 1:
        raise TooManyItems("a package holds at least one item")
    pack: list[T] = []
    for item in items:
        pack.append(item)
        if len(pack) == max_items:
            yield pack
            pack = []
    if pack:
        yield pack
