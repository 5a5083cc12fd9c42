"""The reversal request's state model: transitions, answers and its timer (§6.3)."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest

from gateway.domain.errors import IllegalTransition
from gateway.domain.reversal import TRANSITIONS, Reversal, ReversalState as R

DAY = dt.date(2024, 11, 5)
AT = dt.datetime(2024, 11, 5, 10, 0)
ALLOWED = {(R.SENT, R.ACCEPTED), (R.SENT, R.DONE), (R.SENT, R.REFUSED), (R.ACCEPTED, R.DONE),
           (R.ACCEPTED, R.REFUSED), (R.REFUSED, R.DONE)}


def reversal(state: R = R.SENT) -> Reversal:
    return Reversal(id=4, debit_id=1, tax_org_code="14401060000", entrust_date=DAY,
                    cancel_no="00000001", reason="操作失误", state=state)


def test_table() -> None:
    assert {(a, b) for a, ts in TRANSITIONS.items() for b in ts} == ALLOWED


@pytest.mark.parametrize("current,target", [(a, b) for a, b in product(R, R)
                                            if (a, b) not in ALLOWED and a is not b])
def test_refused_transitions(current: R, target: R) -> None:
    r = reversal(current)
    step = {R.ACCEPTED: lambda: r.accepted(AT), R.DONE: lambda: r.closed("x"),
            R.REFUSED: lambda: r.refused_by_ets("92004", ""), R.SENT: None}[target]
    if step is None:
        return  # nothing returns a reversal to SENT
    with pytest.raises(IllegalTransition):
        step()
    assert r.state is current


def test_timers_follow_the_state() -> None:
    r = reversal()
    r.sent("20241105100000000001", AT)
    assert (r.msg_id, r.next_check_at, r.query_step, r.open) == ("20241105100000000001", AT, 0, True)
    r.accepted(AT + dt.timedelta(seconds=60))
    assert (r.state, r.next_check_at) == (R.ACCEPTED, AT + dt.timedelta(seconds=60))
    r.check_scheduled(AT + dt.timedelta(minutes=5), 1)
    r.resent("20241105100500000002")
    assert (r.query_step, r.msg_id) == (1, "20241105100500000002")
    r.answered_by_bank(True, "已冲正" * 30)
    assert (r.state, r.answer, r.next_check_at, r.open, r.answered) == (R.DONE, "1", None, False, True)
    assert len(r.add_word) == 60  # AddWord c(..60)


def test_a_9120_refusal_is_not_an_answer_and_a_2021_may_follow() -> None:
    r = reversal()
    r.refused_by_ets("92004", "")
    assert (r.state, r.answer, r.add_word, r.answered) == (R.REFUSED, "", "92004", False)
    r.answered_by_bank(False, "不能冲正")
    assert (r.state, r.answer, r.answered) == (R.REFUSED, "2", True)
    other = reversal()
    other.refused_by_ets("92004", "x")
    other.answered_by_bank(True, "")
    assert (other.state, other.answer) == (R.DONE, "1")


def test_closed_when_the_debit_is_known_reversed() -> None:
    r = reversal(R.ACCEPTED)
    r.next_check_at = AT
    r.closed("9004 OpStat 97")
    assert (r.state, r.answer, r.add_word, r.next_check_at) == (R.DONE, "1", "9004 OpStat 97", None)
    assert r.key == "14401060000/20241105/00000001"
