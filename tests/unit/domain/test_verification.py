"""The 9114 request's state model (§6.1)."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.domain.errors import IllegalTransition
from gateway.domain.verification import (TIMEOUT_TEXT, TRANSITIONS, VcSign, Verification,
                                         VerificationState as V)

DAY = dt.date(2024, 11, 5)
DEADLINE = dt.datetime(2024, 11, 5, 10, 1)


def request(state: V = V.SENT, sign: VcSign = VcSign.VERIFY) -> Verification:
    return Verification(id=3, agreement_id=2, tax_org_code="14401060000", entrust_date=DAY,
                        vc_no="00000001", vc_sign=sign, msg_id="20241105100000000001",
                        deadline=DEADLINE, state=state)


def test_table() -> None:
    assert {(a, b) for a, ts in TRANSITIONS.items() for b in ts} == {
        (V.SENT, V.PASSED), (V.SENT, V.FAILED), (V.SENT, V.REFUSED), (V.SENT, V.TIMEOUT),
        (V.TIMEOUT, V.PASSED), (V.TIMEOUT, V.FAILED), (V.TIMEOUT, V.REFUSED)}


def test_an_answer_is_final_and_clears_the_timer() -> None:
    v = request()
    v.answered(True, "三方协议验证通过" + "。" * 300)
    assert (v.state, v.deadline, len(v.result), v.awaiting_answer) == (V.PASSED, None, 200, False)
    with pytest.raises(IllegalTransition):
        v.answered(False, "again")
    with pytest.raises(IllegalTransition):
        v.refused("92004")
    assert v.state is V.PASSED


def test_a_timeout_keeps_waiting_for_a_late_answer() -> None:
    v = request()
    v.expired()
    assert (v.state, v.result, v.deadline, v.awaiting_answer) == (V.TIMEOUT, TIMEOUT_TEXT, DEADLINE, True)
    with pytest.raises(IllegalTransition):
        v.expired()
    v.answered(False, "户名不符")
    assert (v.state, v.result) == (V.FAILED, "户名不符")


def test_refused_and_revocation() -> None:
    v = request(sign=VcSign.REVOKE)
    assert v.revocation and v.key == "14401060000/20241105/00000001"
    v.refused("92004 格式错误")
    assert (v.state, v.result, v.awaiting_answer) == (V.REFUSED, "92004 格式错误", False)
