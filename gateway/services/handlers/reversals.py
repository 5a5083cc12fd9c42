"""Reversal of a single debit: 1021 ⇒ 9120 ⇒ 2021 (§6.3)."""

from __future__ import annotations

import datetime as dt

from gateway.domain.commands import ReverseDebit
from gateway.domain.errors import IllegalTransition
from gateway.domain.events import ReversalAcknowledged, ReversalAnswered
from gateway.domain.reversal import Reversal, ReversalState
from gateway.domain.text import wire_text
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.handlers.payments import confirm_reversal
from gateway.services.ports import UnitOfWork
from gateway.services.serials import new_serial


def reverse_debit(cmd: ReverseDebit, uow: UnitOfWork, ctx: HandlerContext) -> int:
    """Send a 1021 for a SUCCEEDED or IN_DOUBT debit of the current work date."""
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    debit = uow.debits.get(cmd.debit_id)
    day = status.work_date(uow, ctx.options, now)
    debit.ensure_reversible(day)
    if uow.reversals.open_for(debit.saved_id):
        raise IllegalTransition("debit", debit.key, debit.state.value, "REVERSED",
                                "a reversal is already in progress")
    reason = wire_text(cmd.reason, 60) or "操作员冲正"
    reversal = uow.reversals.add(Reversal(
        id=None, debit_id=debit.saved_id, tax_org_code=debit.tax_org_code, entrust_date=day,
        cancel_no=new_serial(uow, "CANCELNO", debit.tax_org_code, day), reason=reason))
    msg_id = uow.messages.send_reversal(debit, reversal.cancel_no, day, reason)
    reversal.sent(msg_id, now + dt.timedelta(seconds=ctx.options.timers.ack_9120))
    uow.reversals.save(reversal)
    return reversal.saved_id


def on_reversal_acknowledged(event: ReversalAcknowledged, uow: UnitOfWork,
                             ctx: HandlerContext) -> None:
    """9120 for a 1021: acceptance starts the 2021 timer; a refusal is final and alerted."""
    reversal = uow.reversals.by_msg_id(event.request_msg_id)
    if reversal is None or reversal.state is not ReversalState.SENT:
        return
    if event.accepted:
        reversal.accepted(ctx.now() + dt.timedelta(seconds=ctx.options.timers.result_2021))
    else:
        reversal.refused_by_ets(event.result, event.add_word)
        uow.alerts.add("WARNING", "reversal",
                       f"冲正 {reversal.cancel_no} 被ETS拒绝：{event.result} {event.add_word}")
    uow.reversals.save(reversal)


def on_reversal_answered(event: ReversalAnswered, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """2021: answer 1 reverses the debit and frees its levies; 2 changes nothing."""
    reversal = uow.reversals.by_key(event.tax_org_code, event.cancel_date, event.cancel_no)
    if reversal is None:
        uow.reviews.add("UNMATCHED_2021", f"2021 for unknown reversal {event.cancel_no}",
                        event.tax_org_code, event.cancel_no)
        return
    if reversal.answered:
        return  # already answered; a repeat changes nothing
    debit = uow.debits.get(reversal.debit_id)
    reversal.answered_by_bank(event.reversed, event.add_word)
    uow.reversals.save(reversal)
    if event.reversed:
        confirm_reversal(uow, ctx, debit, "reversed by 2021")
    else:
        uow.alerts.add("WARNING", "reversal",
                       f"冲正被拒绝：{debit.key} {event.add_word}（扣款维持 {debit.state.value}）")


def sweep_reversals(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime, limit: int = 200) -> int:
    """No 9120 or no 2021 in time: query the original (97 = reversed), then resend the same
    1021 at the back-off steps until it is answered or the work date changes (§6.3)."""
    day = status.work_date(uow, ctx.options, now)
    count = 0
    for reversal in uow.reversals.due(now, limit):
        count += 1
        if reversal.entrust_date != day:
            reversal.stop_checks()  # the 3122 settles it
        else:
            step = reversal.query_step
            if step % 2 == 0:
                debit = uow.debits.get(reversal.debit_id)
                uow.messages.send_status_query(debit.tax_org_code, "0", debit.entrust_date,
                                               "00000000", debit.tra_no)
            else:
                reversal.resent(uow.messages.resend(reversal.msg_id))
            reversal.check_scheduled(
                now + dt.timedelta(seconds=ctx.options.timers.query_delay(step // 2)), step + 1)
        uow.reversals.save(reversal)
    return count
