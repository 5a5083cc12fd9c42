"""Reversal of a single debit through the bus, in memory: 1021 ⇒ 9120 ⇒ 2021, the sweeper's
queries and resends, and the one step that reverses (2021 answer 1 or 9004 OpStat 97) (§6.3)."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.domain import events as e
from gateway.domain.commands import ReverseDebit
from gateway.domain.debit import Debit, DebitState
from gateway.domain.errors import IllegalTransition, NotSameWorkDate
from gateway.domain.levy import LevyState
from gateway.domain.reversal import Reversal, ReversalState
from tests.unit.services.world import DAY, World

R = ReversalState


def _succeeded(world: World) -> Debit:
    d = world.submit()
    world.ack(world.last("1001"))
    world.answer_2001(d)
    return world.debit(d.id)


def _reverse(world: World, d: Debit) -> Reversal:
    reversal_id = world.handle(ReverseDebit(debit_id=d.id or 0, reason="操作失误", requested_by="t"))
    return world.data.reversals[reversal_id]


def _answer(world: World, r: Reversal, reversed_: bool, add_word: str = "") -> None:
    d = world.debit(r.debit_id)
    world.deliver(e.ReversalAnswered(world.ref("2021"), r.tax_org_code, r.cancel_no,
                                     r.entrust_date, d.entrust_date, d.tra_no, reversed_, add_word))


def test_reverse_sends_the_1021_and_waits_for_its_9120(world: World) -> None:
    d = _succeeded(world)
    r = _reverse(world, d)
    req = world.last("1021")
    assert (req.fields["ori_tra_no"], req.fields["cancel_no"], req.fields["reason"]) == (
        d.tra_no, r.cancel_no, "操作失误")
    assert (r.state, r.msg_id, r.query_step) == (R.SENT, req.msg_id, 0)
    assert r.next_check_at == world.clock() + dt.timedelta(seconds=10)
    with pytest.raises(IllegalTransition, match="already in progress"):
        _reverse(world, d)


def test_only_the_same_work_date_and_only_final_or_in_doubt_debits(world: World) -> None:
    sent = world.submit()
    with pytest.raises(IllegalTransition, match="only SUCCEEDED or IN_DOUBT"):
        _reverse(world, sent)
    other = World()
    d = _succeeded(other)
    other.data.state["work_date"] = "20241106"
    with pytest.raises(NotSameWorkDate):
        _reverse(other, d)
    assert other.data.reversals == {}


def test_answer_1_reverses_the_debit_and_frees_its_levies(world: World) -> None:
    d = _succeeded(world)
    r = _reverse(world, d)
    world.ack(world.last("1021"), kind=e.ReversalAcknowledged)
    assert world.data.reversals[r.saved_id].state is R.ACCEPTED
    assert world.data.reversals[r.saved_id].next_check_at == world.clock() + dt.timedelta(seconds=60)
    _answer(world, r, True, "已冲正")
    done = world.data.reversals[r.saved_id]
    assert (done.state, done.answer, done.add_word, done.next_check_at) == (R.DONE, "1", "已冲正", None)
    assert world.debit(d.id).state is DebitState.REVERSED
    assert world.levy_states(world.payers[0]) == [LevyState.UNPAID] * 3
    world.answer_2001(d)  # a later 2001 for a reversed debit is ignored
    _answer(world, r, False)  # and a repeated 2021 changes nothing
    assert world.debit(d.id).state is DebitState.REVERSED
    assert world.data.reversals[r.saved_id].answer == "1"


def test_answer_2_keeps_the_debit_and_alerts(world: World) -> None:
    d = _succeeded(world)
    r = _reverse(world, d)
    _answer(world, r, False, "已入账不能冲正")
    assert (world.data.reversals[r.saved_id].state, world.data.reversals[r.saved_id].answer) == (
        R.REFUSED, "2")
    assert world.debit(d.id).state is DebitState.SUCCEEDED
    assert world.levy_states(world.payers[0]) == [LevyState.PAID] * 3
    assert [a[:2] for a in world.data.alerts] == [("WARNING", "reversal")]


def test_a_9120_refusal_is_final_unless_a_2021_comes_after_all(world: World) -> None:
    d = _succeeded(world)
    r = _reverse(world, d)
    world.ack(world.last("1021"), "92004", "格式错误", kind=e.ReversalAcknowledged)
    refused = world.data.reversals[r.saved_id]
    assert (refused.state, refused.answer, refused.next_check_at) == (R.REFUSED, "", None)
    assert world.data.alerts[-1][:2] == ("WARNING", "reversal") and "92004" in world.data.alerts[-1][2]
    world.clock.advance(3600)
    world.sweep()
    assert world.sent("9003") == []  # no timer left
    _answer(world, r, True)
    assert world.data.reversals[r.saved_id].state is R.DONE
    assert world.debit(d.id).state is DebitState.REVERSED


def test_an_unknown_2021_is_reviewed(world: World) -> None:
    world.deliver(e.ReversalAnswered(world.ref("2021"), "14401060000", "00000077", DAY, DAY,
                                     "00000001", True, ""))
    assert world.review_kinds() == ["UNMATCHED_2021"]


def test_sweep_queries_then_resends_the_same_1021(world: World) -> None:
    d = _succeeded(world)
    r = _reverse(world, d)
    first = world.last("1021")
    world.clock.advance(10)
    world.sweep()  # step 0: ask for the original's status (97 means reversed)
    assert world.last("9003").fields["ori_tra_no"] == d.tra_no
    r = world.data.reversals[r.saved_id]
    assert (r.query_step, r.next_check_at) == (1, world.clock() + dt.timedelta(seconds=60))
    world.clock.t = r.next_check_at
    world.sweep()  # step 1: resend the same 1021 under a new MsgID
    again = world.last("1021")
    r = world.data.reversals[r.saved_id]
    assert again.fields["resent_from"] == first.msg_id and r.msg_id == again.msg_id
    assert (r.query_step, r.next_check_at) == (2, world.clock() + dt.timedelta(seconds=60))
    world.ack(again, kind=e.ReversalAcknowledged)  # matched by the new MsgID
    assert world.data.reversals[r.saved_id].state is R.ACCEPTED
    world.data.state["work_date"] = "20241106"
    world.clock.advance(3600)
    world.sweep()
    assert world.data.reversals[r.saved_id].next_check_at is None  # the 3122 settles it
    assert len(world.sent("9003")) == 1 and len(world.sent("1021")) == 2


@pytest.mark.parametrize("how", ["2021", "9004"])
def test_one_reversal_step_for_both_confirmations(world: World, how: str) -> None:
    """2021 answer 1 and OpStat 97 take the same step: levies back, debit REVERSED, every open
    reversal of it closed, no more queries or resends."""
    d = _succeeded(world)
    r = _reverse(world, d)
    if how == "2021":
        _answer(world, r, True)
    else:
        world.status(d, "97")
    assert world.debit(d.id).state is DebitState.REVERSED
    assert world.levy_states(world.payers[0]) == [LevyState.UNPAID] * 3
    closed = world.data.reversals[r.saved_id]
    assert (closed.state, closed.answer, closed.next_check_at) == (R.DONE, "1", None)
    sent = len(world.data.outbox)
    for _ in range(4):
        world.clock.advance(3600)
        world.sweep()
    assert {m.msg_no for m in world.data.outbox[sent:]} == {"9005"}  # only link tests
