"""Kill tests of inbound processing (ARCHITECTURE "Money moves once", ets-interface §2.3).

The ETS's messages are put straight on the gateway's ETS.<node>.ONLINE.OUT: N link tests (9005,
each answered by one 9120) and the N results (2001, never answered) of N submitted debits. A real
``etsgw gateway`` SIGKILLs itself while processing the first of them, then a clean worker
processes everything. Exactly once in effect means: one inbox row per SRC+MsgID, every debit
SUCCEEDED and its levies PAID once, no duplicate-payment review, one 9120 per link test.

What the code does with the one message in flight at the crash (runtime/consumer.py):

- ``inbound.after_effect``: nothing was committed (joined: one transaction; two-phase: the
  database commits before the get), so the message is simply processed again.
- ``inbound.after_db_commit``, joined: the gets of the batch committed with their effects;
  nothing comes back.
- ``inbound.after_db_commit``, two-phase: the effect and its 9120 are committed but the get is
  not, so the message is redelivered. wire/inbound.py finds its SRC+MsgID in the inbox and,
  as §2.3 rule 2 requires for a duplicate, re-sends the STORED answer: a second 9120 with the
  same content, a new MsgID, the current WorkDate and MsgRef/CorrelId naming the same message
  (there is no way to tell our own redelivery from a resend by the ETS). A redelivered 2001 is
  not answered by the interface, so it is ignored. No second inbox row, no second effect.
"""

from __future__ import annotations

import collections

import pytest

from gateway.codec.messages import Msg2001, Msg9005, MsgReturn9005, SingleReturn2001
from gateway.codec.mq_ids import correl_id_for
from tests.e2e.killtests.conftest import submit_debits
from tests.e2e.killtests.harness import DAY, ETS, GW, ONLINE_OUT, PARTNER_QUEUE, World

N = 5

CASES = [pytest.param(mode, point, first, id=f"{mode}-{point.split('.')[1]}-{first}first")
         for mode in ("joined", "two_phase")
         for point in ("inbound.after_effect", "inbound.after_db_commit")
         for first in ("9005", "2001")] + [
    # Inside a batch (issue 10): its SQL done, its commit not; only joined mode batches.
    pytest.param("joined", "inbound.batch_before_commit", first,
                 id=f"joined-batch_before_commit-{first}first") for first in ("9005", "2001")]


def ets_messages(world: World, first: str) -> tuple[list, list[str], list[str]]:
    """2N messages from the ETS, alternating link tests and debit results, ``first`` leading."""
    requests = world.outbox("1001")
    assert len(requests) == N
    links, results = [], []
    for i, (_, req) in enumerate(requests):
        links.append(world.ets_message(Msg9005(MsgReturn9005(information=None)),
                                       f"20241105100000{2 * i:06d}"))
        rh, pay = req.body.real_head1001, req.body.payment1001
        results.append(world.ets_message(
            Msg2001(SingleReturn2001(ori_tax_org_code=rh.tax_org_code,
                                     ori_entrust_date=rh.entrust_date, ori_tra_no=rh.tra_no,
                                     tax_vou_no=pay.tax_vou_no, tax_date=DAY, result="90000")),
            f"20241105100000{2 * i + 1:06d}", msg_ref=req.head.msg_id))
    pairs = zip(links, results) if first == "9005" else zip(results, links)
    ordered = [m for pair in pairs for m in pair]
    return ordered, [m[0] for m in links], [m[0] for m in results]


@pytest.mark.parametrize("mode,crash_at,first", CASES)
def test_inbound_killed_then_restarted_processes_each_message_once(world_factory, mode,
                                                                   crash_at, first):
    world, data = world_factory(mode, N)
    submit_debits(world, data)
    messages, link_ids, result_ids = ets_messages(world, first)
    all_ids = [m[0] for m in messages]
    world.put_inbound(messages)
    assert world.depth(world.qm_tax, ONLINE_OUT) == 2 * N

    world.worker(crash_at=crash_at).wait_killed()

    # The crash came after the first unit of work, at the point asked for. Joined mode takes a
    # batch of messages per transaction (all 2N here, they were queued before the start);
    # two-phase takes one.
    committed = crash_at == "inbound.after_db_commit"
    get_committed = committed and mode == "joined"
    first_unit = all_ids[:2 * N] if mode == "joined" else all_ids[:1]
    assert [r.msg_id for r in world.inbox()] == (first_unit if committed else []), world.state()
    assert world.depth(world.qm_tax, ONLINE_OUT) == 2 * N - (len(first_unit) if get_committed else 0), \
        world.state()

    # The stored answer is re-sent only for a redelivered message that has one.
    resent_to = all_ids[0] if (committed and not get_committed and first == "9005") else None
    answers_expected = N + (resent_to is not None)

    restarted = world.worker()
    world.wait_all_delivered(N + answers_expected)
    restarted.stop()

    # One inbox row per message, processed once.
    inbox = world.inbox()
    assert sorted(r.msg_id for r in inbox) == sorted(all_ids), "inbox rows ≠ messages put"
    assert {(r.src, r.outcome) for r in inbox} == {(ETS, "PROCESSED")}
    by_id = {r.msg_id: r for r in inbox}
    assert all(by_id[i].answer_msg_id is None for i in result_ids), "a 2001 was answered"

    # One 9120 per link test, plus the re-sent stored answer where the message came back.
    answers = world.outbox("9120")
    assert len(answers) == answers_expected, [a.head.msg_ref for _, a in answers]
    per_ref: dict[str, list] = collections.defaultdict(list)
    for record, msg in answers:
        ref = msg.head.msg_ref
        assert (msg.head.src, msg.head.des, msg.head.work_date) == (GW, ETS, DAY)
        assert record.queue == PARTNER_QUEUE and record.correl_id == correl_id_for("9120", ref)
        assert (msg.body.msg_return9120.ori_msg_no, msg.body.msg_return9120.result) == \
            ("9005", "90000")
        per_ref[ref].append((record, msg))
    assert set(per_ref) == set(link_ids), "9120s answer other messages than the link tests"
    for link_id in link_ids:
        copies = per_ref[link_id]
        assert len(copies) == (2 if link_id == resent_to else 1), f"9120s to {link_id}: {copies}"
        assert by_id[link_id].answer_msg_id == copies[0][1].head.msg_id  # the stored answer
        if len(copies) == 2:  # §2.3 rule 2: the stored answer again, under a new MsgID
            (_, stored), (_, again) = copies
            assert again.body == stored.body and again.head.msg_id != stored.head.msg_id

    # Every debit paid once.
    debits = world.debits()
    assert len(debits) == N
    assert {(d.state, d.result_code, d.tax_date) for d in debits} == {("SUCCEEDED", "90000", DAY)}
    assert world.levy_states() == {"PAID": 3 * N}
    assert "DUPLICATE_PAYMENT" not in world.review_kinds(), world.review_kinds()
    assert world.review_kinds() == []
    assert world.errors() == [] and world.depth(world.qm_tax, f"{ONLINE_OUT}.BACKOUT") == 0

    # Every outbox MsgID reached the ETS; only the same MsgID twice (two-phase relay, §2.3).
    outbox_ids = {r.msg_id for r, _ in world.outbox()}
    counts = collections.Counter(m for m, _, _ in world.partner_messages())
    assert set(counts) == outbox_ids, "missing or unknown MsgIDs on the ETS queue"
    if mode == "joined":
        assert set(counts.values()) == {1}, counts
