"""Async batch package (1102): grouping rule, item limit, deadline and package states (§6.6, §7.3).

A package is one TaxOrgCode and one paying bank; each payer is one item of at most 99 levies; a
package closes at the item limit (3000 by default) or before the next item would pass 4 MiB.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Iterator, Sequence, TypeVar

from gateway.domain import states
from gateway.domain.calendar import ClearingCalendar
from gateway.domain.debit import MAX_LEVIES_PER_DEBIT
from gateway.domain.errors import TooManyItems

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

    def __post_init__(self) -> None:
        if not 1 <= self.return_term <= 10:
            raise ValueError("ReturnTerm is int(1–10)")

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
