"""The day switch (§6.8, §6.9, §11 6.8-6.11): 9101 SysStat 1, a 3122 per TaxOrgCode (split into
sub-packages, or one empty sub-package), the 3128 with its balance identity, 9101 SysStat 0."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from .builders import BANK, DAY, ORG, TREASURY, Payer, msg_1001, msg_1021, msg_1102

NEXT = dt.date(2024, 11, 6)
OTHER_ORG = "14401070000"


def _day_of_business(sim, peer, payers):
    """A success, a reversal, a blocked and a failed 1001, a package, a counter payment."""
    a, b, poor = payers
    peer.exchange(msg_1001(a, "00000001", "100.00"))  # 20
    peer.exchange(msg_1001(b, "00000002", "20.00"))  # reversed -> 97 with its TaxDate
    peer.exchange(msg_1021("00000002", "00000001"))
    peer.exchange(msg_1021("00000003", "00000002"))  # blocked before it was made: absent
    peer.exchange(msg_1001(a, "00000003", "30.00"))
    peer.exchange(msg_1001(poor, "00000004", "40.00"))  # 24007: absent
    peer.exchange(msg_1102("00000001", [(a, "00000005", "5.00"), (poor, "00000006", "6.00")]))
    key = sim.counter_pay(BANK, "344010624110599902", Decimal("7.00"), tax_org_code=ORG)
    peer.pump()
    [pay] = [r for r in peer.replies() if r.msg_no == "2108"]
    peer.answer_9120(pay)
    peer.pump()
    return key


def test_day_switch_sends_9101_3122_3128_9101(make_world):
    payers = (Payer(1), Payer(2), Payer(3, balance="1.00"))
    sim, peer = make_world(payers=payers, max_3122_items=3)
    sim.configure_org(OTHER_ORG, TREASURY)
    _day_of_business(sim, peer, payers)
    peer.replies()
    assert sim.day_switch(max_items=3) == NEXT  # next clearing day
    peer.pump()
    out = peer.replies("BATCH")
    assert [r.msg_no for r in out] == ["9101", "3122", "3122", "3122", "3128", "9101"]
    first, last = out[0].block, out[-1].block
    assert (first.work_date, first.sys_stat, last.work_date, last.sys_stat) == \
        (NEXT, "1", NEXT, "0")
    assert all(r.msg.head.work_date == NEXT for r in out)
    assert sim.work_date == NEXT and sim.status()["sys_stat"] == "0"

    subs = [r.msg.body for r in out if r.msg_no == "3122"]
    mine = [s for s in subs if s.batch_head3122.tax_org_code == ORG]
    heads = [s.batch_head3122 for s in mine]
    assert [(h.cur_pack_no, h.child_pack_num, h.cur_pack_num) for h in heads] == \
        [(1, 2, 3), (2, 2, 1)]
    assert {h.pack_no for h in heads} == {"00000001"} and {h.chk_date for h in heads} == {DAY}
    assert {(h.all_num, h.all_amt) for h in heads} == {(4, Decimal("132.00"))}
    items = [i for s in mine for i in s.comp_deduct3122]
    got = {(i.ori_msg_no, i.ori_send_org_code, i.ori_pack_no, i.ori_tra_no, i.op_stat, i.tra_amt)
           for i in items}
    assert got == {
        ("1001", ORG, "00000000", "00000001", "20", Decimal("100.00")),
        ("1001", ORG, "00000000", "00000002", "97", Decimal("20.00")),
        ("1102", ORG, "00000001", "00000005", "20", Decimal("5.00")),
        # the bank's serial 1 went to the 2102 PackNo: one counter per (bank, date)
        ("2108", BANK, "00000000", "00000002", "20", Decimal("7.00")),
    }
    assert all(i.tax_date == DAY and i.payee_org_code == TREASURY for i in items)

    [empty] = [s.batch_head3122 for s in subs if s.batch_head3122.tax_org_code == OTHER_ORG]
    assert (empty.all_num, empty.all_amt, empty.child_pack_num, empty.cur_pack_no,
            empty.cur_pack_num, empty.pack_no) == (0, Decimal("0.00"), 1, 1, 0, "00000002")

    report = out[4].msg.body
    assert report.bill_head3128.report_date == DAY and report.bill_head3128.all_num >= 1
    receipts = defaultdict(Decimal)
    for i in items:
        if i.op_stat == "20":
            receipts[i.payee_org_code] += i.tra_amt
    for s in report.stock3128:
        assert s.acct_date == DAY
        assert s.yesterday_balance + s.today_receipt - s.today_pay == s.today_balance
        assert s.today_receipt == receipts[s.tre_code]
    assert report.stock3128[0].today_receipt == Decimal("112.00")


def test_empty_day_and_balance_carried_to_the_next_report(make_world):
    payer = Payer(1)
    sim, peer = make_world(payers=(payer,))
    sim.configure_special_account(TREASURY, "4401000000270001", "国家金库广州市中心支库",
                                  balance="1000.00")
    peer.exchange(msg_1001(payer, "00000001", "10.00"))
    sim.day_switch()
    peer.pump()
    out = peer.replies("BATCH")
    [stock] = out[-2].msg.body.stock3128
    assert (stock.yesterday_balance, stock.today_receipt, stock.today_balance) == \
        (Decimal("1000.00"), Decimal("10.00"), Decimal("1010.00"))
    for r in out:
        if r.msg_no in ("3122", "3128"):
            peer.ack(r)
    peer.pump()
    assert {s["answer_result"] for s in sim.sent() if s["msg_no"] in ("3122", "3128")} == \
        {"90000"}
    sim.day_switch(dt.date(2024, 11, 7))
    peer.pump()
    out = peer.replies("BATCH")
    [package] = [r.block for r in out if r.msg_no == "3122"]
    assert (package.chk_date, package.all_num, package.cur_pack_num, package.pack_no) == \
        (NEXT, 0, 0, "00000001")
    [stock] = out[-2].msg.body.stock3128
    assert (stock.yesterday_balance, stock.today_receipt, stock.today_balance) == \
        (Decimal("1010.00"), Decimal("0.00"), Decimal("1010.00"))


def test_pending_debits_are_final_before_the_3122(make_world, payer):
    sim, peer = make_world(payers=(payer,), bank_delay_s=3600)
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000001", "10.00"))] == ["9120"]
    sim.day_switch()
    peer.pump()
    online, batch = peer.replies("ONLINE"), peer.replies("BATCH")
    assert [(r.msg_no, r.block.result, r.block.tax_date) for r in online] == \
        [("2001", "90000", DAY)]
    [package] = [r for r in batch if r.msg_no == "3122"]
    assert [i.ori_tra_no for i in package.msg.body.comp_deduct3122] == ["00000001"]
    assert sim.status()["pending_jobs"] == 0


def test_day_switch_refuses_to_go_back(world):
    sim, peer = world
    try:
        sim.day_switch(DAY)
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a day switch to the same date must fail")
    assert sim.work_date == DAY


def test_weekend_and_holidays_are_skipped(make_world):
    sim, peer = make_world(initial_work_date="20240930")  # Monday before National Day
    assert sim.day_switch() == dt.date(2024, 10, 8)


def test_entry_faults_alter_the_3122_but_not_the_money(make_world):
    """The simulator's entry faults (for reconciliation tests): omit, alter, reverse, invent."""
    payers = (Payer(1, fault="entry_amount*1,entry_extra:2108*1"),
              Payer(2, fault="entry_omit"), Payer(3, balance="1.00"))
    sim, peer = make_world(payers=payers)
    a, b, _poor = payers
    peer.exchange(msg_1001(a, "00000001", "100.00"))
    peer.exchange(msg_1001(a, "00000002", "10.00"))  # the *1 limits are spent on the first
    peer.exchange(msg_1001(b, "00000003", "20.00"))
    peer.exchange(msg_1102("00000001", [(a, "00000005", "5.00")]))
    peer.replies()
    sim.day_switch()
    peer.pump()
    out = peer.replies("BATCH")
    items = [i for r in out if r.msg_no == "3122" for i in r.msg.body.comp_deduct3122]
    got = sorted((i.ori_msg_no, i.ori_tra_no, i.tra_amt) for i in items)
    assert got == sorted([("1001", "00000001", Decimal("100.01")),
                          ("2108", "99000001", Decimal("100.01")),  # modelled on the entry
                          ("1001", "00000002", Decimal("10.00")),
                          ("1102", "00000005", Decimal("5.00"))])
    invented = next(i for i in items if i.ori_msg_no == "2108")
    assert invented.ori_send_org_code == BANK and invented.ori_pack_no == "00000000"
    [report] = [r.msg.body for r in out if r.msg_no == "3128"]
    # the 3128 sums the entries as sent, and its balance identity holds
    assert all(s.yesterday_balance + s.today_receipt - s.today_pay == s.today_balance
               for s in report.stock3128)
