"""Asynchronous batches against the simulator: 1102 ⇒ 9121, 2102 (or 9122) after
``package_delay_s``, stops (1123 ⇒ 2123) and package status queries (§6.6, §6.7, §6.10)."""

from __future__ import annotations

from decimal import Decimal

from gateway.codec import msg_id_to_mqmd

from .builders import DAY, ORG, OTHER_BANK, Payer, msg_1102, msg_1123, msg_9003

PACKAGE_DELAY_S = 60


def _world(make_world, *payers, **kw):
    kw.setdefault("package_delay_s", PACKAGE_DELAY_S)
    return make_world(payers=payers, **kw)


def _items(payers, amounts):
    return [(p, f"{n:08d}", a) for n, (p, a) in enumerate(zip(payers, amounts), 1)]


def test_package_is_received_then_answered_with_a_2102(make_world, clock):
    rich, poor = Payer(1), Payer(2, balance="1.00")
    sim, peer = _world(make_world, rich, poor)
    msg_id = peer.put(msg_1102("00000045", _items((rich, poor), ("5210.40", "1876.00"))))
    peer.pump()
    [receipt] = peer.replies()
    b = receipt.block
    assert (receipt.msg_no, b.ori_msg_no, b.ori_send_org_code, b.ori_entrust_date,
            b.ori_request_no, b.result) == ("9121", "1102", ORG, DAY, "00000045", "90000")
    clock.advance(PACKAGE_DELAY_S - 1)
    peer.pump()
    assert peer.replies() == []
    clock.advance(1)
    peer.pump()
    [result] = peer.replies()
    h = result.msg.body.batch_head2102
    assert result.msg_no == "2102" and result.env.queue.endswith("BATCH.OUT")
    assert result.msg.head.msg_ref == msg_id and result.env.correl_id == msg_id_to_mqmd(msg_id)
    assert (h.ori_tax_org_code, h.ori_entrust_date, h.ori_pack_no, h.entrust_date) == \
        (ORG, DAY, "00000045", DAY)
    assert (h.all_num, h.all_amt, h.succ_num, h.succ_amt, h.result) == \
        (2, Decimal("7086.40"), 1, Decimal("5210.40"), "90000")
    assert h.pack_no == "00000001"  # the bank's own serial
    items = result.msg.body.batch_return2102
    assert [(i.ori_tra_no, i.result, i.tax_date) for i in items] == \
        [("00000001", "90000", DAY), ("00000002", "24007", None)]
    assert sim.ledger_totals()["debited"] == Decimal("5210.40")


def test_duplicate_package_is_re_acknowledged_not_processed(make_world, clock):
    payer = Payer(1)
    sim, peer = _world(make_world, payer, package_delay_s=0)
    body = msg_1102("00000046", _items((payer,), ("10.00",)))
    assert [r.msg_no for r in peer.exchange(body)] == ["9121", "2102"]
    dup_id = peer.put(body)
    peer.pump()
    [again] = peer.replies()
    assert (again.msg_no, again.block.result, again.msg.head.msg_ref) == ("9121", "90000", dup_id)
    assert sim.ledger_totals()["debited"] == Decimal("10.00")


def test_unknown_bank_package_is_refused_92006(make_world):
    payer = Payer(1)
    sim, peer = _world(make_world, payer)
    [receipt] = peer.exchange(msg_1102("00000047", _items((payer,), ("1.00",)), bank=OTHER_BANK))
    assert receipt.block.result == "92006"


def test_undeliverable_package_gets_a_9122_and_no_2102(make_world, clock):
    payer = Payer(1)
    sim, peer = _world(make_world, payer, package_delay_s=0)
    body = msg_1102("00000048", _items((payer,), ("1.00",)), branch="102581009999")
    replies = peer.exchange(body)
    assert [(r.msg_no, r.block.result) for r in replies] == [("9121", "90000"), ("9122", "99090")]
    assert replies[1].block.ori_request_no == "00000048"
    [status] = peer.exchange(msg_9003("00000048", package=True))
    assert status.block.op_stat == "11"
    # a duplicate of the package gets its stored 9121 and 9122 again, never a 2102
    assert [r.msg_no for r in peer.exchange(body)] == ["9121", "9122"]


def test_whole_package_stop_before_processing(make_world, clock):
    payer = Payer(1)
    sim, peer = _world(make_world, payer)
    peer.exchange(msg_1102("00000049", _items((payer,), ("1.00",))))
    [stop] = peer.exchange(msg_1123("00000001", "00000049"))
    s = stop.block
    assert (stop.msg_no, s.stop_answer, s.ori_stop_no, s.ori_pack_no, s.ori_tra_no) == \
        ("2123", "1", "00000001", "00000049", "00000000")
    assert stop.env.queue.endswith("BATCH.OUT")
    clock.advance(PACKAGE_DELAY_S)
    peer.pump()
    assert peer.replies() == []  # no 2102 follows
    [status] = peer.exchange(msg_9003("00000049", package=True))
    assert status.block.op_stat == "97"
    assert peer.exchange(msg_1123("00000002", "00000049"))[0].block.stop_answer == "1"
    assert sim.ledger_totals()["debited"] == Decimal("0.00")


def test_item_stop_is_answered_1_and_the_item_listed_24020(make_world, clock):
    a, b = Payer(1), Payer(2)
    sim, peer = _world(make_world, a, b)
    peer.exchange(msg_1102("00000050", _items((a, b), ("1.00", "2.00"))))
    assert peer.exchange(msg_1123("00000003", "00000050", "00000002"))[0].block.stop_answer == "1"
    assert peer.exchange(msg_1123("00000004", "00000050", "00000009"))[0].block.stop_answer == "2"
    clock.advance(PACKAGE_DELAY_S)
    peer.pump()
    [result] = peer.replies()
    assert [(i.ori_tra_no, i.result) for i in result.msg.body.batch_return2102] == \
        [("00000001", "90000"), ("00000002", "24020")]
    assert result.msg.body.batch_head2102.succ_amt == Decimal("1.00")


def test_stop_after_processing_or_for_unknown_package_is_refused(make_world, clock):
    payer = Payer(1)
    sim, peer = _world(make_world, payer, package_delay_s=0)
    peer.exchange(msg_1102("00000051", _items((payer,), ("1.00",))))
    late = peer.exchange(msg_1123("00000005", "00000051"))[0].block
    assert (late.stop_answer, bool(late.add_word)) == ("2", True)
    assert peer.exchange(msg_1123("00000006", "00000099"))[0].block.stop_answer == "2"
    # a repeated StopNo gets the same 2123
    assert peer.exchange(msg_1123("00000005", "00000051"))[0].block == late


def test_package_query_redelivers_an_unacknowledged_2102(make_world):
    payer = Payer(1)
    sim, peer = _world(make_world, payer, package_delay_s=0)
    msg_id = peer.put(msg_1102("00000052", _items((payer,), ("1.00",))))
    peer.pump()
    receipt, first = peer.replies()
    [status, again] = peer.exchange(msg_9003("00000052", package=True))
    assert (status.msg_no, status.block.op_stat, status.block.chk_date) == ("9004", "20", DAY)
    assert again.msg_no == "2102" and again.msg.head.msg_id != first.msg.head.msg_id
    assert again.msg.head.msg_ref == msg_id and again.env.correl_id == msg_id_to_mqmd(msg_id)
    assert again.msg.body == first.msg.body
    peer.ack(again)
    peer.pump()
    [status] = peer.exchange(msg_9003("00000052", package=True))
    assert status.block.op_stat == "20"  # acknowledged now: no further redelivery
    assert sim.sent("2102")[-1]["answer_result"] == "90000"


def test_package_status_while_pending(make_world):
    payer = Payer(1)
    sim, peer = _world(make_world, payer)
    peer.exchange(msg_1102("00000053", _items((payer,), ("1.00",))))
    [status] = peer.exchange(msg_9003("00000053", package=True))
    assert (status.block.op_stat, status.block.chk_date) == ("10", DAY)
    [unknown] = peer.exchange(msg_9003("00000054", package=True))
    assert unknown.block.op_stat == "98"


def test_a_failing_job_is_postponed_and_does_not_block_others(make_world, clock, monkeypatch):
    from gateway.simulator import jobs, packages

    a, b = Payer(1), Payer(2)
    sim, peer = _world(make_world, a, b)
    peer.exchange(msg_1102("00000060", _items((a,), ("1.00",))))
    peer.exchange(msg_1102("00000061", _items((b,), ("2.00",))))
    real = packages.process
    first = sim.key("1102", "14401060000|20241105|00000060")["id"]

    def flaky(tx, key_id):
        if key_id == first:
            raise RuntimeError("simulated bug")
        real(tx, key_id)

    monkeypatch.setattr(packages, "process", flaky)
    clock.advance(PACKAGE_DELAY_S)
    peer.pump()
    [result] = peer.replies()
    assert result.msg.body.batch_head2102.ori_pack_no == "00000061"
    monkeypatch.setattr(packages, "process", real)
    clock.advance(jobs.RETRY_FAILED_JOB_S)
    peer.pump()
    assert [r.msg.body.batch_head2102.ori_pack_no for r in peer.replies()] == ["00000060"]
