"""Single real-time debit through the bus and the inbound processor (§6.2, §7.2, §8)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.codec.messages import (Msg2001, Msg9004, Msg9120, MsgReturn9120, SingleReturn2001,
                                    TraStatusReturn9004)
from gateway.codec.mq_ids import REQ_CORREL_ID
from gateway.domain.commands import SubmitDebit
from gateway.domain.errors import AgreementNotActive, LevyNotPayable
from gateway.persistence.records import AgreementRecord, DebitRecord, LevyRecord, ReviewItemRecord
from tests.integration.flows.conftest import DAY


def levy_states(h, payer):
    with h.rt.app.engine.connect() as conn:
        return [r.state for r in conn.execute(select(LevyRecord).where(LevyRecord.payer_id == payer)
                                              .order_by(LevyRecord.id))]


def debit_row(h, debit_id):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(select(DebitRecord).where(DebitRecord.id == debit_id)).one()


def submit(h, payer=None):
    payer = payer or h.data.payers[0]
    return h.handle(SubmitDebit(payer_id=payer, levy_ids=tuple(h.data.levies[payer]),
                                requested_by="test"))


def ack(h, result="90000", add_word=None):
    req = h.last("1001")
    return h.deliver(Msg9120(MsgReturn9120(ori_msg_no="1001", result=result, add_word=add_word)),
                     msg_ref=req.head.msg_id)


def answer(h, result="90000", add_word=None, tax_date=DAY, vou=None):
    req = h.last("1001")
    rh = req.body.real_head1001
    return h.deliver(Msg2001(SingleReturn2001(
        ori_tax_org_code=rh.tax_org_code, ori_entrust_date=rh.entrust_date, ori_tra_no=rh.tra_no,
        tax_vou_no=vou or req.body.payment1001.tax_vou_no,
        tax_date=tax_date if result in ("90000", "94051") else None, result=result,
        add_word=add_word)), msg_ref=req.head.msg_id)


def test_submit_locks_levies_and_writes_the_1001_in_one_transaction(harness):
    h = harness
    d = submit(h)
    assert levy_states(h, h.data.payers[0]) == ["LOCKED"] * 3
    rows = h.outbox("1001")
    assert len(rows) == 1
    record, msg = rows[0]
    assert record.correl_id == REQ_CORREL_ID and record.ccsid == 1386
    assert record.queue == "ETS.EXT.ONLINE.IN"
    p = msg.body.payment1001
    assert p.tra_amt == Decimal("12345.60") == d.amount
    assert [line.tax_type_amt for line in p.tax_type_list1001] == [
        Decimal("8640.00"), Decimal("3086.40"), Decimal("619.20")]
    assert [line.project_id for line in p.tax_type_list1001] == [1, 2, 3]
    assert p.tax_type_list1001[0].tax_type_name == "企业职工基本养老保险费"
    assert msg.body.real_head1001.tra_no == "00000001" and msg.body.real_head1001.entrust_date == DAY
    assert p.tax_vou_no == d.tax_vou_no and len(p.tax_vou_no) == 18
    assert msg.body.turn_account1001.payee_org_code == "4401000000"  # inherited from the city
    assert msg.head.msg_id == msg.head.msg_ref and msg.head.work_date == DAY
    assert debit_row(h, d.id).state == "SENT"


def test_success_marks_levies_paid_with_the_bank_date(harness):
    h = harness
    d = submit(h)
    assert ack(h) == "PROCESSED"
    assert debit_row(h, d.id).state == "ACCEPTED"
    answer(h, tax_date=DAY)
    row = debit_row(h, d.id)
    assert row.state == "SUCCEEDED" and row.tax_date == DAY and row.result_code == "90000"
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3


def test_2001_before_9120_resolves_directly(harness):
    h = harness
    d = submit(h)
    answer(h)
    assert debit_row(h, d.id).state == "SUCCEEDED"
    ack(h)  # the late acceptance changes nothing
    assert debit_row(h, d.id).state == "SUCCEEDED"


@pytest.mark.parametrize("code,text", [("24001", "账户不存在"), ("24004", "账户已冻结"),
                                       ("24007", "账户余额不足"), ("24009", "无此账户的三方协议"),
                                       ("24011", "三方协议验证失败"), ("24020", "业务已撤销"),
                                       ("99090", "银行处理失败")])
def test_each_bank_refusal_unlocks_and_records_the_reason(harness, code, text):
    h = harness
    d = submit(h)
    ack(h)
    answer(h, code)
    row = debit_row(h, d.id)
    assert row.state == "FAILED" and row.result_code == code and text in row.reason
    assert levy_states(h, h.data.payers[0]) == ["UNPAID"] * 3
    with h.rt.app.engine.connect() as conn:
        state = conn.execute(select(AgreementRecord.state)
                             .where(AgreementRecord.id == h.data.agreements[h.data.payers[0]])).scalar()
    assert state == ("SUSPENDED" if code in ("24001", "24009", "24011") else "ACTIVE")


def test_ets_refusal_in_9120_fails_the_debit(harness):
    h = harness
    d = submit(h)
    ack(h, "92006", "付款行未知")
    assert debit_row(h, d.id).state == "FAILED"
    assert levy_states(h, h.data.payers[0]) == ["UNPAID"] * 3


def test_unknown_code_makes_the_debit_in_doubt_and_keeps_the_lock(harness):
    h = harness
    d = submit(h)
    answer(h, "12345", "未知")
    assert debit_row(h, d.id).state == "IN_DOUBT"
    assert levy_states(h, h.data.payers[0]) == ["LOCKED"] * 3
    with pytest.raises(LevyNotPayable):
        submit(h)  # never a second TraNo for the same levies while one is unresolved


def test_duplicate_2001_is_ignored_and_94051_counts_as_success(harness):
    h = harness
    d = submit(h)
    answer(h, "94051")
    assert debit_row(h, d.id).state == "SUCCEEDED"
    answer(h, "90000")
    with h.rt.app.engine.connect() as conn:
        reviews = conn.execute(select(ReviewItemRecord.kind)).scalars().all()
    assert "DUPLICATE_PAYMENT" not in reviews  # the same debit reported twice is not a second payment
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3


def test_redelivered_2001_same_msg_id_is_not_reprocessed(harness):
    h = harness
    d = submit(h)
    req = h.last("1001")
    body = Msg2001(SingleReturn2001(req.body.real_head1001.tax_org_code, DAY,
                                    req.body.real_head1001.tra_no, req.body.payment1001.tax_vou_no,
                                    None, "24007", "余额不足"))
    assert h.deliver(body, msg_ref=req.head.msg_id, msg_id="20241105093100000001") == "PROCESSED"
    assert h.deliver(body, msg_ref=req.head.msg_id, msg_id="20241105093100000001") == "DUPLICATE"
    assert debit_row(h, d.id).state == "FAILED"


def test_2001_with_other_voucher_is_recorded_for_review(harness):
    h = harness
    d = submit(h)
    answer(h, vou="999999999999999999")
    assert debit_row(h, d.id).state == "SENT"
    with h.rt.app.engine.connect() as conn:
        assert conn.execute(select(ReviewItemRecord.kind)).scalars().all() == ["UNMATCHED_2001"]


def test_no_9120_then_query_schedule_and_opstat_20(harness):
    h = harness
    d = submit(h)
    h.clock.advance(9)
    h.sweep()
    assert debit_row(h, d.id).state == "SENT"
    h.clock.advance(2)
    h.sweep()
    assert debit_row(h, d.id).state == "IN_DOUBT"
    assert h.outbox("9003") == []
    h.clock.advance(60)
    h.sweep()
    queries = h.outbox("9003")
    assert len(queries) == 1
    q = queries[0][1].body.tra_status_check9003
    assert (q.search_type, q.ori_msg_no, q.ori_tra_no, q.ori_pack_no) == ("0", "1001", "00000001", "00000000")
    h.clock.advance(120)
    h.sweep()
    assert len(h.outbox("9003")) == 1  # next step at 5 min after IN_DOUBT
    h.clock.advance(120)
    h.sweep()
    assert len(h.outbox("9003")) == 2
    h.deliver(Msg9004(TraStatusReturn9004("14401060000", "0", "1001", DAY, "00000000", "00000001",
                                          DAY, "20")))
    assert debit_row(h, d.id).state == "SUCCEEDED"
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3


@pytest.mark.parametrize("op", ["21", "11", "99"])
def test_opstat_failure_unlocks(harness, op):
    h = harness
    d = submit(h)
    h.clock.advance(11)
    h.sweep()
    h.deliver(Msg9004(TraStatusReturn9004("14401060000", "0", "1001", DAY, "00000000", "00000001",
                                          DAY, op)))
    assert debit_row(h, d.id).state == "FAILED"
    assert levy_states(h, h.data.payers[0]) == ["UNPAID"] * 3


def test_opstat_98_resends_the_same_1001_once(harness):
    h = harness
    d = submit(h)
    first = h.last("1001")
    h.clock.advance(11)
    h.sweep()
    nf = Msg9004(TraStatusReturn9004("14401060000", "0", "1001", DAY, "00000000", "00000001", DAY, "98"))
    h.deliver(nf)
    sent = h.outbox("1001")
    assert len(sent) == 2
    again = sent[1][1]
    assert again.body == first.body and again.head.msg_id != first.head.msg_id
    assert debit_row(h, d.id).state == "SENT" and debit_row(h, d.id).resent
    h.clock.advance(11)
    h.sweep()
    h.deliver(nf)
    assert len(h.outbox("1001")) == 2  # exactly one resend
    assert debit_row(h, d.id).state == "IN_DOUBT"


def test_late_2001_after_failure_is_applied_and_flagged(harness):
    h = harness
    d = submit(h)
    ack(h, "92004", "报文错误")
    assert debit_row(h, d.id).state == "FAILED"
    answer(h, "90000")
    assert debit_row(h, d.id).state == "SUCCEEDED"
    with h.rt.app.engine.connect() as conn:
        assert "LATE_SUCCESS" in conn.execute(select(ReviewItemRecord.kind)).scalars().all()
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3


def test_preconditions(harness):
    h = harness
    payer = h.data.payers[1]
    with h.rt.uow() as uow:
        a = uow.agreements.get(h.data.agreements[payer])
        a.suspend("24009", "x")
        uow.agreements.save(a)
        uow.commit()
    with pytest.raises(AgreementNotActive):
        submit(h, payer)
    assert levy_states(h, payer) == ["UNPAID"] * 3
    assert h.outbox("1001") == []


def test_in_doubt_debits_are_listed_for_staff_with_masked_accounts(harness):
    from gateway.persistence.queries import debits_by_state

    h = harness
    d = submit(h)
    h.clock.advance(11)
    h.sweep()
    with h.rt.app.engine.connect() as conn:
        rows = debits_by_state(conn, ("IN_DOUBT",))
        other_office = debits_by_state(conn, ("IN_DOUBT",), tax_org_code="14401000000")
    assert [r["id"] for r in rows] == [d.id] and other_office == []
    assert rows[0]["account"] == "3602***********3456"


def test_msgref_disagreeing_with_the_key_raises_an_alert_and_the_key_wins(harness):
    from gateway.persistence.records import AlertRecord

    h = harness
    first = submit(h, h.data.payers[0])
    req1 = h.last("1001")
    submit(h, h.data.payers[1])
    req2 = h.last("1001")
    rh = req1.body.real_head1001
    h.deliver(Msg2001(SingleReturn2001(rh.tax_org_code, rh.entrust_date, rh.tra_no,
                                       req1.body.payment1001.tax_vou_no, DAY, "90000", None)),
              msg_ref=req2.head.msg_id)
    assert debit_row(h, first.id).state == "SUCCEEDED"
    with h.rt.app.engine.connect() as conn:
        alerts = conn.execute(select(AlertRecord.message)).scalars().all()
    assert any("matched by the body's key" in a for a in alerts)
