"""Agreement verification and revocation through the bus, in memory: 9114 ⇒ 9120 / 9115, the
9115 timer and the monthly cutoff notice (§6.1, §7.6)."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.domain import events as e
from gateway.domain.agreement import AgreementState
from gateway.domain.calendar import LATE_AGREEMENT_NOTICE
from gateway.domain.commands import (RegisterAgreement, RevokeAgreement, TerminateAgreement,
                                     VerifyAgreement)
from gateway.domain.errors import AgreementInUse, IllegalTransition, InvalidIdentifier
from gateway.domain.verification import Verification, VerificationState
from tests.unit.services.fake_messenger import Sent
from tests.unit.services.world import BANK, World

A = AgreementState
V = VerificationState


def _register(world: World, payer_index: int = 1, bank: str = BANK) -> int:
    aid: int = world.handle(RegisterAgreement(
        payer_id=world.payers[payer_index], protocol_no="P-0001", pay_bk_code=bank,
        pay_op_bk_code="102581002107", pay_acct="6222021234567890123", hand_org_name="",
        channel="ON_SITE", requested_by="t"))
    return aid


def _request(world: World, sent: Sent) -> Verification:
    return next(v for v in world.data.verifications.values() if v.msg_id == sent.msg_id)


def _answer(world: World, sent: Sent, passed: bool, reason: str = "") -> str:
    v = _request(world, sent)
    result: str = world.deliver(e.VerificationAnswered(
        world.ref("9115"), v.tax_org_code, v.entrust_date, v.vc_no, v.vc_sign.value, passed,
        reason, "P-0001", "6222021234567890123"))
    return result


def test_register_records_a_pending_agreement_and_sends_the_9114(world: World) -> None:
    aid = _register(world)
    agreement = world.data.agreements[aid]
    req = world.last("9114")
    v = _request(world, req)
    assert agreement.state is A.PENDING and agreement.hand_org_name == "广州市天河区星河贸易有限公司"
    assert (req.fields["vc_sign"], req.fields["agreement_id"]) == ("0", aid)
    assert (v.state, v.agreement_id, v.vc_no) == (V.SENT, aid, req.fields["vc_no"])
    assert v.deadline == world.clock() + dt.timedelta(seconds=60)


def test_malformed_bank_codes_are_refused_before_anything_is_stored(world: World) -> None:
    agreements = dict(world.data.agreements)
    with pytest.raises(InvalidIdentifier, match="付款行行号"):
        _register(world, bank="10258")
    assert world.data.agreements == agreements and world.data.outbox == []


def test_a_pass_activates_and_after_the_cutoff_carries_the_notice(world: World) -> None:
    world.clock.t = dt.datetime(2024, 11, 26, 18, 30)  # after this month's cutoff
    aid = _register(world)
    message = _answer(world, world.last("9114"), True)
    assert message == "三方协议验证通过。" + LATE_AGREEMENT_NOTICE
    assert world.data.agreements[aid].state is A.ACTIVE
    assert world.data.agreements[aid].activated_at == world.clock()
    v = _request(world, world.last("9114"))
    assert (v.state, v.result, v.deadline) == (V.PASSED, message, None)
    assert _answer(world, world.last("9114"), False) == ""  # answered already


def test_a_failure_rejects_with_the_banks_reason(world: World) -> None:
    aid = _register(world)
    assert _answer(world, world.last("9114"), False, "户名不符") == "三方协议验证失败：户名不符"
    assert (world.data.agreements[aid].state, world.data.agreements[aid].reason) == (A.REJECTED, "户名不符")
    assert _request(world, world.last("9114")).state is V.FAILED
    world.handle(VerifyAgreement(agreement_id=aid, requested_by="t"))  # corrected and re-sent
    assert world.data.agreements[aid].state is A.PENDING
    _answer(world, world.last("9114"), True)
    assert world.data.agreements[aid].state is A.ACTIVE


def test_a_9120_refusal_marks_the_request_refused_and_keeps_the_agreement(world: World) -> None:
    aid = _register(world)
    req = world.last("9114")
    world.ack(req, kind=e.VerificationAcknowledged)  # acceptance: the 9115 decides
    assert _request(world, req).state is V.SENT
    world.ack(req, "92004", "格式错误", kind=e.VerificationAcknowledged)
    v = _request(world, req)
    assert (v.state, v.result) == (V.REFUSED, "92004 格式错误")
    assert _answer(world, req, True) == ""  # a refused request is not answered any more
    assert world.data.agreements[aid].state is A.PENDING


def test_no_9115_in_time_is_a_timeout_and_a_late_pass_still_counts(world: World) -> None:
    aid = _register(world)
    req = world.last("9114")
    world.clock.advance(59)
    assert world.sweep()["verifications"] == 0
    world.clock.advance(1)
    assert world.sweep()["verifications"] == 1
    v = _request(world, req)
    assert v.state is V.TIMEOUT and "协议保持待验证" in v.result
    assert world.data.agreements[aid].state is A.PENDING
    _answer(world, req, True)
    assert world.data.agreements[aid].state is A.ACTIVE and _request(world, req).state is V.PASSED


def test_a_late_refusal_then_a_pass_of_the_newer_request_activates(world: World) -> None:
    aid = _register(world)
    first = world.last("9114")
    world.handle(VerifyAgreement(agreement_id=aid, requested_by="t"))
    second = world.last("9114")
    _answer(world, first, False, "旧请求失败")
    _answer(world, second, True)
    assert world.data.agreements[aid].state is A.ACTIVE


def test_revocation_of_an_active_agreement(world: World) -> None:
    aid = world.agreement_of(world.payers[0]).id or 0
    world.handle(RevokeAgreement(agreement_id=aid, requested_by="t"))
    req = world.last("9114")
    assert req.fields["vc_sign"] == "1"
    assert _answer(world, req, True) == "三方协议已撤销"
    assert world.data.agreements[aid].state is A.REVOKED


def test_no_revocation_or_termination_while_a_payment_is_in_flight(world: World) -> None:
    aid = world.agreement_of(world.payers[0]).id or 0
    world.submit(0)
    with pytest.raises(AgreementInUse):
        world.handle(RevokeAgreement(agreement_id=aid, requested_by="t"))
    with pytest.raises(IllegalTransition, match="revoked with the bank first"):
        world.handle(TerminateAgreement(agreement_id=aid, reason="x", requested_by="t"))


def test_terminate_a_pending_agreement_without_a_message(world: World) -> None:
    aid = _register(world)
    sent = len(world.data.outbox)
    world.handle(TerminateAgreement(agreement_id=aid, reason="缴费人放弃", requested_by="t"))
    assert world.data.agreements[aid].state is A.TERMINATED and len(world.data.outbox) == sent


def test_an_unknown_9115_is_reviewed(world: World) -> None:
    _register(world)
    req = world.last("9114")
    v = _request(world, req)
    world.deliver(e.VerificationAnswered(world.ref("9115"), v.tax_org_code, v.entrust_date,
                                         "00009999", "0", True, "", "P-0001", "6222"))
    assert world.review_kinds() == ["UNMATCHED_9115"]
