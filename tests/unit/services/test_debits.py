"""Single real-time debit through the bus, in memory: 1001, its 9120, the 2001 and the in-doubt
resolution by the sweeper and 9003/9004 (§6.2, §7.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.agreement import AgreementState
from gateway.domain.commands import QueryDebitStatus, SubmitDebit
from gateway.domain.debit import DebitKind, DebitState
from gateway.domain.errors import (AgreementNotActive, IllegalTransition, GatewayUnavailable, LevyNotPayable,
                                   TooManyInFlight)
from gateway.domain.levy import LevyState, LockKind, LockOwner
from gateway.services.options import GatewayOptions
from tests.unit.services.world import AMOUNTS, DAY, START, World

S = DebitState
L = LevyState


def test_submit_locks_levies_and_sends_the_1001_with_its_timer(world: World) -> None:
    d = world.submit()
    stored = world.debit(d.id)
    owner = LockOwner(LockKind.DEBIT, str(d.id))
    assert [(lv.state, lv.lock_owner) for lv in world.levies_of(world.payers[0])] == [(L.LOCKED, owner)] * 3
    req = world.last("1001")
    assert req.fields["amount"] == Decimal("12345.60") and req.fields["levies"] == list(AMOUNTS)
    assert (stored.state, stored.msg_id, stored.sent_at) == (S.SENT, req.msg_id, START)
    assert stored.next_check_at == START + dt.timedelta(seconds=10)  # the 9120 timer
    assert stored.agreement_id == world.agreement_of(world.payers[0]).id
    assert stored.levy_amounts == AMOUNTS and stored.originator == stored.tax_org_code
    assert (stored.tra_no, stored.entrust_date) == ("00000001", DAY)


def test_a_refused_submit_leaves_nothing_behind(world: World) -> None:
    world.submit()
    outbox, debits = list(world.data.outbox), dict(world.data.debits)
    with pytest.raises(LevyNotPayable):
        world.submit()  # the same levies are LOCKED: never a second TraNo while one is unresolved
    assert world.data.outbox == outbox and world.data.debits == debits


def test_submit_preconditions(world: World) -> None:
    world.agreement_of(world.payers[1]).state = AgreementState.SUSPENDED
    with pytest.raises(AgreementNotActive):
        world.submit(1)
    world.data.state["link"] = "DOWN"
    with pytest.raises(GatewayUnavailable, match="链路中断"):
        world.submit(0)
    limited = World(GatewayOptions(initial_work_date=DAY, max_in_flight=1))
    limited.submit(0)
    with pytest.raises(TooManyInFlight):
        limited.handle(SubmitDebit(payer_id=limited.payers[1],
                                   levy_ids=limited.levy_ids(limited.payers[1]), requested_by="t"))


def test_acceptance_starts_the_2001_timer_from_the_send(world: World) -> None:
    d = world.submit()
    world.clock.advance(4)
    world.ack(world.last("1001"))
    stored = world.debit(d.id)
    assert stored.state is S.ACCEPTED
    assert stored.next_check_at == START + dt.timedelta(seconds=60)


def test_a_9120_refusal_fails_the_debit_and_unlocks(world: World) -> None:
    d = world.submit()
    world.ack(world.last("1001"), "92006", "付款行未知")
    stored = world.debit(d.id)
    assert (stored.state, stored.result_code, stored.next_check_at) == (S.FAILED, "92006", None)
    assert "付款行未知" in stored.reason and stored.resolved_at == START
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3


def test_success_pays_the_levies_once_and_a_late_9120_changes_nothing(world: World) -> None:
    d = world.submit()
    world.clock.advance(3)
    world.answer_2001(d, tax_date=DAY)
    world.ack(world.last("1001"))
    stored = world.debit(d.id)
    assert (stored.state, stored.tax_date, stored.result_code) == (S.SUCCEEDED, DAY, "90000")
    assert (stored.next_check_at, stored.resolved_at) == (None, START + dt.timedelta(seconds=3))
    levies = world.levies_of(world.payers[0])
    assert [(lv.state, lv.paid_by, lv.tax_date) for lv in levies] == [(L.PAID, f"DEBIT:{d.id}", DAY)] * 3
    world.answer_2001(d, "90000")  # the same debit reported twice is not a second payment
    assert "DUPLICATE_PAYMENT" not in world.review_kinds() and world.data.alerts == []


@pytest.mark.parametrize("code,suspends", [("24001", True), ("24009", True), ("24011", True),
                                           ("24007", False), ("99090", False)])
def test_a_bank_refusal_unlocks_and_suspends_the_agreement_when_it_is_wrong(
        world: World, code: str, suspends: bool) -> None:
    d = world.submit()
    world.ack(world.last("1001"))
    world.answer_2001(d, code, "银行说明")
    stored = world.debit(d.id)
    assert (stored.state, stored.result_code) == (S.FAILED, code) and "银行说明" in stored.reason
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3
    expected = AgreementState.SUSPENDED if suspends else AgreementState.ACTIVE
    assert world.agreement_of(world.payers[0]).state is expected


def test_an_unknown_code_makes_the_debit_in_doubt_and_starts_the_queries(world: World) -> None:
    d = world.submit()
    world.clock.advance(2)
    world.answer_2001(d, "12345", "未知")
    stored = world.debit(d.id)
    assert (stored.state, stored.result_code, stored.reason) == (S.IN_DOUBT, "12345", "未知")
    assert (stored.next_check_at, stored.query_step) == (world.clock() + dt.timedelta(seconds=60), 0)
    assert world.levy_states(world.payers[0]) == [L.LOCKED] * 3


def test_a_late_success_after_a_failure_is_applied_and_flagged(world: World) -> None:
    d = world.submit()
    world.answer_2001(d, "24007")
    world.answer_2001(d, "90000")
    assert world.debit(d.id).state is S.SUCCEEDED
    assert world.levy_states(world.payers[0]) == [L.PAID] * 3
    assert world.review_kinds() == ["LATE_SUCCESS"]


def test_a_2001_with_another_voucher_is_kept_for_review(world: World) -> None:
    d = world.submit()
    world.answer_2001(d, vou="344010624110599999")
    assert world.debit(d.id).state is S.SENT and world.review_kinds() == ["UNMATCHED_2001"]


def test_sweep_no_9120_then_the_back_off_of_status_queries(world: World) -> None:
    d = world.submit()
    world.clock.advance(9)
    assert world.sweep()["debits"] == 0
    world.clock.advance(1)
    assert world.sweep()["debits"] == 1
    stored = world.debit(d.id)
    assert stored.state is S.IN_DOUBT and "no 9120 in time" in stored.history[-1]
    assert (stored.next_check_at, stored.query_step) == (world.clock() + dt.timedelta(seconds=60), 0)
    # 1, 5 and 30 minutes after becoming IN_DOUBT, then hourly (§7.2).
    expected_gaps = [240, 1500, 3600, 3600]
    for step, gap in enumerate(expected_gaps, start=1):
        world.clock.t = stored.next_check_at
        world.sweep()
        stored = world.debit(d.id)
        assert stored.query_step == step
        assert stored.next_check_at == world.clock() + dt.timedelta(seconds=gap)
        assert len(world.sent("9003")) == step
    assert world.last("9003").fields["ori_tra_no"] == d.tra_no


def test_sweep_no_2001_makes_an_accepted_debit_in_doubt(world: World) -> None:
    d = world.submit()
    world.ack(world.last("1001"))
    world.clock.advance(60)
    world.sweep()
    assert world.debit(d.id).state is S.IN_DOUBT
    assert "no 2001 in time" in world.debit(d.id).history[-1]


def test_an_in_doubt_debit_of_an_earlier_work_date_waits_for_the_3122(world: World) -> None:
    d = world.submit()
    world.clock.advance(10)
    world.sweep()
    world.data.state["work_date"] = "20241106"
    world.clock.advance(60)
    world.sweep()
    assert world.sent("9003") == [] and world.debit(d.id).next_check_at is None
    assert world.debit(d.id).state is S.IN_DOUBT


def _in_doubt(world: World) -> int:
    d = world.submit()
    world.clock.advance(10)
    world.sweep()
    assert d.id is not None
    return d.id


def test_opstat_20_succeeds_with_the_check_date(world: World) -> None:
    debit_id = _in_doubt(world)
    world.status(world.debit(debit_id), "20", chk_date=DAY)
    assert (world.debit(debit_id).state, world.debit(debit_id).tax_date) == (S.SUCCEEDED, DAY)
    assert world.levy_states(world.payers[0]) == [L.PAID] * 3


@pytest.mark.parametrize("op", ["21", "11", "99"])
def test_opstat_failures_unlock(world: World, op: str) -> None:
    debit_id = _in_doubt(world)
    world.status(world.debit(debit_id), op)
    stored = world.debit(debit_id)
    assert (stored.state, stored.result_code, stored.next_check_at) == (S.FAILED, f"OPSTAT{op}", None)
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3


def test_opstat_97_reverses_an_unanswered_debit(world: World) -> None:
    d = world.submit()
    world.status(d, "97")
    stored = world.debit(d.id)
    assert stored.state is S.REVERSED and stored.history[-2:] == [
        "SENT->IN_DOUBT 9004 OpStat 97", "IN_DOUBT->REVERSED reversal confirmed"]
    assert world.levy_states(world.payers[0]) == [L.UNPAID] * 3


def test_opstat_98_resends_the_same_1001_once_on_its_work_date(world: World) -> None:
    debit_id = _in_doubt(world)
    first = world.last("1001")
    world.status(world.debit(debit_id), "98")
    resent = world.last("1001")
    stored = world.debit(debit_id)
    assert resent.msg_id != first.msg_id and resent.fields["resent_from"] == first.msg_id
    assert (resent.key, resent.fields["tra_no"]) == (first.key, first.fields["tra_no"])
    assert (stored.state, stored.resent, stored.msg_id) == (S.SENT, True, resent.msg_id)
    assert stored.next_check_at == world.clock() + dt.timedelta(seconds=10)
    world.ack(resent)  # the resend's 9120 is matched by its own MsgID
    assert world.debit(debit_id).state is S.ACCEPTED
    world.clock.advance(60)
    world.sweep()
    world.status(world.debit(debit_id), "98")
    assert len(world.sent("1001")) == 2  # only once


def test_opstat_98_after_the_work_date_moved_sends_nothing(world: World) -> None:
    debit_id = _in_doubt(world)
    world.data.state["work_date"] = "20241106"
    world.status(world.debit(debit_id), "98")
    assert len(world.sent("1001")) == 1 and world.debit(debit_id).state is S.IN_DOUBT


def test_statuses_for_unknown_debits_and_packages_are_reviewed(world: World) -> None:
    d = world.submit()
    d.tra_no = "00009999"
    world.status(d, "20")
    world.status(d, "20", search_type="1")
    assert world.review_kinds() == ["UNMATCHED_9004", "PACKAGE_STATUS"]


def test_query_now_sends_a_9003(world: World) -> None:
    d = world.submit()
    msg_id = world.handle(QueryDebitStatus(debit_id=d.id or 0))
    assert world.last("9003").msg_id == msg_id and world.last("9003").fields["search_type"] == "0"


def test_a_batch_item_is_not_queried_as_a_single_debit(world: World) -> None:
    d = world.submit()
    world.debit(d.id).kind = DebitKind.BATCH_ITEM
    with pytest.raises(IllegalTransition):
        world.handle(QueryDebitStatus(debit_id=d.id or 0))
    assert not world.sent("9003")
