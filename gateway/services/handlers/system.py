"""System messages: 9005 link test, 9101 work date and system state, 9120 to a 9005/9003 (§6.11)."""

from __future__ import annotations

import datetime as dt
import logging

from gateway.domain.events import (AcknowledgementUnmatched, DayChanged, LinkTestAcknowledged,
                                    LinkTested, StatusQueryAcknowledged)
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork

log = logging.getLogger(__name__)


def on_link_tested(event: LinkTested, uow: UnitOfWork, ctx: HandlerContext) -> None:
    uow.messages.answer_ack(event.ref, "90000")


def on_day_changed(event: DayChanged, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """Adopt a plausible later work date (never backwards, never a jump) and the system state."""
    now = ctx.now()
    current = status.work_date(uow, ctx.options, now)
    if event.work_date > current:
        if not _plausible_work_date(event.work_date, current, now.date(), ctx):
            # A forged or mistaken 9101 would otherwise move every EntrustDate, reversal window
            # and reconciliation date with it: keep the date and let a person decide.
            window = ctx.options.work_date_window_days
            detail = (f"9101 {event.ref.msg_id} 的工作日 {event.work_date:%Y%m%d} 既不是当前工作日 "
                      f"{current:%Y%m%d} 之后的下一个清算日，也不在今天 {now:%Y%m%d} 前后 {window} 天内；"
                      f"工作日保持 {current:%Y%m%d}（SysStat {event.sys_stat} 未采用）。核实后可用 "
                      "etsgw system work-date --set 更正")
            uow.reviews.add("WORK_DATE_REFUSED", detail, ref=f"{event.work_date:%Y%m%d}")
            uow.alerts.add("CRITICAL", "9101", detail)
            log.critical("9101 work date %s refused (current %s, today %s, msg_id %s)",
                         f"{event.work_date:%Y%m%d}", f"{current:%Y%m%d}", f"{now:%Y%m%d}",
                         event.ref.msg_id)
            return
        uow.state.set(status.WORK_DATE, f"{event.work_date:%Y%m%d}", now)
    elif event.work_date < current:
        # A stale 9101 (messages may overtake one another) changes neither the date nor the
        # system state: the state it carries belongs to a day already left behind.
        uow.alerts.add("WARNING", "9101", f"9101 的工作日 {event.work_date:%Y%m%d} 早于当前工作日 "
                       f"{current:%Y%m%d}，已忽略（SysStat {event.sys_stat}）")
        return
    uow.state.set(status.SYS_STAT, event.sys_stat, now)


def _plausible_work_date(new: dt.date, current: dt.date, today: dt.date,
                         ctx: HandlerContext) -> bool:
    """The next clearing day after ``current`` (an ordinary day switch, holidays skipped), or a
    date within the configured window of today (the gateway was down over several day switches)."""
    if new == ctx.options.calendar.nth_clearing_day_after(current, 1):
        return True
    return abs((new - today).days) <= ctx.options.work_date_window_days


def on_link_test_acknowledged(event: LinkTestAcknowledged, uow: UnitOfWork,
                               ctx: HandlerContext) -> None:
    if event.accepted:
        _link_up(uow, ctx.now())


def on_status_query_acknowledged(event: StatusQueryAcknowledged, uow: UnitOfWork,
                                 ctx: HandlerContext) -> None:
    log.info("9003 %s answered 9120 %s; next back-off step", event.request_msg_id, event.result)


def on_acknowledgement_unmatched(event: AcknowledgementUnmatched, uow: UnitOfWork,
                                 ctx: HandlerContext) -> None:
    uow.reviews.add("UNMATCHED_9120", f"9120 {event.result} for unknown MsgID {event.request_msg_id}")


def _link_up(uow: UnitOfWork, now: dt.datetime) -> None:
    if uow.state.get(status.LINK, "UP") != "UP":
        uow.alerts.add("INFO", "link", "与ETS的链路已恢复")
    uow.state.set(status.LINK, "UP", now)
    uow.state.set(status.LINK_TEST_PENDING, "", now)


def sweep_link(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime) -> int:
    """Send a 9005 after the idle interval; no 9120 within its timer marks the link DOWN.
    Returns the number of 9005 sent (0 or 1)."""
    pending = uow.state.get(status.LINK_TEST_PENDING, "")
    if pending:
        sent_at = dt.datetime.fromisoformat(pending.split("@", 1)[1])
        if now - sent_at >= dt.timedelta(seconds=ctx.options.timers.answer_9005):
            if uow.state.get(status.LINK, "UP") != "DOWN":
                uow.alerts.add("CRITICAL", "link", "链路测试9005超时未应答，链路中断，暂停发起新扣款")
            uow.state.set(status.LINK, "DOWN", now)
            uow.state.set(status.LINK_TEST_PENDING, "", now)
        return 0
    last = uow.state.get(status.LAST_TRAFFIC)
    idle = ctx.options.timers.link_test_idle
    down = uow.state.get(status.LINK, "UP") == "DOWN"
    if down or last is None or now - dt.datetime.fromisoformat(last) >= dt.timedelta(seconds=idle):
        send_link_test(uow, now)
        return 1
    return 0


def send_link_test(uow: UnitOfWork, now: dt.datetime) -> str:
    msg_id = uow.messages.send_link_test()
    uow.state.set(status.LINK_TEST_PENDING, f"{msg_id}@{now.isoformat(timespec='seconds')}", now)
    status.note_traffic(uow, now)
    return msg_id
