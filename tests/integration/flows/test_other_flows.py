"""Reversal, counter payment, agreements and system messages through the inbound processor."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.codec.messages import (ChangeState9101, DeclareQuery2091, Msg2021, Msg2091, Msg2108,
                                    Msg9005, Msg9101, Msg9115, Msg9120, MsgReturn9005,
                                    MsgReturn9120, ProveReturn9115, RushReturn2021,
                                    SingleReturn2108)
from gateway.domain import commands as c
from gateway.domain.calendar import LATE_AGREEMENT_NOTICE
from gateway.domain.errors import GatewayUnavailable, NotSameWorkDate
from gateway.persistence.records import (AgreementRecord, DebitRecord, ErrorStoreRecord,
                                         GatewayStateRecord, ReviewItemRecord,
                                         VerificationRecord)
from tests.integration.flows.conftest import DAY
from tests.integration.flows.test_debit_flow import ack, answer, debit_row, levy_states, submit

BANK = "102581000013"


def scalar_all(h, stmt):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(stmt).scalars().all()


# --- reversal ---------------------------------------------------------------------------------

def _reversal_answer(h, cancel_answer, add_word=None):
    req = h.last("1021").body.rush_apply1021
    return h.deliver(Msg2021(RushReturn2021(req.tax_org_code, req.cancel_no, req.entrust_date,
                                            req.ori_entrust_date, req.ori_tra_no, cancel_answer,
                                            add_word)))


def test_reversal_accepted_returns_levies_to_unpaid(harness):
    h = harness
    d = submit(h)
    ack(h)
    answer(h)
    h.handle(c.ReverseDebit(debit_id=d.id, reason="操作失误", requested_by="t"))
    req = h.last("1021").body.rush_apply1021
    assert (req.ori_tra_no, req.entrust_date, req.ori_entrust_date) == ("00000001", DAY, DAY)
    _reversal_answer(h, "1")
    assert debit_row(h, d.id).state == "REVERSED"
    assert levy_states(h, h.data.payers[0]) == ["UNPAID"] * 3
    answer(h, "90000")  # a later 2001 for a reversed debit is logged and ignored
    assert debit_row(h, d.id).state == "REVERSED"


def test_reversal_refused_keeps_the_debit(harness):
    h = harness
    d = submit(h)
    answer(h)
    h.handle(c.ReverseDebit(debit_id=d.id, reason="x", requested_by="t"))
    _reversal_answer(h, "2", "已入账不能冲正")
    assert debit_row(h, d.id).state == "SUCCEEDED"
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3


def test_reversal_of_in_doubt_debit(harness):
    h = harness
    d = submit(h)
    h.clock.advance(11)
    h.sweep()
    h.handle(c.ReverseDebit(debit_id=d.id, reason="x", requested_by="t"))
    _reversal_answer(h, "1")
    assert debit_row(h, d.id).state == "REVERSED"
    assert levy_states(h, h.data.payers[0]) == ["UNPAID"] * 3


def test_reversal_only_on_the_same_work_date(harness):
    h = harness
    d = submit(h)
    answer(h)
    h.deliver(Msg9101(ChangeState9101(DAY + dt.timedelta(days=1), "0")), queue=h.rt.queues.batch_out)
    with pytest.raises(NotSameWorkDate):
        h.handle(c.ReverseDebit(debit_id=d.id, reason="x", requested_by="t"))


# --- counter payment --------------------------------------------------------------------------

def _voucher(h, payer=None):
    payer = payer or h.data.payers[0]
    return payer, h.handle(c.IssueCounterVoucher(payer_id=payer, levy_ids=tuple(h.data.levies[payer]),
                                                 requested_by="t"))


def _query(h, payer, vou, query_no="00000001", code=None):
    return h.deliver(Msg2091(DeclareQuery2091(BANK, DAY, query_no, "102581002107", "14401060000",
                                              code or h.data.codes[payer], vou)))


def _pay(h, vou, amount, tra_no="00000002", result="90000"):
    return h.deliver(Msg2108(SingleReturn2108(BANK, vou, DAY, tra_no, DAY, amount, result, None)))


def test_counter_payment_success(harness):
    h = harness
    payer, vou = _voucher(h)
    assert levy_states(h, payer) == ["UNPAID"] * 3  # printing locks nothing
    _query(h, payer, vou)
    r = h.last("1009")
    assert r.body.real_head1009.result == "90000"
    assert r.body.payment1009.tra_amt == Decimal("12345.60")
    assert r.body.payment1009.tax_type_num == 3
    assert levy_states(h, payer) == ["LOCKED"] * 3
    _pay(h, vou, Decimal("12345.60"))
    assert h.last("9120").body.msg_return9120.result == "90000"
    assert levy_states(h, payer) == ["PAID"] * 3
    kinds = scalar_all(h, select(DebitRecord.kind))
    assert kinds == ["COUNTER"]


def test_counter_mismatch_is_refused_and_kept_for_review(harness):
    h = harness
    payer, vou = _voucher(h)
    _query(h, payer, vou)
    _pay(h, vou, Decimal("12345.00"))
    assert h.last("9120").body.msg_return9120.result == "24022"
    assert levy_states(h, payer) == ["LOCKED"] * 3
    assert scalar_all(h, select(ReviewItemRecord.kind)) == ["REFUSED_2108"]


def test_counter_reservation_expires(harness):
    h = harness
    payer, vou = _voucher(h)
    _query(h, payer, vou)
    h.clock.advance(1799)
    h.sweep()
    assert levy_states(h, payer) == ["LOCKED"] * 3
    h.clock.advance(2)
    h.sweep()
    assert levy_states(h, payer) == ["UNPAID"] * 3
    _pay(h, vou, Decimal("12345.60"))  # a lapsed reservation whose levies are still UNPAID
    assert h.last("9120").body.msg_return9120.result == "90000"
    assert levy_states(h, payer) == ["PAID"] * 3


def test_counter_query_on_levy_locked_by_a_debit(harness):
    h = harness
    payer, vou = _voucher(h)
    submit(h, payer)
    _query(h, payer, vou)
    assert h.last("1009").body.real_head1009.result == "24021"
    assert h.last("1009").body.payment1009 is None
    _pay(h, vou, Decimal("12345.60"))
    assert h.last("9120").body.msg_return9120.result == "24021"


def test_counter_unknown_voucher_and_wrong_payer(harness):
    h = harness
    payer, vou = _voucher(h)
    _query(h, payer, "344010624110599999")
    assert h.last("1009").body.real_head1009.result == "24023"
    _query(h, payer, vou, query_no="00000002", code=h.data.codes[h.data.payers[1]])
    assert h.last("1009").body.real_head1009.result == "24023"


def test_counter_2091_duplicate_by_business_key_gets_the_stored_answer(harness):
    h = harness
    payer, vou = _voucher(h)
    _query(h, payer, vou)
    first = h.last("1009")
    assert _query(h, payer, vou) == "DUPLICATE"  # same BankNo+EntrustDate+QueryNo, new MsgID
    again = h.last("1009")
    assert again.body == first.body and again.head.msg_id != first.head.msg_id
    assert again.head.msg_ref != first.head.msg_ref


# --- agreements and system --------------------------------------------------------------------

def _verify_answer(h, passed=True, reason=None):
    req = h.last("9114").body.prove_info9114
    return h.deliver(Msg9115(ProveReturn9115(
        req.send_org_code, req.entrust_date, req.vc_no, req.vc_sign, req.tax_org_code,
        req.tax_pay_name, req.tax_pay_code, req.pay_op_bk_code, req.pay_bk_code, req.pay_acct,
        req.hand_org_name, req.protocol_no, "0" if passed else "1", reason)))


def test_agreement_register_verify_and_cutoff_notice(harness):
    h = harness
    payer = h.data.payers[2]
    h.clock.t = dt.datetime(2024, 11, 26, 18, 30)  # after this month's cutoff
    aid = h.handle(c.RegisterAgreement(payer_id=payer, protocol_no="4401062024000099999",
                                       pay_bk_code=BANK, pay_op_bk_code="102581002107",
                                       pay_acct="6222021234567890123", hand_org_name="",
                                       channel="ON_SITE", requested_by="t"))
    req = h.last("9114").body.prove_info9114
    assert req.vc_sign == "0" and req.hand_org_name == h.data.names[payer]
    _verify_answer(h, True)
    with h.rt.app.engine.connect() as conn:
        a = conn.execute(select(AgreementRecord).where(AgreementRecord.id == aid)).one()
        v = conn.execute(select(VerificationRecord).where(VerificationRecord.agreement_id == aid)).one()
    assert a.state == "ACTIVE" and a.activated_at == h.clock()
    assert LATE_AGREEMENT_NOTICE in v.result


def test_agreement_rejected_with_reason_then_revoke_of_active(harness):
    h = harness
    payer = h.data.payers[2]
    aid = h.handle(c.RegisterAgreement(payer_id=payer, protocol_no="P1", pay_bk_code=BANK,
                                       pay_op_bk_code="102581002107", pay_acct="6222", hand_org_name="x",
                                       channel="ONLINE", requested_by="t"))
    _verify_answer(h, False, "户名不符")
    assert scalar_all(h, select(AgreementRecord.state).where(AgreementRecord.id == aid)) == ["REJECTED"]
    existing = h.data.agreements[payer]
    h.handle(c.RevokeAgreement(agreement_id=existing, requested_by="t"))
    assert h.last("9114").body.prove_info9114.vc_sign == "1"
    _verify_answer(h, True)
    assert scalar_all(h, select(AgreementRecord.state).where(AgreementRecord.id == existing)) == ["REVOKED"]


def test_link_test_answered_and_day_switch_adopted(harness):
    h = harness
    h.deliver(Msg9005(MsgReturn9005(information=None)))
    r = h.last("9120")
    assert r.body.msg_return9120.ori_msg_no == "9005" and r.body.msg_return9120.result == "90000"
    h.deliver(Msg9101(ChangeState9101(DAY + dt.timedelta(days=1), "1")), queue=h.rt.queues.batch_out)
    with pytest.raises(GatewayUnavailable):
        submit(h)
    h.deliver(Msg9101(ChangeState9101(DAY + dt.timedelta(days=1), "0")), queue=h.rt.queues.batch_out)
    d = submit(h)
    assert d.entrust_date == DAY + dt.timedelta(days=1)
    h.deliver(Msg9101(ChangeState9101(DAY, "0")), queue=h.rt.queues.batch_out)  # never backwards
    work_date = scalar_all(h, select(GatewayStateRecord.value)
                           .where(GatewayStateRecord.key == "work_date"))
    assert work_date == ["20241106"]


def test_link_down_after_unanswered_9005_blocks_new_debits(harness):
    h = harness
    h.clock.advance(301)
    h.sweep()
    ping = h.last("9005")
    h.clock.advance(11)
    h.sweep()
    with pytest.raises(GatewayUnavailable):
        submit(h)
    h.deliver(Msg9120(MsgReturn9120("9005", "90000")), msg_ref=ping.head.msg_id)
    h.clock.advance(1)
    h.sweep()
    pong = h.outbox("9005")[-1][1]
    h.deliver(Msg9120(MsgReturn9120("9005", "90000")), msg_ref=pong.head.msg_id)
    submit(h)


def test_invalid_readable_message_is_answered_92004_and_stored(harness):
    h = harness
    bad = ('<?xml version="1.0" encoding="GBK"?><CFX><HEAD><VER>1.0</VER><SRC>100000000000</SRC>'
           '<DES>244000000000</DES><APP>ETS</APP><MsgNo>2108</MsgNo><MsgID>20241105093000000077</MsgID>'
           '<MsgRef>20241105093000000077</MsgRef><WorkDate>20241105</WorkDate></HEAD><MSG>'
           '<SingleReturn2108><BankNo>1</BankNo></SingleReturn2108></MSG></CFX>').encode("gbk")
    assert h.deliver_bytes(bad, "20241105093000000077", "2108") == "REJECTED"
    r = h.last("9120")
    assert r.body.msg_return9120.result == "92004" and r.head.msg_ref == "20241105093000000077"
    stored = scalar_all(h, select(ErrorStoreRecord.code))
    assert stored == ["92004"]


def test_unreadable_message_is_stored_not_answered(harness):
    h = harness
    assert h.deliver_bytes(b"<CFX><HEAD>", "20241105093000000078") == "REJECTED"
    assert h.outbox() == []
    assert scalar_all(h, select(ErrorStoreRecord.answered)) == [False]


def test_message_for_another_node_goes_to_the_error_store(harness):
    h = harness
    h.deliver(Msg9005(MsgReturn9005(information=None)), src="100000000099")
    assert h.outbox() == []
    assert len(scalar_all(h, select(ErrorStoreRecord.id))) == 1


def test_printable_counter_voucher_is_scoped_to_its_payer(harness):
    from gateway.persistence.queries import counter_voucher_print

    h = harness
    payer, vou = _voucher(h)
    with h.rt.app.engine.connect() as conn:
        data = counter_voucher_print(conn, vou, payer_id=payer)
        other = counter_voucher_print(conn, vou, payer_id=h.data.payers[1])
    assert other is None
    assert data["title"] == "银行端查询缴款凭证" and data["tax_vou_no"] == vou
    assert data["tax_pay_code"] == h.data.codes[payer] and data["tax_org_code"] == "14401060000"
    assert [line["amount"] for line in data["lines"]] == [Decimal("8640.00"), Decimal("3086.40"),
                                                          Decimal("619.20")]
    assert data["total"] == Decimal("12345.60")
    assert data["lines"][0]["insurance"] == "企业职工基本养老保险费"


def test_terminate_only_agreements_not_in_force(harness):
    from gateway.domain.errors import IllegalTransition

    h = harness
    active = h.data.agreements[h.data.payers[0]]
    with pytest.raises(IllegalTransition, match="revoked with the bank first"):
        h.handle(c.TerminateAgreement(agreement_id=active, reason="x", requested_by="t"))
    aid = h.handle(c.RegisterAgreement(payer_id=h.data.payers[2], protocol_no="P9", pay_bk_code=BANK,
                                       pay_op_bk_code="102581002107", pay_acct="6222", hand_org_name="x",
                                       channel="ONLINE", requested_by="t"))
    h.handle(c.TerminateAgreement(agreement_id=aid, reason="缴费人放弃", requested_by="t"))
    assert scalar_all(h, select(AgreementRecord.state).where(AgreementRecord.id == aid)) == ["TERMINATED"]


def test_unknown_records_are_clear_domain_errors(harness):
    from gateway.domain.errors import NotFound

    h = harness
    with pytest.raises(NotFound, match="扣款 424242 不存在"):
        h.handle(c.ReverseDebit(debit_id=424242, reason="x", requested_by="t"))
    with pytest.raises(NotFound, match="三方协议 99999 不存在"):
        h.handle(c.VerifyAgreement(agreement_id=99999, requested_by="t"))
    with pytest.raises(NotFound, match="缴费人 999999 不存在"):
        h.handle(c.SubmitDebit(payer_id=999999, levy_ids=(1,), requested_by="t"))


def test_stale_9101_changes_neither_date_nor_system_state(harness):
    h = harness
    nxt = DAY + dt.timedelta(days=1)
    for day, stat in ((nxt, "1"), (nxt, "0"), (DAY, "2")):
        h.deliver(Msg9101(ChangeState9101(day, stat)), queue=h.rt.queues.batch_out)
    assert submit(h).entrust_date == nxt  # not blocked by the stale maintenance state


def test_opstat_97_closes_the_open_reversal(harness):
    from gateway.codec.messages import Msg9004, TraStatusReturn9004

    h = harness
    d = submit(h)
    answer(h)
    h.handle(c.ReverseDebit(debit_id=d.id, reason="x", requested_by="t"))
    h.deliver(Msg9004(TraStatusReturn9004("14401060000", "0", "1001", DAY, "00000000", "00000001",
                                          DAY, "97")))
    assert debit_row(h, d.id).state == "REVERSED"
    sent_before = len(h.outbox("1021")) + len(h.outbox("9003"))
    for _ in range(6):
        h.clock.advance(3600)
        h.sweep()
    assert len(h.outbox("1021")) + len(h.outbox("9003")) == sent_before


def test_redelivered_invalid_message_gets_the_stored_answer(harness):
    h = harness
    bad = ('<?xml version="1.0" encoding="GBK"?><CFX><HEAD><VER>1.0</VER><SRC>100000000000</SRC>'
           '<DES>244000000000</DES><APP>ETS</APP><MsgNo>9005</MsgNo><MsgID>20241105093000000079</MsgID>'
           '<MsgRef>20241105093000000079</MsgRef><WorkDate>20241105</WorkDate></HEAD><MSG>'
           '<MsgReturn9005><Information> x</Information></MsgReturn9005></MSG></CFX>').encode("gbk")
    assert h.deliver_bytes(bad, "20241105093000000079", "9005") == "REJECTED"
    assert h.deliver_bytes(bad, "20241105093000000079", "9005") == "DUPLICATE"
    answers = [m for _, m in h.outbox("9120")]
    assert len(answers) == 2 and answers[0].body == answers[1].body
    assert answers[0].head.msg_id != answers[1].head.msg_id
    assert {a.head.msg_ref for a in answers} == {"20241105093000000079"}


def test_a_pass_after_a_late_refusal_activates_the_agreement(harness):
    h = harness
    payer = h.data.payers[2]
    aid = h.handle(c.RegisterAgreement(payer_id=payer, protocol_no="P7", pay_bk_code=BANK,
                                       pay_op_bk_code="102581002107", pay_acct="6222", hand_org_name="x",
                                       channel="ONLINE", requested_by="t"))
    first = h.last("9114").body.prove_info9114
    h.handle(c.VerifyAgreement(agreement_id=aid, requested_by="t"))
    second = h.last("9114").body.prove_info9114

    def reply(req, passed, reason=None):
        return Msg9115(ProveReturn9115(req.send_org_code, req.entrust_date, req.vc_no, req.vc_sign,
                                       req.tax_org_code, req.tax_pay_name, req.tax_pay_code,
                                       req.pay_op_bk_code, req.pay_bk_code, req.pay_acct,
                                       req.hand_org_name, req.protocol_no, "0" if passed else "1",
                                       reason))
    h.deliver(reply(first, False, "旧请求失败"))
    h.deliver(reply(second, True))
    assert scalar_all(h, select(AgreementRecord.state).where(AgreementRecord.id == aid)) == ["ACTIVE"]
