"""9101 handling (on_day_changed): the work date moves only to the next clearing day or to a
date near today's; anything else is kept for review with a CRITICAL alert. In-memory unit of
work, the real clearing-day calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.calendar_table import official_calendar
from gateway.domain.events import DayChanged, InboundRef
from gateway.services.context import HandlerContext
from gateway.services.handlers.system import on_day_changed
from gateway.services.options import GatewayOptions


class FakeState:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = dict(values)

    def get(self, key, default=None):
        return self.values.get(key, default)

    def set(self, key, value, now):
        self.values[key] = value


class FakeList:
    def __init__(self) -> None:
        self.items: list[tuple] = []

    def add(self, *args, **kwargs):
        self.items.append((*args, kwargs))


class FakeUnitOfWork:
    def __init__(self, work_date: str, sys_stat: str = "0") -> None:
        self.state = FakeState({"work_date": work_date, "sys_stat": sys_stat})
        self.reviews, self.alerts = FakeList(), FakeList()


def handle(current: str, new: dt.date, today: dt.datetime, stat: str = "0",
           window: int = 3) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(current, sys_stat="1")
    ctx = HandlerContext(GatewayOptions(calendar=official_calendar(), work_date_window_days=window),
                         clock=lambda: today)
    event = DayChanged(InboundRef("9101", "20241105180000000001", "100000000000", "BATCH"), new,
                       stat)
    on_day_changed(event, uow, ctx)
    return uow


@pytest.mark.parametrize("current,new,today", [
    ("20241105", dt.date(2024, 11, 6), dt.datetime(2024, 11, 5, 17)),  # Tue → Wed
    ("20241108", dt.date(2024, 11, 11), dt.datetime(2024, 11, 8, 17)),  # Fri → Mon
    ("20240930", dt.date(2024, 10, 8), dt.datetime(2024, 9, 30, 17)),  # over National Day
    # The gateway was down across several day switches: the clock window lets it catch up.
    ("20241101", dt.date(2024, 11, 12), dt.datetime(2024, 11, 11, 9)),
])
def test_plausible_dates_are_adopted(current, new, today):
    uow = handle(current, new, today)
    assert uow.state.values["work_date"] == f"{new:%Y%m%d}"
    assert uow.state.values["sys_stat"] == "0"
    assert uow.reviews.items == [] and uow.alerts.items == []


@pytest.mark.parametrize("new", [dt.date(2099, 12, 31), dt.date(2024, 11, 20),
                                 dt.date(2024, 11, 7)])
def test_a_jump_keeps_the_date_and_is_reviewed(new):
    """20241107 skips a clearing day and is four days from the clock: refused too."""
    uow = handle("20241105", new, dt.datetime(2024, 11, 3, 17), stat="2", window=3)
    assert uow.state.values["work_date"] == "20241105"
    assert uow.state.values["sys_stat"] == "1"  # the refused 9101's SysStat is not adopted
    (review,) = uow.reviews.items
    assert review[0] == "WORK_DATE_REFUSED" and f"{new:%Y%m%d}" in review[1]
    assert review[-1]["ref"] == f"{new:%Y%m%d}"
    (alert,) = uow.alerts.items
    assert alert[:2] == ("CRITICAL", "9101") and "etsgw system work-date" in alert[2]


def test_the_window_is_configurable():
    today = dt.datetime(2024, 11, 5, 17)
    assert handle("20241105", dt.date(2024, 11, 12), today, window=7).state.values[
        "work_date"] == "20241112"
    assert handle("20241105", dt.date(2024, 11, 12), today, window=3).state.values[
        "work_date"] == "20241105"


def test_a_stale_9101_still_changes_nothing():
    uow = handle("20241106", dt.date(2024, 11, 5), dt.datetime(2024, 11, 6, 9))
    assert uow.state.values == {"work_date": "20241106", "sys_stat": "1"}
    assert [a[0] for a in uow.alerts.items] == ["WARNING"] and uow.reviews.items == []
