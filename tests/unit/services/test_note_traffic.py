"""note_traffic writes the last-traffic row at most once per TRAFFIC_RESOLUTION: every inbound
message notes traffic, and that one row was the hot row of competing PostgreSQL workers."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from gateway.services import status

T0 = dt.datetime(2026, 12, 2, 9, 0, 0)


class CountingState:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    def get(self, key, default=None):
        return self.values.get(key, default)

    def set(self, key, value, now):
        self.writes += 1
        self.values[key] = value


def test_traffic_is_written_once_per_resolution_and_never_goes_stale_longer():
    uow = SimpleNamespace(state=CountingState())
    step = dt.timedelta(seconds=1)
    for i in range(30):
        status.note_traffic(uow, T0 + i * step)
    # 0 s, 10 s, 20 s: three writes for 30 messages a second apart
    assert uow.state.writes == 3
    assert uow.state.values[status.LAST_TRAFFIC] == (T0 + 20 * step).isoformat(timespec="seconds")


def test_a_clock_set_back_or_an_unreadable_value_is_replaced():
    uow = SimpleNamespace(state=CountingState())
    uow.state.values[status.LAST_TRAFFIC] = (T0 + dt.timedelta(hours=1)).isoformat()
    status.note_traffic(uow, T0)  # recorded time is in the future: replaced, not trusted
    assert uow.state.values[status.LAST_TRAFFIC] == T0.isoformat(timespec="seconds")
    uow.state.values[status.LAST_TRAFFIC] = "garbage"
    status.note_traffic(uow, T0)
    assert uow.state.values[status.LAST_TRAFFIC] == T0.isoformat(timespec="seconds")
