"""Bank-counter payment: voucher printing, 2091 ⇒ 1009 and 2108 ⇒ 9120 (§6.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.domain.commands import IssueCounterVoucher
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.events import CounterPaid, CounterQueried
from gateway.domain.levy import Levy, LevyState, PaymentOutcome
from gateway.domain.money import total
from gateway.domain.voucher import CounterVoucher
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.handlers.payments import ids_of, payable_levies
from gateway.services.ports import UnitOfWork
from gateway.services.serials import new_voucher_no

_SPENT = (LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED)


def issue_counter_voucher(cmd: IssueCounterVoucher, uow: UnitOfWork, ctx: HandlerContext) -> str:
    """Print a 银行端查询缴款凭证 for UNPAID levies of one payer and one office; locks nothing."""
    payer = uow.payers.get(cmd.payer_id)
    levies, org = payable_levies(uow, payer, cmd.levy_ids, "缴款凭证")
    day = status.work_date(uow, ctx.options, ctx.now())
    voucher = uow.vouchers.add(CounterVoucher(
        id=None, tax_vou_no=new_voucher_no(uow, org, day), tax_org_code=org,
        payer_id=cmd.payer_id, levy_ids=ids_of(levies), total=voucher_total(levies)))
    return voucher.tax_vou_no


def on_counter_queried(event: CounterQueried, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """Answer a 2091 with a 1009 and reserve the voucher's levies for the reservation period."""
    v = uow.vouchers.by_no(event.tax_vou_no)
    payer = uow.payers.get(v.payer_id) if v else None
    if (v is None or payer is None or v.tax_org_code != event.tax_org_code
            or payer.tax_pay_code != event.tax_pay_code):
        uow.messages.answer_counter_query(event.ref, event, "24023", "缴款凭证不存在或信息不符", None, [], None)
        return
    levies = uow.levies.get_many(v.levy_ids, for_update=True)
    if any(lv.state in _SPENT for lv in levies):
        uow.messages.answer_counter_query(event.ref, event, "24023", "应征已缴款或已作废", None, [], None)
        return
    if any(lv.state is LevyState.LOCKED and lv.lock_owner != v.owner for lv in levies):
        uow.messages.answer_counter_query(event.ref, event, "24021", "应征正在其他缴款中", None, [], None)
        return
    until = ctx.now() + dt.timedelta(seconds=ctx.options.timers.counter_reservation)
    for levy in levies:
        levy.lock(v.owner, f"counter query {event.bank_no}/{event.query_no}", until=until)
    uow.levies.save(levies)
    v.reserve(until)
    uow.vouchers.save(v)
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
    if v is None or any(lv.state in _SPENT for lv in levies):
        code, word = "24023", "缴款凭证不存在或应征已缴款"
    elif event.amount != v.total:
        code, word = "24022", f"金额不符：凭证 {v.total}，实缴 {event.amount}"
    elif any(lv.state is LevyState.LOCKED and lv.lock_owner != v.owner for lv in levies):
        code, word = "24021", "应征正在其他缴款中"
    else:
        code, word = "90000", ""
    if v is None or code != "90000":
        uow.reviews.add("REFUSED_2108", f"2108 {event.bank_no}/{event.entrust_date:%Y%m%d}/{event.tra_no} "
                        f"凭证 {event.tax_vou_no}：{code} {word}", v.tax_org_code if v else "",
                        event.tax_vou_no, event.amount)
        uow.messages.answer_ack(event.ref, code, word)
        return code
    now = ctx.now()
    debit = Debit(id=None, kind=DebitKind.COUNTER, tax_org_code=v.tax_org_code,
                  entrust_date=event.entrust_date, tra_no=event.tra_no, tax_vou_no=event.tax_vou_no,
                  payer_id=v.payer_id, amount=event.amount, levy_ids=ids_of(levies),
                  levy_amounts=tuple(lv.amount for lv in levies), originator=event.bank_no,
                  chk_date=event.work_date)
    uow.debits.add(debit)
    debit.succeeded(event.tax_date, at=now)
    uow.debits.save(debit)
    for levy in levies:
        # Our own reservation or no lock at all (a lapsed one): paid under the voucher's owner.
        outcome = levy.apply_success(v.owner, event.tax_date)
        if outcome is not PaymentOutcome.APPLIED:
            raise AssertionError(f"levy {levy.id} checked payable, yet {outcome}")
    uow.levies.save(levies)
    v.paid()
    uow.vouchers.save(v)
    uow.messages.answer_ack(event.ref, "90000")
    return "90000"


def _release(uow: UnitOfWork, v: CounterVoucher, why: str) -> None:
    levies = uow.levies.get_many(v.levy_ids, for_update=True)
    held = [lv for lv in levies if lv.state is LevyState.LOCKED and lv.lock_owner == v.owner]
    for levy in held:
        levy.unlock(v.owner, why)
    uow.levies.save(held)
    v.release()
    uow.vouchers.save(v)


def sweep_reservations(uow: UnitOfWork, now: dt.datetime, limit: int = 500) -> int:
    """Reservations whose period ended without a 2108 return their levies to UNPAID."""
    expired = uow.vouchers.due(now, limit)
    for v in expired:
        _release(uow, v, "counter reservation lapsed")
    return len(expired)


def voucher_total(levies: list[Levy]) -> Decimal:
    return total(lv.amount for lv in levies)
