"""Reversal of a single debit: 1021 ⇒ 9120 ⇒ 2021 (§6.3)."""

from __future__ import annotations

import datetime as dt

from gateway.domain.commands import ReverseDebit
from gateway.domain.debit import DebitState
from gateway.domain.errors import IllegalTransition
from gateway.domain.events import ReversalAcknowledged, ReversalAnswered
from gateway.domain.text import wire_text
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.handlers.payments import reverse_levies
from gateway.services.serials import new_serial


def reverse_debit(cmd: ReverseDebit, uow: UnitOfWork, ctx: HandlerContext) -> int:
    """Send a 1021 for a SUCCEEDED or IN_DOUBT debit of the current work date."""
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    debit = uow.debits.get(cmd.debit_id)
    day = status.work_date(uow, ctx.options, now)
    debit.ensure_reversible(day)
    if uow.reversals.open_for(debit.id):
        raise IllegalTransition("debit", debit.key, debit.state.value, "REVERSED",
                                "a reversal is already in progress")
    cancel_no = new_serial(uow, "CANCELNO", debit.tax_org_code, day)
    reason = wire_text(cmd.reason, 60) or "操作员冲正"
    reversal_id = uow.reversals.add(debit.id, debit.tax_org_code, day, cancel_no, reason)
    msg_id = uow.messages.send_reversal(debit, cancel_no, day, reason)
    uow.reversals.mark_sent(reversal_id, msg_id,
                            now + dt.timedelta(seconds=ctx.options.timers.ack_9120))
    return reversal_id


def on_reversal_acknowledged(event: ReversalAcknowledged, uow: UnitOfWork,
                             ctx: HandlerContext) -> None:
    """9120 for a 1021: acceptance starts the 2021 timer; a refusal is final and alerted."""
    reversal_id = uow.reversals.id_by_msg_id(event.request_msg_id)
    if reversal_id is None:
        return
    result, add_word = event.result, event.add_word
    r = uow.reversals.get(reversal_id)
    if r.state != "SENT":
        return
    if result == "90000":
        uow.reversals.update(reversal_id, state="ACCEPTED", next_check_at=ctx.now() + dt.timedelta(
            seconds=ctx.options.timers.result_2021))
    else:
        uow.reversals.update(reversal_id, state="REFUSED", answer="", add_word=add_word or result,
                             next_check_at=None)
        uow.alerts.add("WARNING", "reversal", f"冲正 {r.cancel_no} 被ETS拒绝：{result} {add_word}")


def on_reversal_answered(event: ReversalAnswered, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """2021: answer 1 reverses the debit and frees its levies; 2 changes nothing."""
    r = uow.reversals.by_key(event.tax_org_code, event.cancel_date, event.cancel_no)
    if r is None:
        uow.reviews.add("UNMATCHED_2021", f"2021 for unknown reversal {event.cancel_no}",
                        event.tax_org_code, event.cancel_no)
        return
    if r.state in ("DONE", "REFUSED") and r.answer:
        return  # already answered; a repeat changes nothing
    debit = uow.debits.get(r.debit_id)
    if event.reversed:
        if debit.state in (DebitState.SUCCEEDED, DebitState.IN_DOUBT):
            reverse_levies(uow, debit)
            debit.reversed()
            uow.debits.schedule(debit.id, None)
            uow.debits.save(debit, ctx.now())
        uow.reversals.update(r.id, state="DONE", answer="1", add_word=event.add_word,
                             next_check_at=None)
        uow.reversals.close_open_for(debit.id, "reversed by 2021")
    else:
        uow.reversals.update(r.id, state="REFUSED", answer="2", add_word=event.add_word,
                             next_check_at=None)
        uow.alerts.add("WARNING", "reversal",
                       f"冲正被拒绝：{debit.key} {event.add_word}（扣款维持 {debit.state.value}）")


def sweep_reversals(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime, limit: int = 200) -> int:
    """No 9120 or no 2021 in time: query the original (97 = reversed), then resend the same
    1021 at the back-off steps until it is answered or the work date changes (§6.3)."""
    day = status.work_date(uow, ctx.options, now)
    count = 0
    for r in uow.reversals.due(now, limit):
        count += 1
        if r.entrust_date != day:
            uow.reversals.update(r.id, next_check_at=None)  # the 3122 settles it
            continue
        debit = uow.debits.get(r.debit_id)
        if r.query_step % 2 == 0:
            uow.messages.send_status_query(debit.tax_org_code, "0", debit.entrust_date, "00000000",
                                           debit.tra_no)
        else:
            uow.reversals.update(r.id, msg_id=uow.messages.resend(r.msg_id))
        uow.reversals.update(r.id, query_step=r.query_step + 1, next_check_at=now + dt.timedelta(
            seconds=ctx.options.timers.query_delay(r.query_step // 2)))
    return count
