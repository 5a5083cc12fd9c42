"""Everything the simulator puts: HEAD and MQMD ids (§2.2, §3.2), stored answers and their
re-sending to duplicates (§2.3), the record of what was sent, and the outgoing faults.

Every message is built from a typed body and encoded with the codec (validated), so the
simulator never sends what the interface forbids, except on purpose (``corrupt``/``garble``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from gateway.codec import CLASS_OF, REQ_CORREL_ID, CfxMessage, Head, is_reply, msg_id_to_mqmd
from gateway.codec.messages import Msg9120, MsgReturn9120
from gateway.simulator import schema as t
from gateway.simulator import statements as q
from gateway.simulator.context import Tx, d2s
from gateway.simulator.faults import Faults, active_outgoing

#: AddWord of the ETS's own answers.
ANSWER_TEXT = {"90000": "处理成功", "92004": "报文无效", "92005": "批量包超过最大笔数",
               "92006": "付款行未知"}
_SUMMARY_FIELDS = ("result", "op_stat", "vc_result", "cancel_answer", "stop_answer", "sys_stat")


def send(tx: Tx, body: Any, *, answer_to: str | None = None, key_id: int | None = None,
         store: bool = False, faults: Faults | None = None, work_date: dt.date | None = None,
         note: str | None = None, business_key: str | None = None) -> str:
    """Build, record and put one message; returns its MsgID.

    ``answer_to`` is the MsgID answered (MsgRef and CorrelId); without it the message is
    originating (MsgRef = MsgID, CorrelId = REQ). ``store`` keeps the bytes as a stored answer
    of ``key_id`` for duplicates. ``faults`` default to the configured ones.
    """
    msg_no = body.MSG_NO
    msg_id = tx.next_msg_id()
    day = work_date or tx.work_date
    env = tx.env
    head = Head(ver="1.0", src=env.ets_node, des=env.gateway_node, app="ETS", msg_no=msg_no,
                msg_id=msg_id, msg_ref=answer_to or msg_id, work_date=day)
    data = env.codec.encode(CfxMessage(head, body))
    # Both tables are only appended to here and read back by a few paths, which flush first.
    if store and key_id is not None:
        tx.defer_insert(q.INSERT_ANSWER, dict(key_id=key_id, msg_no=msg_no, body=data))
    tx.defer_insert(q.INSERT_SENT, dict(msg_id=msg_id, msg_no=msg_no, key_id=key_id,
                                        work_date=d2s(day), note=note, created_at=tx.now))
    if is_reply(msg_no):
        if answer_to is None:
            raise ValueError(f"{msg_no} is a reply: answer_to is needed")
        correl = msg_id_to_mqmd(answer_to)
    else:
        correl = REQ_CORREL_ID
    queue = env.out_queue(CLASS_OF[msg_no])
    outcome = deliver(tx, queue, data, msg_id_to_mqmd(msg_id), correl, msg_no,
                      faults or env.config_faults)
    env.log.info("sim.out", msg_no=msg_no, msg_id=msg_id, msg_ref=head.msg_ref,
                 business_key=business_key, result=summary(body), work_date=d2s(day),
                 delivery=outcome)
    return msg_id


def deliver(tx: Tx, queue: str, data: bytes, mqmd_id: bytes, correl: bytes, msg_no: str,
            faults: Faults) -> str:
    """Put ``data`` now, later, twice, damaged or not at all, as the faults say."""
    active = active_outgoing(tx.conn, faults, msg_no)
    kinds = {f.kind for f in active}
    if "drop" in kinds:
        return "dropped"
    if "corrupt" in kinds:
        data = corrupt(data)
    if "garble" in kinds:
        data = garble(data)
    delay = max((f.seconds for f in active if f.kind in ("delay", "late")), default=0.0)
    copies = 2 if "dup" in kinds else 1
    for _ in range(copies):
        if delay > 0:
            tx.conn.execute(insert(t.jobs).values(
                kind="send", due_at=tx.now + dt.timedelta(seconds=delay), queue=queue,
                msg_id=mqmd_id, correl_id=correl, ccsid=tx.env.codec.ccsid, body=data,
                attempt=0))
        else:
            tx.session.put(queue, data, msg_id=mqmd_id, correl_id=correl,
                           ccsid=tx.env.codec.ccsid)
    parts = sorted(kinds - {"delay", "late"}) + ([f"delay {delay:g}s"] if delay else [])
    return ",".join(parts) or "sent"


def resend_stored(tx: Tx, key_id: int, answer_to: str, faults: Faults | None = None,
                  business_key: str | None = None) -> int:
    """Re-send every stored answer of ``key_id`` to the duplicate ``answer_to`` (§2.3, §11 2.3):
    new MsgID, current WorkDate, MsgRef/CorrelId = the duplicate. Returns how many."""
    tx.flush()  # the answers of this unit may still be held back
    rows = tx.conn.execute(select(t.answers.c.body).where(t.answers.c.key_id == key_id)
                           .order_by(t.answers.c.id)).scalars().all()
    for data in rows:
        body = tx.env.codec.decode(data).body
        send(tx, body, answer_to=answer_to, key_id=key_id, faults=faults,
             note="stored answer re-sent", business_key=business_key)
    return len(rows)


def answer_9120(tx: Tx, answer_to: str, ori_msg_no: str, code: str, key_id: int | None,
                faults: Faults | None = None, business_key: str | None = None,
                information: str | None = None) -> str:
    """The general ONLINE answer, kept as a stored answer of ``key_id``."""
    body = Msg9120(MsgReturn9120(ori_msg_no=ori_msg_no, result=code,
                                 add_word=ANSWER_TEXT.get(code, "拒绝处理"),
                                 information=information))
    return send(tx, body, answer_to=answer_to, key_id=key_id, store=True, faults=faults,
                business_key=business_key)


def corrupt(data: bytes) -> bytes:
    """Readable HEAD, invalid body: an element the interface does not know (§3.1 rule 8)."""
    return data.replace(b"<MSG>", b"<MSG><Corrupt>1</Corrupt>", 1)


def garble(data: bytes) -> bytes:
    """Bytes cut off inside HEAD: not well-formed, HEAD not readable."""
    cut = data.find(b"<MsgID>")
    return data[: cut if cut > 0 else len(data) // 2]


def summary(body: Any) -> str | None:
    """The result-like value of a message for the log line (Result, OpStat, VCResult, ...)."""
    fields = dataclasses.fields(body)
    block = getattr(body, fields[0].name) if fields else None
    for name in _SUMMARY_FIELDS:
        value = getattr(block, name, None)
        if value is not None:
            return str(value)
    return None
