"""The gateway's own persistent status: ETS work date, system state and link state (§6.11, §7.5)."""

from __future__ import annotations

import datetime as dt

from gateway.domain.errors import GatewayUnavailable
from gateway.services.options import GatewayOptions
from gateway.services.ports import HasState

WORK_DATE = "work_date"
SYS_STAT = "sys_stat"  # 0 intraday, 1 day switch, 2 maintenance
LINK = "link"  # UP | DOWN
LAST_TRAFFIC = "last_traffic"
LINK_TEST_PENDING = "link_test_msg_id"


def work_date(uow: HasState, options: GatewayOptions, now: dt.datetime) -> dt.date:
    """The last ETS work date adopted; the configured initial value (or today) on first use."""
    text = uow.state.get(WORK_DATE)
    if text:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    day = options.initial_work_date or now.date()
    uow.state.set(WORK_DATE, f"{day:%Y%m%d}", now)
    return day


def ensure_open_for_requests(uow: HasState) -> None:
    """New 1001/1021/9114 requests need the link UP and the ETS intraday (SysStat 0)."""
    if uow.state.get(LINK, "UP") == "DOWN":
        raise GatewayUnavailable("与ETS的链路中断，暂不能发起新的扣款，请稍后再试")
    stat = uow.state.get(SYS_STAT, "0")
    if stat != "0":
        what = "日切" if stat == "1" else "系统维护"
        raise GatewayUnavailable(f"ETS正在{what}，暂不能发起新的业务，请稍后再试")


#: How stale the recorded last traffic may be. Every inbound message notes traffic inside its
#: batch's transaction, and the one gateway_state row it writes was the hot row that serialised
#: (and deadlocked) competing PostgreSQL workers (docs/scaling.md); the link test waits
#: ``timers.link_test_idle_s`` (300 s) of silence, so a 10 s coarser record changes nothing
#: there while it writes the row at most once per 10 s instead of once a second per worker.
TRAFFIC_RESOLUTION = dt.timedelta(seconds=10)


def note_traffic(uow: HasState, now: dt.datetime) -> None:
    last = uow.state.get(LAST_TRAFFIC)
    if last is not None:
        try:
            if dt.timedelta(0) <= now - dt.datetime.fromisoformat(last) < TRAFFIC_RESOLUTION:
                return
        except ValueError:
            pass  # an unreadable value is simply replaced
    uow.state.set(LAST_TRAFFIC, now.isoformat(timespec="seconds"), now)
