"""Bank-counter payment through the bus, in memory: the voucher, 2091 ⇒ 1009 and 2108 ⇒ 9120,
and the reservation's lapse (§6.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.domain import events as e
from gateway.domain.commands import IssueCounterVoucher
from gateway.domain.debit import DebitKind, DebitState
from gateway.domain.levy import LevyState, LockKind, LockOwner
from gateway.domain.voucher import CounterVoucher, VoucherState
from tests.unit.services.world import BANK, DAY, ORG, UNITS, World

L = LevyState
TOTAL = Decimal("12345.60")


def _voucher(world: World, payer_index: int = 0) -> CounterVoucher:
    payer = world.payers[payer_index]
    vou = world.handle(IssueCounterVoucher(payer_id=payer, levy_ids=world.levy_ids(payer),
                                           requested_by="t"))
    return next(v for v in world.data.vouchers.values() if v.tax_vou_no == vou)


def _query(world: World, vou: str, code: str = UNITS[0][0], query_no: str = "00000001") -> None:
    world.deliver(e.CounterQueried(world.ref("2091"), BANK, DAY, query_no, "102581002107", ORG,
                                   code, vou))


def _pay(world: World, vou: str, amount: Decimal = TOTAL, result: str = "90000",
         tra_no: str = "00000002", work_date: dt.date = DAY) -> str:
    code: str = world.deliver(e.CounterPaid(world.ref("2108"), BANK, vou, DAY, tra_no, DAY,
                                            amount, result, "", work_date))
    return code


def test_printing_a_voucher_locks_nothing(world: World) -> None:
    v = _voucher(world)
    assert (v.state, v.total, v.payer_id) == (VoucherState.ISSUED, TOTAL, world.payers[0])
    assert v.tax_vou_no.startswith("3440106241105") and len(v.tax_vou_no) == 18
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3


def test_a_2091_reserves_the_levies_and_answers_the_voucher(world: World) -> None:
    v = _voucher(world)
    _query(world, v.tax_vou_no)
    answer = world.last("1009")
    until = world.clock() + dt.timedelta(seconds=1800)
    assert (answer.fields["result"], answer.fields["total"]) == ("90000", TOTAL)
    assert answer.fields["levy_ids"] == list(v.levy_ids)
    owner = LockOwner(LockKind.COUNTER, str(v.id))
    assert [(lv.state, lv.lock_owner, lv.lock_until) for lv in world.levies_of(world.payers[0])] == [
        (L.LOCKED, owner, until)] * 3
    reserved = world.data.vouchers[v.saved_id]
    assert (reserved.state, reserved.reserved_until) == (VoucherState.RESERVED, until)


def test_2091_refusals(world: World) -> None:
    v = _voucher(world)
    _query(world, "344010624110599999")
    assert world.last("1009").fields["result"] == "24023"
    _query(world, v.tax_vou_no, code=UNITS[1][0], query_no="00000002")  # another payer's code
    assert world.last("1009").fields["result"] == "24023"
    world.submit(0)
    _query(world, v.tax_vou_no, query_no="00000003")
    assert (world.last("1009").fields["result"], world.last("1009").fields["total"]) == ("24021", None)
    assert world.data.vouchers[v.saved_id].state is VoucherState.ISSUED


def test_a_2108_pays_the_voucher_as_a_counter_debit(world: World) -> None:
    v = _voucher(world)
    _query(world, v.tax_vou_no)
    assert _pay(world, v.tax_vou_no, work_date=DAY + dt.timedelta(days=1)) == "90000"
    assert (world.last("9120").fields["result"], world.last("9120").fields["ori_msg_no"]) == (
        "90000", "2108")
    debit = next(iter(world.data.debits.values()))
    assert (debit.kind, debit.state, debit.originator) == (DebitKind.COUNTER, DebitState.SUCCEEDED, BANK)
    assert debit.chk_date == DAY + dt.timedelta(days=1)  # the HEAD WorkDate of the 2108 (§11 6.4)
    assert debit.levy_ids == v.levy_ids and debit.resolved_at == world.clock()
    assert [(lv.state, lv.paid_by) for lv in world.levies_of(world.payers[0])] == [
        (L.PAID, f"COUNTER:{v.id}")] * 3
    assert world.data.vouchers[v.saved_id].state is VoucherState.PAID
    assert _pay(world, v.tax_vou_no, tra_no="00000003") == "24023"  # paid already


def test_a_2108_with_another_amount_is_refused_and_reviewed(world: World) -> None:
    v = _voucher(world)
    _query(world, v.tax_vou_no)
    assert _pay(world, v.tax_vou_no, amount=Decimal("12345.00")) == "24022"
    assert world.review_kinds() == ["REFUSED_2108"] and world.data.debits == {}
    assert world.levy_states(world.payers[0]) == [L.LOCKED] * 3


def test_a_failed_2108_releases_the_reservation(world: World) -> None:
    v = _voucher(world)
    _query(world, v.tax_vou_no)
    assert _pay(world, v.tax_vou_no, result="24007") == "90000"  # acknowledged, not refused
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3
    released = world.data.vouchers[v.saved_id]
    assert (released.state, released.reserved_until) == (VoucherState.ISSUED, None)


def test_a_lapsed_reservation_frees_the_levies_and_a_late_2108_still_pays(world: World) -> None:
    v = _voucher(world)
    _query(world, v.tax_vou_no)
    world.clock.advance(1799)
    assert world.sweep()["reservations"] == 0
    world.clock.advance(1)
    assert world.sweep()["reservations"] == 1
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3
    assert world.data.vouchers[v.saved_id].state is VoucherState.ISSUED
    assert _pay(world, v.tax_vou_no) == "90000"
    assert world.levy_states(world.payers[0]) == [L.PAID] * 3
