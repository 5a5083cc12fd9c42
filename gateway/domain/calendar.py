"""Clearing days (§7.4) and the monthly batch-list cutoff (§7.6).

A clearing day is a working day under the official calendar, adjusted weekends (调休) included.
The calendar is a table per year of holidays and extra working days; a date in a year the table
does not cover is a clearing day iff it is Monday–Friday. The table itself is loaded by an
adapter (from the chinese-calendar package); the rules live here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClearingCalendar:
    holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = field(default_factory=frozenset)

    def is_clearing_day(self, day: dt.date) -> bool:
        if day.year in self.years:
            if day in self.extra_workdays:
                return True
            if day in self.holidays:
                return False
        return day.weekday() < 5

    def nth_clearing_day_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th clearing day strictly after ``day``."""
        if n < 1:
            raise ValueError("n must be at least 1")
        d, found = day, 0
        while found < n:
            d += dt.timedelta(days=1)
            if self.is_clearing_day(d):
                found += 1
        return d

    def package_deadline(self, entrust_date: dt.date, return_term: int) -> dt.datetime:
        """24:00 at the end of the ReturnTerm-th clearing day after EntrustDate (naive Beijing time)."""
        last = self.nth_clearing_day_after(entrust_date, return_term)
        return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0, 0))


@dataclass(frozen=True)
class CutoffRule:
    """18:00 on the 26th (24th in February), never shifted for weekends or holidays."""

    day: int = 26
    february_day: int = 24
    hour: int = 18

    def cutoff_of(self, year: int, month: int) -> dt.datetime:
        d = self.february_day if month == 2 else self.day
        return dt.datetime(year, month, d, self.hour)

    def previous_cutoff(self, now: dt.datetime) -> dt.datetime:
        """The cutoff of the month before ``now``'s month."""
        y, m = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
        return self.cutoff_of(y, m)

    def eligible(self, activated_at: dt.datetime, run_at: dt.datetime) -> bool:
        """A batch run includes a payer iff its agreement became ACTIVE by the previous cutoff."""
        return activated_at <= self.previous_cutoff(run_at)

    def first_batch_month(self, activated_at: dt.datetime) -> tuple[int, int]:
        """(year, month) of the first batch run that will include an agreement activated then."""
        cut = self.cutoff_of(activated_at.year, activated_at.month)
        y, m = activated_at.year, activated_at.month + (1 if activated_at <= cut else 2)
        while m > 12:
            y, m = y + 1, m - 12
        return y, m

    def after_cutoff(self, activated_at: dt.datetime) -> bool:
        return activated_at > self.cutoff_of(activated_at.year, activated_at.month)


LATE_AGREEMENT_NOTICE = ("税务机关在本月的社保费批量扣费已结束，将从下月开始自动扣费。"
                         "如果您需要缴纳本月的社保费，请通过清缴费款功能自行缴费。")
