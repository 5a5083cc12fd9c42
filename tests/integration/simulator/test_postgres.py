"""The simulator with its database (queues and state) on PostgreSQL: the main flows once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .builders import DAY, Payer, msg_1001, msg_1021, msg_1102, msg_1123, msg_9003

pytestmark = pytest.mark.postgres


def test_main_flows_on_postgresql(make_world, pg_url, clock):
    a, b = Payer(1), Payer(2, balance="1.00")
    sim, peer = make_world(payers=(a, b), sim_url=pg_url, package_delay_s=10,
                           max_3122_items=2)
    assert [r.block.result for r in peer.exchange(msg_1001(a, "00000001", "10.00"))] == \
        ["90000", "90000"]
    assert peer.exchange(msg_1001(a, "00000001", "10.00"))[1].block.result == "90000"  # stored
    assert peer.exchange(msg_1021("00000002", "00000001"))[1].block.cancel_answer == "1"
    assert peer.exchange(msg_1001(a, "00000002", "5.00"))[1].block.result == "24020"
    peer.exchange(msg_1102("00000001", [(a, "00000003", "3.00"), (b, "00000004", "4.00")]))
    peer.exchange(msg_1102("00000002", [(a, "00000005", "5.00")]))
    assert peer.exchange(msg_1123("00000001", "00000002"))[0].block.stop_answer == "1"
    clock.advance(10)
    peer.pump()
    [result] = peer.replies()
    assert (result.msg.body.batch_head2102.succ_num, result.msg.body.batch_head2102.succ_amt) == \
        (1, Decimal("3.00"))
    assert peer.exchange(msg_9003("00000002", package=True))[0].block.op_stat == "97"
    sim.day_switch()
    peer.pump()
    out = peer.replies()
    assert [r.msg_no for r in out] == ["9101", "3122", "3128", "9101"]
    assert out[1].block.all_num == 2 and out[1].block.all_amt == Decimal("13.00")
    assert out[2].msg.body.stock3128[0].today_receipt == Decimal("13.00")
    assert sim.ledger_totals()["net"] == Decimal("13.00")
    assert out[1].block.chk_date == DAY
