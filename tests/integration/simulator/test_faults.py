"""Fault injection, configured and per account: the simulator misbehaves on purpose, and only
as told (see gateway.simulator.faults for the syntax)."""

from __future__ import annotations

from decimal import Decimal

from gateway.codec import MessageRejected

from .builders import Payer, msg_1001, msg_1102, msg_9003, msg_9005


def test_drop_never_sends_that_reply(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("drop:2001",))
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000001"))] == ["9120"]
    assert sim.key("1001", "14401060000|20241105|00000001")["op_stat"] == "20"  # money moved


def test_delay_sends_it_later_on_the_simulator_clock(make_world, payer, clock):
    sim, peer = make_world(payers=(payer,), faults=("delay:9120:30",))
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000002"))] == ["2001"]
    clock.advance(29)
    peer.pump()
    assert peer.replies() == []
    clock.advance(1)
    peer.pump()
    assert [(r.msg_no, r.block.result) for r in peer.replies()] == [("9120", "90000")]


def test_late_is_a_delay(make_world, payer, clock):
    sim, peer = make_world(payers=(payer,), faults=("late:2001:120",))
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000003"))] == ["9120"]
    clock.advance(120)
    peer.pump()
    assert [r.msg_no for r in peer.replies()] == ["2001"]


def test_dup_sends_the_same_message_twice(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("dup:2001",))
    replies = peer.exchange(msg_1001(payer, "00000004"))
    assert [r.msg_no for r in replies] == ["9120", "2001", "2001"]
    assert replies[1].msg.head.msg_id == replies[2].msg.head.msg_id
    assert sim.ledger_totals()["debited"] == Decimal("123.45")


def test_corrupt_sends_a_readable_head_with_an_invalid_body(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("corrupt:2001",))
    ack, bad = peer.exchange(msg_1001(payer, "00000005"))
    assert bad.msg is None
    try:
        peer.codec.decode(bad.env.body, ccsid=bad.env.ccsid)
    except MessageRejected as exc:
        assert exc.code == "92004" and exc.head_readable and exc.msg_no == "2001"
    else:  # pragma: no cover
        raise AssertionError("a corrupt message must not decode")


def test_garble_sends_an_unreadable_head(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("garble:9120",))
    bad, result = peer.exchange(msg_1001(payer, "00000006"))
    try:
        peer.codec.decode(bad.env.body)
    except MessageRejected as exc:
        assert not exc.head_readable
    assert result.msg_no == "2001"


def test_lose_swallows_the_first_1001_so_the_query_says_98(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("lose:1001*1",))
    assert peer.exchange(msg_1001(payer, "00000007")) == []
    [status] = peer.exchange(msg_9003("00000007"))
    assert status.block.op_stat == "98"
    # the gateway resends the same 1001 once (new MsgID); now it gets through
    assert [r.block.result for r in peer.exchange(msg_1001(payer, "00000007"))] == \
        ["90000", "90000"]


def test_opstat_per_account_forces_the_9004(make_world):
    forced, normal = Payer(1, fault="opstat:21"), Payer(2)
    sim, peer = make_world(payers=(forced, normal))
    peer.exchange(msg_1001(forced, "00000008"))
    peer.exchange(msg_1001(normal, "00000009"))
    assert peer.exchange(msg_9003("00000008"))[0].block.op_stat == "21"
    assert peer.exchange(msg_9003("00000009"))[0].block.op_stat == "20"


def test_account_fault_applies_only_to_that_accounts_messages(make_world):
    quiet, loud = Payer(1, fault="drop:2001,drop:9120"), Payer(2)
    sim, peer = make_world(payers=(quiet, loud))
    assert peer.exchange(msg_1001(quiet, "00000010")) == []
    assert len(peer.exchange(msg_1001(loud, "00000011"))) == 2


def test_ets_refuse_answers_the_1001_with_a_9120_refusal(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("ets_refuse:91005",))
    [answer] = peer.exchange(msg_1001(payer, "00000012"))
    assert (answer.msg_no, answer.block.result) == ("9120", "91005")
    assert sim.key("1001", "14401060000|20241105|00000012")["op_stat"] == "11"


def test_ets_refuse_for_a_link_test(make_world):
    sim, peer = make_world(faults=("ets_refuse:99090:9005",))
    assert peer.exchange(msg_9005())[0].block.result == "99090"


def test_undeliverable_fault_gives_a_9122(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("undeliverable",))
    replies = peer.exchange(msg_1102("00000001", [(payer, "00000001", "1.00")]))
    assert [r.msg_no for r in replies] == ["9121", "9122"]
    assert sim.ledger_totals()["debited"] == Decimal("0.00")


def test_limited_fault_fires_only_n_times(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("drop:2001*1",))
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000013"))] == ["9120"]
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000014"))] == ["9120", "2001"]


def test_faults_apply_again_to_stored_answers_re_sent(make_world, payer):
    sim, peer = make_world(payers=(payer,), faults=("drop:2001",))
    peer.exchange(msg_1001(payer, "00000015"))
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000015"))] == ["9120"]
