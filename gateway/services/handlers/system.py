"""System messages: 9005 link test, 9101 work date and system state, 9120 dispatch (§6.11)."""

from __future__ import annotations

import datetime as dt
import logging

from gateway.domain.events import DayChanged, EtsAcknowledged, LinkTested
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.handlers import agreements, debits, reversals

log = logging.getLogger(__name__)


def on_link_tested(event: LinkTested, uow: UnitOfWork, ctx: HandlerContext) -> None:
    uow.messages.answer_ack(event.ref, "90000")


def on_day_changed(event: DayChanged, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """Adopt a later work date (never move backwards) and the ETS system state."""
    now = ctx.now()
    current = status.work_date(uow, ctx.options, now)
    if event.work_date > current:
        uow.state.set(status.WORK_DATE, f"{event.work_date:%Y%m%d}", now)
    elif event.work_date < current:
        # A stale 9101 (messages may overtake one another) changes neither the date nor the
        # system state: the state it carries belongs to a day already left behind.
        uow.alerts.add("WARNING", "9101", f"9101 的工作日 {event.work_date:%Y%m%d} 早于当前工作日 "
                       f"{current:%Y%m%d}，已忽略（SysStat {event.sys_stat}）")
        return
    uow.state.set(status.SYS_STAT, event.sys_stat, now)


def on_acknowledged(event: EtsAcknowledged, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """A 9120 is matched to our request by MsgRef (the request's MsgID)."""
    request = uow.messages.request_of(event.ori_msg_id)
    if request is None:
        uow.reviews.add("UNMATCHED_9120", f"9120 {event.result} for unknown MsgID {event.ori_msg_id}")
        return
    msg_no, key = request
    if msg_no != event.ori_msg_no:
        uow.alerts.add("WARNING", "9120", f"9120 OriMsgNo {event.ori_msg_no} ≠ {msg_no} of {event.ori_msg_id}")
    if msg_no == "1001":
        debit = uow.debits.by_msg_id(event.ori_msg_id)
        if debit is not None:
            debits.on_debit_acknowledged(uow, ctx, debit, event.result, event.add_word)
    elif msg_no == "1021":
        reversal_id = uow.reversals.id_by_msg_id(event.ori_msg_id)
        if reversal_id is not None:
            reversals.on_reversal_acknowledged(uow, ctx, reversal_id, event.result, event.add_word)
    elif msg_no == "9114":
        vid = uow.verifications.id_by_msg_id(event.ori_msg_id)
        if vid is not None and event.result != "90000":
            agreements.on_verification_refused(uow, vid, event.result, event.add_word)
    elif msg_no == "9005":
        if event.result == "90000":
            _link_up(uow, ctx.now())
    elif msg_no == "9003":
        log.info("9003 %s answered 9120 %s; next back-off step", key, event.result)


def _link_up(uow: UnitOfWork, now: dt.datetime) -> None:
    if uow.state.get(status.LINK, "UP") != "UP":
        uow.alerts.add("INFO", "link", "与ETS的链路已恢复")
    uow.state.set(status.LINK, "UP", now)
    uow.state.set(status.LINK_TEST_PENDING, "", now)


def sweep_link(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime) -> None:
    """Send a 9005 after the idle interval; no 9120 within its timer marks the link DOWN."""
    pending = uow.state.get(status.LINK_TEST_PENDING, "")
    if pending:
        sent_at = dt.datetime.fromisoformat(pending.split("@", 1)[1])
        if now - sent_at >= dt.timedelta(seconds=ctx.options.timers.answer_9005):
            if uow.state.get(status.LINK, "UP") != "DOWN":
                uow.alerts.add("CRITICAL", "link", "链路测试9005超时未应答，链路中断，暂停发起新扣款")
            uow.state.set(status.LINK, "DOWN", now)
            uow.state.set(status.LINK_TEST_PENDING, "", now)
        return
    last = uow.state.get(status.LAST_TRAFFIC)
    idle = ctx.options.timers.link_test_idle
    down = uow.state.get(status.LINK, "UP") == "DOWN"
    if down or last is None or now - dt.datetime.fromisoformat(last) >= dt.timedelta(seconds=idle):
        send_link_test(uow, now)


def send_link_test(uow: UnitOfWork, now: dt.datetime) -> str:
    msg_id = uow.messages.send_link_test()
    uow.state.set(status.LINK_TEST_PENDING, f"{msg_id}@{now.isoformat(timespec='seconds')}", now)
    status.note_traffic(uow, now)
    return msg_id
