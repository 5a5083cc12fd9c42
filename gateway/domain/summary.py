"""Daily summaries and monthly reports: the vocabulary and the rules that stay the same
whatever database computes them.

Readings taken (issue 14 items 3 and 4), each kept here in one place:

* **应征 (levied)** counts a levy on the day it came into being (its declaration, ``created_at``,
  which declaring stamps with the business clock's Beijing time), VOIDED levies excluded.
* **入库 (received)** counts a levy in :data:`RECEIVED_STATES` (PAID or SETTLED) on its
  ``tax_date``. Until reconciliation (3122) settles levies, PAID is the gateway's best knowledge
  of money that reached the treasury; SETTLED joins it once the reconciliation moves levies there.
* **Channel** follows the payment that paid the levy (its lock owner kind, ``paid_by``):
  a single or real-time batch 1001 is REALTIME, an item of a 1102 package BATCH, a 2108 COUNTER;
  anything else (migrated data, the demo's DEMO) is OTHER.
* **户次/人次**: per summary row, the payers with a levy in it (户次) and their insured persons
  (人次: a unit counts its insured persons, an individual counts one).
* Industry and registration type are not in the data (payers carry neither), so they are no
  dimension yet.
* **Arrears (欠费)**: levies UNPAID or LOCKED whose fee period ended before the as-of day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from gateway.domain.errors import DomainError
from gateway.domain.levy import LevyState, LockKind


class Measure(StrEnum):
    LEVIED = "LEVIED"  # 应征
    RECEIVED = "RECEIVED"  # 入库


class Channel(StrEnum):
    REALTIME = "REALTIME"
    BATCH = "BATCH"
    COUNTER = "COUNTER"
    OTHER = "OTHER"


CHANNEL_LABELS = {Channel.REALTIME: "实时扣款", Channel.BATCH: "批量扣款",
                  Channel.COUNTER: "柜面缴款", Channel.OTHER: "其他", "": ""}
MEASURE_LABELS = {Measure.LEVIED: "应征", Measure.RECEIVED: "入库"}
RECEIVED_STATES = (LevyState.PAID.value, LevyState.SETTLED.value)
ARREARS_STATES = (LevyState.UNPAID.value, LevyState.LOCKED.value)
EXCLUDED_FROM_LEVIED = (LevyState.VOIDED.value,)
# paid_by is "<LockKind>:<ref>" (gateway.domain.levy.LockOwner); its prefix names the channel.
CHANNEL_OF_LOCK = {LockKind.DEBIT: Channel.REALTIME, LockKind.BATCH_ITEM: Channel.BATCH,
                   LockKind.COUNTER: Channel.COUNTER}

# Reports go upward one level at a time: 区县 → 市 → 省.
REPORTING_LEVELS = ("DISTRICT", "CITY", "PROVINCE")
MONTHLY = "MONTHLY"


class ReportFrozen(DomainError):
    """该版本报表已上报，已冻结为只读 / a submitted report version is read-only."""

    rule = "report.frozen"


class NotReportOwner(DomainError):
    """只有本机关负责人可以上报本机关的报表 / only the office's head submits its report."""

    rule = "report.owner"


class InvalidMonth(DomainError):
    """月份格式应为 YYYY-MM / a month is written YYYY-MM."""

    rule = "report.month"


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh changed inside its scope (nothing outside it changes)."""

    run_id: int
    tax_org_code: str
    date_from: dt.date
    date_to: dt.date
    rows_before: int
    rows_after: int
    levied_before: Decimal
    levied_after: Decimal
    received_before: Decimal
    received_after: Decimal

    def __str__(self) -> str:
        return (f"summary run {self.run_id} {self.tax_org_code or 'ALL'} "
                f"{self.date_from}..{self.date_to}: rows {self.rows_before}->{self.rows_after}, "
                f"levied {self.levied_before}->{self.levied_after}, "
                f"received {self.received_before}->{self.received_after}")


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` → its first and last day."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise InvalidMonth(f"月份格式应为 YYYY-MM：{month!r}") from exc
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_before(month: str, n: int) -> list[str]:
    """The ``n`` months before ``month``, oldest first."""
    first, _ = month_bounds(month)
    index = first.year * 12 + first.month - 1
    return [f"{(i // 12):04d}-{(i % 12 + 1):02d}" for i in range(index - n, index)]


Row = dict[str, Any]


@dataclass(frozen=True)
class ReportVersionInfo:
    id: int
    report: str
    month: str
    tax_org_code: str
    version: int
    state: str
    parent_code: str


@dataclass(frozen=True)
class Arrears:
    """A payer's overdue levies, for a reminder."""

    payer_id: int
    tax_org_code: str
    payer_name: str
    levies: int
    amount: Decimal


def report_diff(submitted: list[Row], current: list[Row], key: tuple[str, ...],
                figures: tuple[str, ...]) -> list[Row]:
    """Rows whose figures differ between the submitted version and the current one (a row
    present in only one counts as zero in the other); each with ``<figure>_was`` and
    ``<figure>_delta``."""
    def index(rows: list[Row]) -> dict[tuple[Any, ...], Row]:
        return {tuple(r[k] for k in key): r for r in rows}
    old, new = index(submitted), index(current)
    out = []
    for k in sorted(set(old) | set(new)):
        was, now = old.get(k, {}), new.get(k, {})
        changed = {f: (Decimal(str(was.get(f, 0))), Decimal(str(now.get(f, 0)))) for f in figures}
        if all(a == b for a, b in changed.values()):
            continue
        row = dict(now or was)
        for f, (a, b) in changed.items():
            row[f], row[f + "_was"], row[f + "_delta"] = b, a, b - a
        out.append(row)
    return out
