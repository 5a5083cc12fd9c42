"""The outbox relay bounds a batch by body bytes as well as by count: package messages (up to
4 MiB each) are put a few at a time, never hundreds of MB in one batch; a message larger than
the bound still goes (alone); order is kept. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from gateway.persistence.records import OutboxRecord
from gateway.runtime.relay import OutboxRelay

KB = 1024


def add_messages(h, sizes: list[int]) -> list[str]:
    ids = []
    with h.rt.app.uow() as uow:
        for i, size in enumerate(sizes):
            msg_id = f"20241105093000{i:06d}"
            uow.outbox.add(msg_id=msg_id, msg_no="1102", queue=h.rt.queues.batch_in,
                           correl_id=b"\0" * 24, ccsid=1208, body=b"x" * size)
            ids.append(msg_id)
        uow.commit()
    return ids


def test_a_batch_stops_at_the_byte_bound_and_keeps_the_order(harness):
    h = harness
    ids = add_messages(h, [600 * KB, 600 * KB, 300 * KB, 2000 * KB, 10 * KB])
    relay = OutboxRelay(h.rt.app.uow, h.rt.transport, h.rt.relay.joined, h.clock,
                        reader=h.rt.app.reader, batch_bytes=1000 * KB)
    puts = []
    while (n := relay.relay_once()):
        puts.append(n)
    # 600 | 600 + 300 | 2000 (alone, over the bound) | 10
    assert puts == [1, 2, 1, 1]
    with h.rt.app.engine.connect() as conn:
        rows = conn.execute(select(OutboxRecord.msg_id, OutboxRecord.sent_at)
                            .order_by(OutboxRecord.id)).all()
    assert [r.msg_id for r in rows] == ids and all(r.sent_at is not None for r in rows)


def test_the_count_bound_still_holds(harness):
    h = harness
    add_messages(h, [KB] * 5)
    relay = OutboxRelay(h.rt.app.uow, h.rt.transport, h.rt.relay.joined, h.clock,
                        reader=h.rt.app.reader, batch=2, batch_bytes=1000 * KB)
    assert [relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
