"""Several requests in one unit of work of the simulator: what a unit reads once or writes at its
end (key rows, accounts, SRC+MsgIDs, counters, stored answers) must look as if every message had
been handled in a unit of its own."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from gateway.simulator import keys
from gateway.simulator import schema as t

from .builders import ORG, Payer, msg_1001, msg_1021


def _one_pass(sim, peer):
    """Deliver what the peer put, let the simulator take it in one call, return the replies."""
    while peer.to_ets.run_once():
        pass
    sim.process_once()
    while peer.to_gateway.run_once():
        pass
    return peer.replies()


def test_a_msg_id_seen_earlier_in_the_unit_is_a_duplicate(world, payer):
    sim, peer = world
    msg_id = peer.put(msg_1001(payer, "00000001", "10.00"))
    # Another key under the same MsgID: only the SRC+MsgID check makes it a duplicate.
    peer.put(msg_1001(payer, "00000002", "10.00"), msg_id=msg_id)
    replies = _one_pass(sim, peer)
    assert [r.msg_no for r in replies] == ["9120", "2001", "9120", "2001"]  # stored, re-sent
    assert {r.msg.head.msg_ref for r in replies} == {msg_id}
    assert sim.ledger_totals()["debited"] == Decimal("10.00")  # debited once
    with sim.engine.connect() as conn:
        seen = conn.execute(select(t.seen.c.key_id)).scalars().all()
    assert len(seen) == 1 and seen[0] is not None  # linked to its key for later duplicates


def test_a_key_recorded_earlier_in_the_unit_is_a_duplicate(world, payer):
    sim, peer = world
    peer.put(msg_1001(payer, "00000001", "10.00"))
    second = peer.put(msg_1001(payer, "00000001", "10.00"))
    replies = _one_pass(sim, peer)
    again = [r for r in replies if r.msg.head.msg_ref == second]
    assert [(r.msg_no, r.block.result) for r in again] == [("9120", "90000"), ("2001", "90000")]
    assert sim.ledger_totals()["debited"] == Decimal("10.00")


def test_an_account_debited_twice_in_a_unit_sees_its_first_debit(make_world):
    payer = Payer(1, balance="15.00")
    sim, peer = make_world(payers=(payer,))
    peer.put(msg_1001(payer, "00000001", "10.00"))
    peer.put(msg_1001(payer, "00000002", "10.00"))
    results = [r.block.result for r in _one_pass(sim, peer) if r.msg_no == "2001"]
    assert results == ["90000", "24007"]
    assert sim.account(payer.acct)[0]["balance"] == Decimal("5.00")


def test_a_reversal_in_the_unit_of_its_debit_returns_the_money(world, payer):
    sim, peer = world
    peer.put(msg_1001(payer, "00000001", "10.00"))
    peer.put(msg_1021("00000001", "00000002"))
    replies = _one_pass(sim, peer)
    assert [r.block.cancel_answer for r in replies if r.msg_no == "2021"] == ["1"]
    assert sim.account(payer.acct)[0]["balance"] == Decimal("100000.00")
    assert sim.ledger_totals()["net"] == Decimal("0.00")
    assert sim.key("1001", f"{ORG}|20241105|00000001")["op_stat"] == "97"


def test_msg_ids_and_counters_continue_across_units(world, payer):
    sim, peer = world
    for n in range(3):
        peer.put(msg_1001(payer, f"{n + 1:08d}", "1.00"))
    first = [r.msg.head.msg_id for r in _one_pass(sim, peer)]
    peer.put(msg_1001(payer, "00000004", "1.00"))
    second = [r.msg.head.msg_id for r in _one_pass(sim, peer)]
    ids = sorted(first) + sorted(second)
    assert ids == sorted(ids) and len(set(ids)) == 8
    with sim.engine.connect() as conn:
        counter = conn.execute(select(t.counters.c.value).where(
            t.counters.c.name == "msgid")).scalar_one()
        stored = conn.execute(select(func.count()).select_from(t.answers)).scalar_one()
        sent = conn.execute(select(func.count()).select_from(t.sent)).scalar_one()
    assert counter == int(max(ids)[-6:])  # the last value taken is the one kept
    assert (stored, sent) == (8, 8)


def test_key_rows_read_in_a_unit_follow_its_writes(world):
    sim, _ = world
    with sim._unit() as tx:
        assert keys.held(tx, "1001", "K") is None
        key_id = keys.create(tx, "1001", "K", src="S", msg_id="M", op_stat="10")
        assert keys.held(tx, "1001", "K").op_stat == "10"
        keys.change(tx, key_id, op_stat="20", forgotten=True)
        assert keys.get(tx, key_id).op_stat == "20" and keys.held(tx, "1001", "K") is None
        assert keys.create(tx, "1001", "K", src="S", msg_id="N") == key_id  # takes it over
        row = keys.held(tx, "1001", "K")
        assert (row.msg_id, row.op_stat, row.forgotten) == ("N", "20", False)
    assert sim.key("1001", "K")["msg_id"] == "N"
