"""Bank-counter payments (§6.4, §11 6.4): the simulator's banks put 2091 and 2108 and read the
gateway's 1009 and 9120 answers; an unanswered 2108 is resent 3 times, 10 s apart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.codec.messages import Msg1009, Payment1009, RealHead1009, TaxTypeList1009

from .builders import BANK, BRANCH, DAY, ORG, lines
from .conftest import Received

VOUCHER = "344010624110599901"


def _answer_1009(peer, query: Received, result: str = "90000") -> None:
    q = query.block
    payment = None
    if result == "90000":
        payment = Payment1009(tax_org_code=q.tax_org_code, tax_pay_code=q.tax_pay_code,
                              tax_pay_name="某单位", tax_vou_no=q.tax_vou_no,
                              tra_amt=Decimal("50.00"), tax_type_num=1,
                              tax_type_list1009=lines(Decimal("50.00"), TaxTypeList1009))
    peer.put(Msg1009(RealHead1009(bank_no=q.bank_no, ori_entrust_date=q.entrust_date,
                                  ori_query_no=q.query_no, result=result), payment),
             answer_to=query.msg.head.msg_id)


def test_counter_query_puts_a_2091_and_records_the_1009(world, payer):
    sim, peer = world
    key = sim.counter_query(BANK, BRANCH, ORG, payer.tax_pay_code, VOUCHER)
    peer.pump()
    [query] = peer.replies()
    q = query.block
    assert query.msg_no == "2091" and query.env.queue.endswith("ONLINE.OUT")
    assert (q.bank_no, q.entrust_date, q.query_no, q.tax_vou_no) == (BANK, DAY, "00000001", VOUCHER)
    assert query.msg.head.msg_ref == query.msg.head.msg_id  # originating
    assert key == f"{BANK}|20241105|00000001"
    _answer_1009(peer, query)
    peer.pump()
    assert sim.key("2091", key)["answer"] == "90000"


def test_counter_payment_accepted_debits_once_and_belongs_to_the_answered_copy(world, payer,
                                                                                 clock):
    sim, peer = world
    sim.counter_query(BANK, BRANCH, ORG, payer.tax_pay_code, VOUCHER)
    key = sim.counter_pay(BANK, VOUCHER, Decimal("50.00"), acct=payer.acct)
    peer.pump()
    query, pay = peer.replies()
    p = pay.block
    assert pay.msg_no == "2108" and (p.tra_no, p.tra_amt, p.result) == \
        ("00000002", Decimal("50.00"), "90000")  # bank serials are shared with the QueryNo
    assert sim.account(payer.acct)[0]["balance"] == Decimal("99950.00")
    peer.answer_9120(pay)
    peer.pump()
    row = sim.key("2108", key)
    assert (row["op_stat"], row["answer"], row["chk_date"]) == ("20", "90000", "20241105")
    clock.advance(60)
    peer.pump()
    assert peer.replies() == []  # answered: no resend
    assert sim.ledger_totals() == {"debited": Decimal("50.00"), "returned": Decimal("0.00"),
                                   "net": Decimal("50.00")}


def test_unanswered_2108_is_resent_three_times_ten_seconds_apart(world, payer, clock):
    sim, peer = world
    key = sim.counter_pay(BANK, VOUCHER, Decimal("5.00"), tax_org_code=ORG)  # cash
    peer.pump()
    copies = peer.replies()
    for _ in range(5):
        clock.advance(9.5)
        peer.pump()
        assert peer.replies() == []
        clock.advance(0.5)
        peer.pump()
        copies += peer.replies()
    assert len(copies) == 4  # the first put and three resends
    assert len({c.msg.head.msg_id for c in copies}) == 4
    assert {c.msg.body for c in copies} == {copies[0].msg.body}
    assert sim.key("2108", key)["answer"] is None


def test_resent_copy_answered_after_a_day_switch_belongs_to_the_new_date(world, payer, clock):
    sim, peer = world
    key = sim.counter_pay(BANK, VOUCHER, Decimal("5.00"), tax_org_code=ORG)
    peer.pump()
    peer.replies()
    sim.day_switch(dt.date(2024, 11, 6))
    clock.advance(10)
    peer.pump()
    resent = [r for r in peer.replies() if r.msg_no == "2108"]
    assert resent[0].msg.head.work_date == dt.date(2024, 11, 6)
    peer.answer_9120(resent[0])
    peer.pump()
    assert sim.key("2108", key)["chk_date"] == "20241106"


def test_refused_2108_returns_the_money(world, payer):
    sim, peer = world
    key = sim.counter_pay(BANK, VOUCHER, Decimal("7.00"), acct=payer.acct, tax_org_code=ORG)
    peer.pump()
    [pay] = peer.replies()
    peer.answer_9120(pay, "24022")
    peer.pump()
    assert sim.key("2108", key)["op_stat"] == "21"
    assert sim.account(payer.acct)[0]["balance"] == Decimal("100000.00")
    assert sim.ledger_totals()["net"] == Decimal("0.00")


def test_counter_pay_needs_a_known_voucher_or_its_tax_office(world):
    sim, peer = world
    with pytest.raises(ValueError):
        sim.counter_pay(BANK, "unknown", Decimal("1.00"))


def test_non_success_2108_is_a_notice(world, payer):
    sim, peer = world
    key = sim.counter_pay(BANK, VOUCHER, Decimal("7.00"), result="99090", tax_org_code=ORG)
    peer.pump()
    [pay] = peer.replies()
    assert pay.block.result == "99090"
    peer.answer_9120(pay)
    peer.pump()
    assert sim.key("2108", key)["op_stat"] == "21"
    assert sim.ledger_totals()["debited"] == Decimal("0.00")
