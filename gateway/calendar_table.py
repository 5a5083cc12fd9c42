"""The clearing-day table (§7.4) built from the chinese-calendar package.

The package carries the State Council's official holiday and adjusted-working-day (调休) lists
for each year it knows; years it does not know fall back to the Monday–Friday rule of the domain.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from gateway.domain.calendar import ClearingCalendar


@lru_cache(maxsize=1)
def official_calendar() -> ClearingCalendar:
    import chinese_calendar

    holidays = {d for d in chinese_calendar.holidays if isinstance(d, dt.date)}
    workdays = {d for d in chinese_calendar.workdays if isinstance(d, dt.date)}
    # Only weekday holidays and weekend working days differ from the Monday–Friday rule.
    weekday_holidays = frozenset(d for d in holidays if d.weekday() < 5)
    weekend_workdays = frozenset(d for d in workdays if d.weekday() >= 5)
    years = frozenset(d.year for d in holidays)
    return ClearingCalendar(holidays=weekday_holidays, extra_workdays=weekend_workdays, years=years)
