"""Bank-counter payment: voucher printing, 2091 ⇒ 1009 and 2108 ⇒ 9120 (§6.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.domain.commands import IssueCounterVoucher
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.events import CounterPaid, CounterQueried
from gateway.domain.levy import Levy, LevyState, LockKind, LockOwner, PaymentOutcome
from gateway.domain.money import total
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.handlers.payments import payable_levies
from gateway.services.serials import new_voucher_no


def issue_counter_voucher(cmd: IssueCounterVoucher, uow: UnitOfWork, ctx: HandlerContext) -> str:
    """Print a 银行端查询缴款凭证 for UNPAID levies of one payer and one office; locks nothing."""
    payer = uow.payers.get(cmd.payer_id)
    levies, org = payable_levies(uow, payer, cmd.levy_ids, "缴款凭证")
    day = status.work_date(uow, ctx.options, ctx.now())
    vou = new_voucher_no(uow, org, day)
    uow.vouchers.add(vou, org, payer.id, [lv.id for lv in levies], total(lv.amount for lv in levies))
    return vou


def _owner(voucher_id: int) -> LockOwner:
    return LockOwner(LockKind.COUNTER, str(voucher_id))


def on_counter_queried(event: CounterQueried, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """Answer a 2091 with a 1009 and reserve the voucher's levies for the reservation period."""
    v = uow.vouchers.by_no(event.tax_vou_no)
    payer = uow.payers.get(v.payer_id) if v else None
    if v is None or v.tax_org_code != event.tax_org_code or payer.tax_pay_code != event.tax_pay_code:
        uow.messages.answer_counter_query(event.ref, event, "24023", "缴款凭证不存在或信息不符", None, [], None)
        return
    levies: list[Levy] = uow.levies.get_many(v.levy_ids, for_update=True)
    owner = _owner(v.id)
    if any(lv.state in (LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED) for lv in levies):
        uow.messages.answer_counter_query(event.ref, event, "24023", "应征已缴款或已作废", None, [], None)
        return
    if any(lv.state is LevyState.LOCKED and lv.lock_owner != owner for lv in levies):
        uow.messages.answer_counter_query(event.ref, event, "24021", "应征正在其他缴款中", None, [], None)
        return
    until = ctx.now() + dt.timedelta(seconds=ctx.options.timers.counter_reservation)
    for levy in levies:
        levy.lock(owner, f"counter query {event.bank_no}/{event.query_no}", until=until)
    uow.levies.save(levies)
    uow.vouchers.reserve(v.id, until)
    uow.messages.answer_counter_query(event.ref, event, "90000", "", payer, levies, v.total)


def on_counter_paid(event: CounterPaid, uow: UnitOfWork, ctx: HandlerContext) -> str:
    """Check a 2108 in the order of §6.4 rule 2 and answer 9120; returns the result code."""
    v = uow.vouchers.by_no(event.tax_vou_no)
    if event.result != "90000":
        if v is not None:
            _release(uow, v, f"2108 result {event.result}")
        uow.messages.answer_ack(event.ref, "90000")
        return "90000"
    levies = uow.levies.get_many(v.levy_ids, for_update=True) if v else []
    owner = _owner(v.id) if v else None
    if v is None or any(lv.state in (LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED)
                        for lv in levies):
        code, word = "24023", "缴款凭证不存在或应征已缴款"
    elif event.amount != v.total:
        code, word = "24022", f"金额不符：凭证 {v.total}，实缴 {event.amount}"
    elif any(lv.state is LevyState.LOCKED and lv.lock_owner != owner for lv in levies):
        code, word = "24021", "应征正在其他缴款中"
    else:
        code, word = "90000", ""
    if code != "90000":
        uow.reviews.add("REFUSED_2108", f"2108 {event.bank_no}/{event.entrust_date:%Y%m%d}/{event.tra_no} "
                        f"凭证 {event.tax_vou_no}：{code} {word}", v.tax_org_code if v else "",
                        event.tax_vou_no, event.amount)
        uow.messages.answer_ack(event.ref, code, word)
        return code
    debit = Debit(id=None, kind=DebitKind.COUNTER, tax_org_code=v.tax_org_code,
                  entrust_date=event.entrust_date, tra_no=event.tra_no, tax_vou_no=event.tax_vou_no,
                  payer_id=v.payer_id, amount=event.amount, levy_ids=tuple(lv.id for lv in levies))
    uow.debits.add(debit, originator=event.bank_no, agreement_id=None,
                   levy_amounts=[lv.amount for lv in levies])
    debit.succeeded(event.tax_date)
    uow.debits.save(debit, ctx.now())
    uow.debits.set_chk_date(debit.id, event.work_date)
    for levy in levies:
        if levy.state is LevyState.LOCKED:  # our own reservation: pay under the voucher's owner
            outcome = levy.apply_success(owner, event.tax_date)
        else:
            outcome = levy.apply_success(LockOwner(LockKind.COUNTER, str(v.id)), event.tax_date)
        assert outcome is PaymentOutcome.APPLIED
    uow.levies.save(levies)
    uow.vouchers.paid(v.id)
    uow.messages.answer_ack(event.ref, "90000")
    return "90000"


def _release(uow: UnitOfWork, v, why: str) -> None:
    owner = _owner(v.id)
    levies = uow.levies.get_many(v.levy_ids, for_update=True)
    held = [lv for lv in levies if lv.state is LevyState.LOCKED and lv.lock_owner == owner]
    for levy in held:
        levy.unlock(owner, why)
    uow.levies.save(held)
    uow.vouchers.reserve(v.id, None)


def sweep_reservations(uow: UnitOfWork, now: dt.datetime, limit: int = 500) -> int:
    """Reservations whose period ended without a 2108 return their levies to UNPAID."""
    expired = uow.vouchers.expired(now, limit)
    for v in expired:
        _release(uow, v, "counter reservation lapsed")
    return len(expired)


def voucher_total(levies: list[Levy]) -> Decimal:
    return total(lv.amount for lv in levies)
