"""Single real-time debit (1001 ⇒ 9120 ⇒ 2001) and its in-doubt resolution (§6.2, §7.2)."""

from __future__ import annotations

import datetime as dt
import logging

from gateway.domain.commands import QueryDebitStatus, SubmitDebit
from gateway.domain.debit import Debit, DebitKind, DebitState, debit_amount
from gateway.domain.entity import require_id
from gateway.domain.errors import AgreementNotActive, IllegalTransition, TooManyInFlight
from gateway.domain.events import DebitAcknowledged, DebitAnswered, StatusReported
from gateway.domain.results import ResultClass, classify
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.handlers.payments import (apply_failure, apply_success, confirm_reversal,
                                                ids_of, owner_of, payable_levies)
from gateway.services.ports import UnitOfWork
from gateway.services.serials import new_serial, new_voucher_no

log = logging.getLogger(__name__)

_OPSTAT_FAILURES = {"21": "银行扣款失败", "11": "ETS拒绝或未能转发", "99": "ETS已作废"}


def _seconds(n: int) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def submit_debit(cmd: SubmitDebit, uow: UnitOfWork, ctx: HandlerContext) -> Debit:
    """Lock the levies, write the debit and its 1001 in one transaction."""
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    check_in_flight(uow.debits.count_unresolved(DebitKind.SINGLE), ctx)
    return submit_one(cmd, uow, ctx, now)


def check_in_flight(unresolved: int, ctx: HandlerContext) -> None:
    if unresolved >= ctx.options.max_in_flight:
        raise TooManyInFlight(f"在途实时扣款已达上限 {ctx.options.max_in_flight} 笔，请稍后再试")


def submit_one(cmd: SubmitDebit, uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime,
               owners: frozenset[int] | None = None) -> Debit:
    """The rules and writes of one debit once the gateway is open and below its limit; every
    refusal is raised before anything is written. ``owners``: the payers whose levies this
    payer pays over its own agreement (paying for others); by default the payer's own."""
    payer = uow.payers.get(cmd.payer_id)
    levies, org = payable_levies(uow, payer, cmd.levy_ids, "扣款", for_update=True, owners=owners)
    agreement = uow.agreements.active_for_payer(require_id(payer.id, "payer"))
    if agreement is None:
        raise AgreementNotActive("该缴费人没有有效的三方协议，请先签订并验证协议")
    route = uow.routes.get(org)
    day = status.work_date(uow, ctx.options, now)
    debit = uow.debits.add(Debit(
        id=None, kind=DebitKind.SINGLE, tax_org_code=org, entrust_date=day,
        tra_no=new_serial(uow, "TRANO", org, day), tax_vou_no=new_voucher_no(uow, org, day),
        payer_id=require_id(payer.id, "payer"), amount=debit_amount(lv.amount for lv in levies),
        levy_ids=ids_of(levies), levy_amounts=tuple(lv.amount for lv in levies),
        agreement_id=agreement.id))
    for levy in levies:
        levy.lock(owner_of(debit), f"1001 {debit.key} by {cmd.requested_by}")
    uow.levies.save(levies)
    msg_id = uow.messages.send_debit(debit, agreement, payer, levies, route)
    debit.sent(msg_id, now, now + _seconds(ctx.options.timers.ack_9120))
    uow.debits.save(debit)
    return debit


def on_debit_acknowledged(event: DebitAcknowledged, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """9120 for a 1001: acceptance starts the 2001 timer (from when the 1001 was sent); a refusal
    fails the debit."""
    debit = uow.debits.by_msg_id(event.request_msg_id)
    if debit is None:
        return
    if event.accepted:
        if debit.state is DebitState.SENT:
            sent_at = debit.sent_at or ctx.now()
            debit.accepted(sent_at + _seconds(ctx.options.timers.result_2001))
            uow.debits.save(debit)
        return  # a late 9120 90000 changes nothing (§7.2)
    if debit.unresolved:
        apply_failure(uow, ctx, debit, event.result, event.add_word)


def on_debit_answered(event: DebitAnswered, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """2001: success pays, a final failure unlocks, anything else is IN_DOUBT (§6.2 rule 4)."""
    debit = uow.debits.by_key(event.tax_org_code, event.entrust_date, event.tra_no)
    if debit is None or debit.kind is not DebitKind.SINGLE or debit.tax_vou_no != event.tax_vou_no:
        why = "unknown key" if debit is None else "TaxVouNo differs"
        uow.reviews.add("UNMATCHED_2001", f"2001 {event.tax_org_code}/{event.entrust_date:%Y%m%d}/"
                        f"{event.tra_no} {event.result} ({why})", event.tax_org_code, event.tra_no)
        return
    resolve(uow, ctx, debit, classify(event.result), event.result, event.add_word,
            event.tax_date or debit.entrust_date)


def resolve(uow: UnitOfWork, ctx: HandlerContext, debit: Debit, klass: ResultClass, code: str,
            add_word: str, tax_date: dt.date) -> None:
    """Apply a result from any source (2001, 9004, 3122) to a single debit."""
    if debit.state is DebitState.REVERSED:
        log.info("result %s for reversed debit %s ignored", code, debit.key)
        return
    if klass is ResultClass.SUCCESS:
        if debit.state is not DebitState.SUCCEEDED:
            apply_success(uow, ctx, debit, tax_date, code)
    elif not debit.unresolved:
        return  # a failure or an unknown code never overrides a final result
    elif klass is ResultClass.FAILURE:
        apply_failure(uow, ctx, debit, code, add_word)
    else:
        debit.unknown_result(code, add_word, _first_query_at(ctx))
        uow.debits.save(debit)


def _first_query_at(ctx: HandlerContext) -> dt.datetime:
    return ctx.now() + _seconds(ctx.options.timers.query_delay(0))


def on_single_status(event: StatusReported, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """9004 for a single debit (§7.2 table)."""
    debit = uow.debits.by_key(event.tax_org_code, event.ori_entrust_date, event.ori_tra_no)
    if debit is None:
        uow.reviews.add("UNMATCHED_9004", f"9004 for unknown debit {event.ori_tra_no}",
                        event.tax_org_code, event.ori_tra_no)
        return
    op = event.op_stat
    if op == "20":
        resolve(uow, ctx, debit, ResultClass.SUCCESS, "90000", "", event.chk_date)
    elif op in _OPSTAT_FAILURES:
        resolve(uow, ctx, debit, ResultClass.FAILURE, f"OPSTAT{op}", _OPSTAT_FAILURES[op],
                event.chk_date)
    elif op == "97":
        # §6.3: OpStat 97 means it was reversed; an open 1021 needs no more resends.
        confirm_reversal(uow, ctx, debit, "9004 OpStat 97")
    elif op == "98":
        _resend_once(uow, ctx, debit)


def _resend_once(uow: UnitOfWork, ctx: HandlerContext, debit: Debit) -> None:
    """OpStat 98: the debit never arrived; resend the same 1001 once on its own work date."""
    if debit.state is not DebitState.IN_DOUBT:
        return
    now = ctx.now()
    day = status.work_date(uow, ctx.options, now)
    if debit.resent or day != debit.entrust_date:
        return
    old_msg_id = debit.msg_id
    debit.resend_after_not_found(day)
    debit.sent(uow.messages.resend(old_msg_id), now, now + _seconds(ctx.options.timers.ack_9120))
    uow.debits.save(debit)


def query_debit_status(cmd: QueryDebitStatus, uow: UnitOfWork, ctx: HandlerContext) -> str:
    """A 9003 SearchType 0 (one transaction) for a single real-time debit. A batch item is asked
    about through its package (SearchType 1), so it is refused here rather than misnamed."""
    debit = uow.debits.get(cmd.debit_id)
    if debit.kind is DebitKind.BATCH_ITEM:
        raise IllegalTransition("debit", debit.key, debit.state.value, "QUERIED",
                                "批量扣款明细请通过所在批量包查询（9003 包查询）")
    return uow.messages.send_status_query(debit.tax_org_code, "0", debit.entrust_date, "00000000",
                                          debit.tra_no)


def sweep_debits(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime, limit: int = 500) -> int:
    """Answer timers of single debits: no 9120 / no 2001 in time → IN_DOUBT."""
    count = 0
    for debit in uow.debits.due(now, DebitKind.SINGLE, limit, in_doubt=False):
        count += 1
        why = "no 9120 in time" if debit.state is DebitState.SENT else "no 2001 in time"
        debit.in_doubt(why, _first_query_at(ctx))
        uow.debits.save(debit)
    return count


def sweep_in_doubt(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime,
                   limit: int = 500) -> int:
    """IN_DOUBT single debits whose next check is due: 9003 on the back-off (§7.2)."""
    count = 0
    day = status.work_date(uow, ctx.options, now)
    for debit in uow.debits.due(now, DebitKind.SINGLE, limit, in_doubt=True):
        count += 1
        if debit.entrust_date >= day:
            uow.messages.send_status_query(debit.tax_org_code, "0", debit.entrust_date, "00000000",
                                           debit.tra_no)
            step = debit.query_step + 1
            debit.query_scheduled(now + _seconds(ctx.options.timers.query_delay(step)), step)
        else:
            debit.stop_checks()  # the 3122 of that date decides (§7.2 rule 4)
        uow.debits.save(debit)
    return count


__all__ = ["submit_debit", "submit_one", "check_in_flight", "on_debit_acknowledged", "on_debit_answered",
           "on_single_status",
           "query_debit_status", "sweep_debits", "sweep_in_doubt", "resolve"]
