"""9114 ⇒ 9115 (§6.1) and the ETS's treatment of messages it cannot take (§3.1 rule 8, §3.2,
§11 3.1): invalid but readable, unreadable, not for us, wrong queue."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, select

from gateway.codec import CfxMessage, originating_head
from gateway.simulator import schema as t

from .builders import DAY, ORG, OTHER_BANK, Payer, msg_1001, msg_1102, msg_9005, msg_9114


def test_verify_passes_for_a_matching_agreement(world, payer):
    sim, peer = world
    msg_id = peer.put(msg_9114(payer, "00000001"))
    peer.pump()
    [answer] = peer.replies()
    b = answer.block
    assert answer.msg_no == "9115" and answer.msg.head.msg_ref == msg_id
    assert (b.vc_result, b.ori_vc_no, b.ori_entrust_date, b.pay_acct) == \
        ("0", "00000001", DAY, payer.acct)


def test_verify_fails_on_a_name_mismatch_or_unknown_agreement(world, payer):
    sim, peer = world
    [a] = peer.exchange(msg_9114(payer, "00000002", name="别人"))
    assert (a.block.vc_result, bool(a.block.add_word)) == ("1", True)
    [b] = peer.exchange(msg_9114(Payer(9), "00000003"))
    assert b.block.vc_result == "1"


def test_revoke_then_verify_and_debit(world, payer):
    sim, peer = world
    [revoke] = peer.exchange(msg_9114(payer, "00000004", vc_sign="1"))
    assert revoke.block.vc_result == "0"
    [again] = peer.exchange(msg_9114(payer, "00000005", vc_sign="1"))  # already revoked
    assert again.block.vc_result == "0"
    [verify] = peer.exchange(msg_9114(payer, "00000006"))
    assert verify.block.vc_result == "1"
    assert peer.exchange(msg_1001(payer, "00000001"))[1].block.result == "24009"


def test_unknown_bank_9114_gets_9120_92006(world, payer):
    sim, peer = world
    [answer] = peer.exchange(msg_9114(payer, "00000007", bank=OTHER_BANK))
    assert (answer.msg_no, answer.block.ori_msg_no, answer.block.result) == \
        ("9120", "9114", "92006")


def test_invalid_1001_is_answered_92004_and_its_key_held_as_11(world, payer):
    sim, peer = world
    body = msg_1001(payer, "00000020", "10.00")
    # TraAmt is no longer the sum of the lines: a broken cross-field rule
    bad = replace(body, payment1001=replace(body.payment1001, tra_amt=Decimal("11.00")))
    msg_id = peer.put(bad, valid=False)
    peer.pump()
    [answer] = peer.replies()
    assert (answer.msg_no, answer.block.ori_msg_no, answer.block.result) == \
        ("9120", "1001", "92004")
    assert answer.msg.head.msg_ref == msg_id
    assert sim.key("1001", f"{ORG}|20241105|00000020")["op_stat"] == "11"
    # the key is held: a valid 1001 with it is a duplicate and gets the stored 92004
    [dup] = peer.exchange(msg_1001(payer, "00000020", "10.00"))
    assert (dup.msg_no, dup.block.result) == ("9120", "92004")
    assert sim.ledger_totals()["debited"] == Decimal("0.00")


def test_invalid_1102_is_answered_9121_92004_on_batch(world, payer):
    sim, peer = world
    body = msg_1102("00000031", [(payer, "00000001", "10.00")])
    bad = replace(body, batch_head1102=replace(body.batch_head1102, all_amt=Decimal("99.00")))
    peer.put(bad, valid=False)
    peer.pump()
    [answer] = peer.replies()
    b = answer.block
    assert (answer.msg_no, b.ori_msg_no, b.ori_send_org_code, b.ori_request_no, b.result) == \
        ("9121", "1102", ORG, "00000031", "92004")
    assert answer.env.queue.endswith("BATCH.OUT")
    assert sim.key("1102", f"{ORG}|20241105|00000031")["op_stat"] == "11"


def test_package_over_the_item_limit_is_refused_92005(make_world):
    payers = tuple(Payer(n) for n in range(1, 4))
    sim, peer = make_world(payers=payers, max_package_items=2)
    body = msg_1102("00000032", [(p, f"{n:08d}", "1.00") for n, p in enumerate(payers, 1)])
    [answer] = peer.exchange(body, valid=False)
    assert (answer.msg_no, answer.block.result) == ("9121", "92005")
    assert sim.key("1102", f"{ORG}|20241105|00000032")["op_stat"] == "11"


def test_unreadable_message_goes_to_the_error_store_unanswered(world):
    sim, peer = world
    peer.put_bytes(b'<?xml version="1.0" encoding="GBK"?>\n<CFX><HEAD><VER>1.0</VER>', "ONLINE")
    peer.put_bytes(b"not xml at all", "BATCH")
    peer.pump()
    assert peer.replies() == []
    assert sim.status()["error_store"] == 2


def test_message_from_another_node_is_not_answered(world, payer):
    sim, peer = world
    data = peer.codec.encode(_head_from(peer, "999999999999", msg_1001(payer, "00000021")))
    peer.put_bytes(data, "ONLINE")
    peer.pump()
    assert peer.replies() == [] and sim.status()["error_store"] == 1


def _head_from(peer, src, body):
    head = originating_head(src, peer.settings.gateway.ets_node, body.MSG_NO,
                            "20241105080000999999", DAY)
    return CfxMessage(head, body)


def test_message_on_the_wrong_queue_is_processed_by_its_msg_no(world, payer):
    sim, peer = world
    replies = peer.exchange(msg_1001(payer, "00000022", "1.00"), queue_class="BATCH")
    assert [(r.msg_no, r.env.queue.endswith("ONLINE.OUT")) for r in replies] == \
        [("9120", True), ("2001", True)]


def test_messages_are_recorded_once(world, payer):
    sim, peer = world
    msg_id = peer.put(msg_1001(payer, "00000023", "1.00"))
    peer.put(msg_1001(payer, "00000023", "1.00"), msg_id=msg_id)
    peer.pump()
    with sim.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.seen)).scalar_one() == 1
    assert len(peer.replies()) == 4  # 9120 + 2001, then the same again for the duplicate


def test_a_failing_message_is_backed_out_then_moved_aside(world, payer, monkeypatch):
    from gateway.simulator import inbound

    sim, peer = world

    def broken(tx, msg):
        raise RuntimeError("simulated bug")

    monkeypatch.setitem(inbound.HANDLERS, "9005", broken)
    peer.put(msg_9005())
    peer.pump()
    for _ in range(5):  # each pass backs it out once; past the threshold it is moved aside
        sim.process_once()
    assert peer.replies() == []
    queue = sim.settings.transport.online_in
    with sim.transport.session() as s:
        assert s.browse(queue) == []
        [poison] = s.browse(f"{queue}.BACKOUT")
    assert poison.backout_count >= sim.settings.transport.backout_threshold
    with sim.engine.connect() as conn:  # the failed attempts left no state behind
        assert conn.execute(select(func.count()).select_from(t.seen)).scalar_one() == 0
