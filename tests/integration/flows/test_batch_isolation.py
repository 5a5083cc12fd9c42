"""Group commit with per-message isolation (issue 10): the joined consumer takes a batch of
messages in one transaction. A refused message in the batch is answered and backed out in-band;
a message whose processing raises after good ones rolls the batch back uncounted, the good ones
are done again and commit, and the failing one is then tried alone, where its backout is
counted (retry without the poison, in place of a savepoint per message)."""

from __future__ import annotations

from sqlalchemy import select, update

from gateway.codec import CfxMessage, Head
from gateway.codec.messages import Msg9005, MsgReturn9005
from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd
from gateway.transports.embedded import schema as mq
from gateway.persistence.records import ErrorStoreRecord, InboxRecord, OutboxRecord
from tests.integration.flows.conftest import DAY, ETS, GW
from tests.integration.flows.test_hostile_refusals import hostile_2108

POISON = "20241105093000000004"


def link_test(h, msg_id: str) -> bytes:
    head = Head(ver="1.0", src=ETS, des=GW, app="ETS", msg_no="9005", msg_id=msg_id,
                msg_ref=msg_id, work_date=DAY)
    return h.rt.codec.encode(CfxMessage(head=head, body=Msg9005(MsgReturn9005(information=None))))


def put_all(h, messages: list[tuple[str, bytes]]) -> None:
    with h.rt.transport.session() as t:
        for msg_id, data in messages:
            t.put(h.rt.queues.online_out, data, msg_id=msg_id_to_mqmd(msg_id),
                  correl_id=REQ_CORREL_ID, ccsid=h.rt.codec.ccsid)
        t.commit()


def scalars(h, stmt) -> list:
    with h.rt.app.engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


def poison_after_effect(h) -> None:
    """The poison message is processed in full (inbox row, 9120 answer written) and then
    raises: only a rollback can remove what it wrote."""
    processor = h.rt.consumer.processor
    real = processor.process

    def process(env, uow, tsess):
        outcome = real(env, uow, tsess)
        if env.msg_id == msg_id_to_mqmd(POISON):
            raise RuntimeError("defect after the effect")
        return outcome
    processor.process = process


def test_a_poison_message_in_a_batch_is_backed_out_alone(harness):
    h = harness
    ids = [f"2024110509300000000{i}" for i in range(1, 7)]
    hostile = ids[2]
    messages = [(i, link_test(h, i)) for i in ids]
    messages[2] = (hostile, hostile_2108(hostile, "Bank\U0001F600No"))
    put_all(h, messages)
    poison_after_effect(h)
    consumer, queue = h.rt.consumer, h.rt.queues.online_out

    consumer.consume_one(queue)  # 1, 2, the refused 3 and the poison 4 in one transaction
    inbox = scalars(h, select(InboxRecord.msg_id).order_by(InboxRecord.id))
    assert inbox == ids[:3]  # the poison's inbox row went with its rollback
    answers = scalars(h, select(OutboxRecord.body).where(OutboxRecord.msg_no == "9120"))
    assert len(answers) == 3  # two link tests and the refusal answered; not the poison
    assert b"92004" in answers[2]
    with h.rt.transport.session() as t:
        waiting = t.browse(queue, 10)
        assert [e.msg_id for e in waiting] == [msg_id_to_mqmd(i) for i in ids[3:]]
        assert waiting[0].backout_count == 1  # the poison came back, counted once
        assert [e.msg_id for e in t.browse(queue + ".BACKOUT", 10)] == [msg_id_to_mqmd(hostile)]

    threshold = h.rt.settings.transport.backout_threshold
    for _ in range(threshold - 1):  # alone at the head of its batch now, it fails its batch
        assert consumer.consume_one(queue) == "FAILED"
    assert scalars(h, select(ErrorStoreRecord.msg_id).order_by(ErrorStoreRecord.id)) == \
        [hostile, ""]  # the refusal, then the poison kept on its last attempt
    assert consumer.consume_one(queue) == "PROCESSED"  # 5 and 6 get through
    assert scalars(h, select(InboxRecord.msg_id).order_by(InboxRecord.id)) == \
        ids[:3] + ids[4:]
    with h.rt.transport.session() as t:
        assert t.browse(queue, 10) == []
        assert sorted(e.msg_id for e in t.browse(queue + ".BACKOUT", 10)) == \
            sorted([msg_id_to_mqmd(hostile), msg_id_to_mqmd(POISON)])


def test_a_poison_message_after_good_ones_is_recorded_in_the_batch(harness):
    """On its last attempt a poison message that is not first in its batch is kept in the
    error store by the batch's own transaction, and the good ones before it commit."""
    h = harness
    threshold = h.rt.settings.transport.backout_threshold
    poison_after_effect(h)
    consumer, queue = h.rt.consumer, h.rt.queues.online_out
    for attempt in range(threshold):
        good = f"2024110509300000010{attempt}"
        put_all(h, [(good, link_test(h, good))])
        if attempt == 0:
            put_all(h, [(POISON, link_test(h, POISON))])
        else:  # keep the poison behind a good message: move it to the tail again
            m = mq.messages.c
            with h.rt.app.engine.begin() as conn:
                conn.execute(update(mq.messages).where(m.msg_id == msg_id_to_mqmd(POISON))
                             .values(id=m.id + 1000))
        consumer.consume_one(queue)
        assert good in scalars(h, select(InboxRecord.msg_id))
    assert scalars(h, select(ErrorStoreRecord.reason)) == \
        [f"processing failed {threshold} times; moved to {queue}.BACKOUT (see the worker's log "
         "for the error)"]
    with h.rt.transport.session() as t:
        assert t.browse(queue, 10) == []
        assert [e.msg_id for e in t.browse(queue + ".BACKOUT", 10)] == [msg_id_to_mqmd(POISON)]


def test_a_message_failing_once_after_good_ones_is_retried_alone_in_the_same_call(harness):
    """A transient failure: the batch is rolled back uncounted, the good message before it is
    done again and commits, and the failing one, tried alone, now commits too. Each is in the
    inbox once, nothing is backed out or kept in the error store."""
    h = harness
    ids = ["20241105093000000201", POISON, "20241105093000000203"]
    put_all(h, [(i, link_test(h, i)) for i in ids])
    processor = h.rt.consumer.processor
    real, tries = processor.process, []

    def process(env, uow, tsess):
        outcome = real(env, uow, tsess)
        if env.msg_id == msg_id_to_mqmd(POISON):
            tries.append(env.backout_count)
            if len(tries) == 1:
                raise RuntimeError("a transient defect")
        return outcome
    processor.process = process
    consumer, queue = h.rt.consumer, h.rt.queues.online_out

    assert consumer.consume_one(queue) == "PROCESSED"
    assert tries == [0, 0]  # tried twice, never counted: the first failure was rolled back
    assert scalars(h, select(InboxRecord.msg_id).order_by(InboxRecord.id)) == ids[:2]
    assert consumer.consume_one(queue) == "PROCESSED"
    assert scalars(h, select(InboxRecord.msg_id).order_by(InboxRecord.id)) == ids
    assert scalars(h, select(ErrorStoreRecord.id)) == []
    with h.rt.transport.session() as t:
        assert t.browse(queue, 10) == []
        assert t.browse(queue + ".BACKOUT", 10) == []
