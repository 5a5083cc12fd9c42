"""Refusals through the gateway's inbound processor, on a real database (§3.1 rule 8, §11 row 3.1).

The answer that reaches the outbox, the error store row that keeps the technical reason, and
the resend that a truncated message must not block. Uses the flows harness (SQLite and
PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from gateway.codec import CCSID_OF, CfxMessage, Head
from gateway.codec.messages import Msg9005, MsgReturn9005
from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd
from gateway.persistence.records import ErrorStoreRecord
from gateway.transports.base import Envelope
from tests.integration.flows.conftest import DAY, ETS, GW, harness  # noqa: F401 - the fixture

INVALID = Path(__file__).resolve().parents[2] / "fixtures" / "messages" / "invalid"


def deliver(h, data: bytes, msg_id: str, encoding: str = "GBK") -> str:
    """Process ``data`` as received on ONLINE.OUT with the CCSID of ``encoding``."""
    env = Envelope(body=data, msg_id=msg_id_to_mqmd(msg_id), correl_id=REQ_CORREL_ID, ccsid=CCSID_OF[encoding],
                   queue=h.rt.queues.online_out, put_time=dt.datetime.now(dt.timezone.utc))
    with h.rt.uow() as uow:
        outcome = h.rt.consumer.processor.process(env, uow, None)
        uow.commit()
    return outcome


def errors(h) -> list[tuple[str, str, bool]]:
    with h.rt.app.engine.connect() as conn:
        rows = conn.execute(select(ErrorStoreRecord.code, ErrorStoreRecord.reason, ErrorStoreRecord.answered)
                            .order_by(ErrorStoreRecord.id)).all()
    return [tuple(r) for r in rows]


def test_a_2091_behind_an_unknown_element_gets_its_1009_with_a_chinese_add_word(harness):  # noqa: F811
    h = harness
    data = (INVALID / "2091_unknown_first.xml").read_bytes()
    assert deliver(h, data, "20241105140000004311") == "REJECTED"
    head = h.last("1009").body.real_head1009
    assert (head.bank_no, head.ori_entrust_date, head.ori_query_no, head.result) == \
        ("102581000013", dt.date(2024, 11, 5), "00000311", "92004")
    assert head.add_word == "报文格式错误：含未知元素 Notice（MSG）"
    [(code, reason, answered)] = errors(h)
    assert code == "92004" and answered and "Unexpected child with tag 'Notice'" in reason


def test_a_truncated_message_is_stored_unanswered_and_its_resend_gets_through(harness):  # noqa: F811
    h = harness
    msg_id = "20241105093000000091"
    head = Head("1.0", ETS, GW, "ETS", "9005", msg_id, msg_id, DAY)
    intact = h.rt.codec.encode(CfxMessage(head, Msg9005(MsgReturn9005(information="链路测试"))))
    assert deliver(h, intact[: intact.index(b"<Information>") + 15], msg_id) == "REJECTED"
    assert h.outbox() == []
    [(code, reason, answered)] = errors(h)
    assert code == "92004" and not answered and "not well-formed" in reason
    # The sender resends the same message (same MsgID): not a duplicate of the broken copy.
    assert deliver(h, intact, msg_id) != "DUPLICATE"
    answer = h.last("9120")
    assert (answer.body.msg_return9120.result, answer.head.msg_ref) == ("90000", msg_id)


def test_an_element_name_gbk_cannot_carry_is_answered_in_gbk(harness):  # noqa: F811
    h = harness
    assert h.rt.codec.encoding == "GBK"
    data = (INVALID / "2091_emoji_element.xml").read_bytes()
    assert deliver(h, data, "20241105140000004311", "UTF-8") == "REJECTED"
    head = h.last("1009").body.real_head1009
    assert head.add_word == "报文格式错误：含未知元素（MSG）" and head.ori_query_no == "00000311"
    [(code, reason, answered)] = errors(h)
    assert code == "92004" and answered and "😀" in reason  # the error store keeps the name


def test_a_2091_with_an_unusable_date_is_answered_9120_not_left_failing(harness):  # noqa: F811
    h = harness
    data = (INVALID / "2091_entrust_date_2100.xml").read_bytes()
    assert deliver(h, data, "20241105140000004311") == "REJECTED"
    assert h.outbox("1009") == []
    answer = h.last("9120").body.msg_return9120
    assert (answer.ori_msg_no, answer.result, answer.add_word) == \
        ("2091", "92004", "报文不符合接口规范：EntrustDate 格式错误（DeclareQuery2091）")
