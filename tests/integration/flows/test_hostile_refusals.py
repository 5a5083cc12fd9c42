"""Every refusal ends in the error store with an alert, and the answer the interface requires goes
out even when the diagnostic cannot be encoded (§11: a fixed Chinese AddWord); a full backout
queue or a message whose processing keeps failing loses nothing either."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.domain import events as e
from gateway.persistence.records import AlertRecord, ErrorStoreRecord
from gateway.transports.base import QueueFull
from tests.integration.flows.conftest import DAY

HEAD = ('<HEAD><VER>1.0</VER><SRC>100000000000</SRC><DES>244000000000</DES><APP>ETS</APP>'
        '<MsgNo>2108</MsgNo><MsgID>{id}</MsgID><MsgRef>{id}</MsgRef><WorkDate>20241105</WorkDate>'
        '</HEAD>')


def hostile_2108(msg_id: str, element: str, text: str = "1") -> bytes:
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><CFX>{HEAD.format(id=msg_id)}<MSG>'
           f'<SingleReturn2108><{element}>{text}</{element}></SingleReturn2108></MSG></CFX>')
    return doc.encode("utf-8")


def rows(h, column):
    with h.rt.app.engine.connect() as conn:
        return list(conn.execute(select(column)).scalars())


HOSTILE = [
    ("emoji", "Bank\U0001F600No", "1"),
    ("supplementary ideograph", "\U00020000名", "1"),
    ("very long name", "X" * 5000, "1"),
    ("control character in text", "BankNo", "1\u0007\u0001"),
    ("private use and emoji text", "BankNo", "\ue000\U0001F4A9" * 50),
]


@pytest.mark.parametrize("what,element,text", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_refusal_is_answered_stored_and_alerted(harness, what, element, text):
    h = harness
    msg_id = "20241105093000000%03d" % (HOSTILE.index((what, element, text)) + 100)
    assert h.deliver_bytes(hostile_2108(msg_id, element, text), msg_id, "2108") == "REJECTED"
    answer = h.last("9120")
    assert answer.body.msg_return9120.result == "92004"
    assert answer.head.msg_ref == msg_id
    add_word = answer.body.msg_return9120.add_word or ""
    add_word.encode(h.rt.codec.encoding)  # what went out is representable on the wire
    assert rows(h, ErrorStoreRecord.msg_id) == [msg_id]
    assert rows(h, ErrorStoreRecord.answered) == [True]
    assert any(msg_id in m for m in rows(h, AlertRecord.message))


class FullBackout:
    def put(self, queue, body, *, msg_id, correl_id, ccsid):
        raise QueueFull(f"{queue} is full")


def test_full_backout_queue_keeps_the_message_in_the_error_store(harness):
    from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd
    from gateway.transports.base import Envelope
    import datetime as dt

    h = harness
    msg_id = "20241105093000000201"
    data = hostile_2108(msg_id, "Bank\U0001F600No")
    env = Envelope(body=data, msg_id=msg_id_to_mqmd(msg_id), correl_id=REQ_CORREL_ID,
                   ccsid=1208, queue=h.rt.queues.online_out,
                   put_time=dt.datetime.now(dt.timezone.utc))
    with h.rt.uow() as uow:
        assert h.rt.consumer.processor.process(env, uow, FullBackout()) == "REJECTED"
        uow.commit()
    assert rows(h, ErrorStoreRecord.body) == [data]
    alerts = rows(h, AlertRecord.message)
    assert any("BACKOUT" in m and "error store" in m for m in alerts)
    assert h.last("9120").body.msg_return9120.result == "92004"


def test_a_message_that_keeps_failing_is_recorded_before_it_is_backed_out(harness):
    """A handler that raises on every attempt: after the last attempt the message is in the
    error store with a CRITICAL alert, and the transport holds it on the backout queue."""
    from gateway.codec import CfxMessage, Head
    from gateway.codec.messages import Msg9005, MsgReturn9005

    h = harness
    rt = h.rt

    def broken(event, uow, ctx):
        raise RuntimeError("handler defect")

    rt.bus.handlers[e.LinkTested] = broken
    head = Head(ver="1.0", src="100000000000", des="244000000000", app="ETS", msg_no="9005",
                msg_id="20241105093000000301", msg_ref="20241105093000000301", work_date=DAY)
    data = rt.codec.encode(CfxMessage(head=head, body=Msg9005(MsgReturn9005(information=None))))
    from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd

    with rt.transport.session() as t:
        t.put(rt.queues.online_out, data, msg_id=msg_id_to_mqmd(head.msg_id),
              correl_id=REQ_CORREL_ID, ccsid=rt.codec.ccsid)
        t.commit()
    threshold = rt.settings.transport.backout_threshold
    outcomes = [rt.consumer.consume_one(rt.queues.online_out) for _ in range(threshold)]
    assert outcomes == ["FAILED"] * threshold
    assert rows(h, ErrorStoreRecord.body) == [data]
    assert any("failed" in m and "backed out" in m for m in rows(h, AlertRecord.message))
    assert rt.consumer.consume_one(rt.queues.online_out) is None  # moved to the backout queue
    with rt.transport.session() as t:
        assert len(t.browse(rt.queues.online_out + ".BACKOUT", 10)) == 1
