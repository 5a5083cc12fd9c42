"""Kill tests of the outbox relay (ARCHITECTURE "Money moves once", ets-interface §2.3 "Sending").

A real ``etsgw gateway`` process SIGKILLs itself at a relay crash point with debits (1001) and
link tests (9005) waiting in the outbox; a clean restart must deliver every outbox MsgID to the
ETS queue manager:

- joined (queue store in the application database): the put and the "sent" mark commit together,
  so each MsgID arrives exactly once;
- two-phase (queue store in its own database): the put commits first. Killed before that commit
  (``relay.after_put``) nothing was put, so again exactly once; killed after it
  (``relay.after_transport_commit``) every message was put and none marked, so each is re-put
  under the SAME MsgID and arrives exactly twice, byte for byte the same (the receiver
  de-duplicates by SRC+MsgID). Never a new MsgID, never a new TraNo or voucher.
"""

from __future__ import annotations

import collections

import pytest

from gateway.domain import commands
from tests.e2e.killtests.conftest import submit_debits
from tests.e2e.killtests.harness import PARTNER_QUEUE, XMITQ, World

DEBITS = 6
LINK_TESTS = 2
TOTAL = DEBITS + LINK_TESTS

CASES = [
    pytest.param("joined", "relay.after_put", 1, id="joined-after_put"),
    pytest.param("two_phase", "relay.after_put", 1, id="two_phase-after_put"),
    pytest.param("two_phase", "relay.after_transport_commit", 2,
                 id="two_phase-after_transport_commit"),
]


def send_link_tests(world: World, n: int) -> list[str]:
    from gateway.bootstrap import build
    from gateway.runtime.app import build_runtime

    rt = build_runtime(build(world.settings))
    try:
        return [rt.bus.handle(commands.TestLink()) for _ in range(n)]
    finally:
        rt.close()


@pytest.mark.parametrize("mode,crash_at,copies", CASES)
def test_relay_killed_then_restarted_delivers_every_msg_id(world_factory, mode, crash_at, copies):
    world, data = world_factory(mode, DEBITS)
    debits = submit_debits(world, data)
    links = send_link_tests(world, LINK_TESTS)
    outbox = world.outbox()
    msg_ids = [r.msg_id for r, _ in outbox]
    assert len(msg_ids) == TOTAL and len(set(msg_ids)) == TOTAL and set(links) <= set(msg_ids)
    assert world.unsent() == TOTAL

    world.worker(crash_at=crash_at).wait_killed()

    # What the crash left behind: nothing marked sent; put (and perhaps already moved by the
    # channel agent) only when the crash came after the transport commit.
    assert world.unsent() == TOTAL, world.state()
    # (A message the agent was moving may briefly be on both sides; its receipt dedupes it.)
    on_the_way = world.msg_ids_on(world.qm_tax, XMITQ) | world.msg_ids_on(world.qm_ets,
                                                                           PARTNER_QUEUE)
    assert on_the_way == (set(msg_ids) if crash_at == "relay.after_transport_commit" else set()), \
        world.state()

    restarted = world.worker()
    world.wait_all_delivered(TOTAL * copies)
    restarted.stop()

    delivered = world.partner_messages()
    counts = collections.Counter(msg_id for msg_id, _, _ in delivered)
    assert set(counts) - set(msg_ids) == set(), "an unknown MsgID reached the ETS"
    assert set(msg_ids) - set(counts) == set(), "an outbox MsgID never reached the ETS"
    assert set(counts.values()) == {copies}, f"copies per MsgID: {counts}"
    bodies = {r.msg_id: r.body for r, _ in outbox}
    for msg_id, _, body in delivered:
        assert body == bodies[msg_id], f"a re-put of {msg_id} differs from the outbox message"
    assert world.unsent() == 0 and all(r.attempts == 1 for r, _ in world.outbox())

    # No debit went out twice under two serial numbers: one MsgID per TraNo, its voucher
    # unchanged, and exactly the debits of the database.
    by_tra_no: dict[tuple, set[str]] = collections.defaultdict(set)
    vouchers: dict[tuple, set[str]] = collections.defaultdict(set)
    for msg_id, _, body in delivered:
        msg = world.codec.decode(body)
        if msg.head.msg_no != "1001":
            continue
        rh = msg.body.real_head1001
        key = (rh.tax_org_code, rh.entrust_date, rh.tra_no)
        by_tra_no[key].add(msg_id)
        vouchers[key].add(msg.body.payment1001.tax_vou_no)
    rows = world.debits()
    assert len(rows) == DEBITS and len({r.payer_id for r in rows}) == DEBITS
    assert {(r.tax_org_code, r.entrust_date, r.tra_no) for r in rows} == set(by_tra_no)
    for r in rows:
        key = (r.tax_org_code, r.entrust_date, r.tra_no)
        assert by_tra_no[key] == {r.msg_id}, f"TraNo {r.tra_no} under MsgIDs {by_tra_no[key]}"
        assert vouchers[key] == {r.tax_vou_no}, f"TraNo {r.tra_no} with vouchers {vouchers[key]}"
        assert r.state == "SENT" and not r.resent
    assert {(d.tra_no, d.tax_vou_no) for d in debits} == {(r.tra_no, r.tax_vou_no) for r in rows}
    assert world.levy_states() == {"LOCKED": 3 * DEBITS}
