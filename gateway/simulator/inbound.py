"""One message from ETS.EXT.ONLINE.IN or ETS.EXT.BATCH.IN: decode, refuse, de-duplicate,
dispatch (§2.3, §3.1 rule 8, §3.2, §11 2.3, §11 3.1).

Order: unreadable HEAD → error store, no answer; not from our peer or not for us → error
store; SRC+MsgID seen → stored answers again; business key held → stored answers again (even
for an invalid message whose key can be read, §4.3: the first message wins); invalid → 92004 /
92005 on the class of the answer, with the key recorded OpStat 11 for a 1001 or 1102; else the
handler of its MsgNo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gateway.codec import CLASS_OF, CfxMessage, MessageRejected, invalid_answer_msg_no
from gateway.codec.messages import Msg9121, MsgReturn9121
from gateway.simulator import counter, keys, packages, single, status
from gateway.simulator.context import Tx, s2d
from gateway.simulator.faults import Faults, first_active
from gateway.simulator.outbound import ANSWER_TEXT, answer_9120, resend_stored, send

Handler = Callable[[Tx, CfxMessage[Any]], "int | None"]

#: What the ETS receives from the gateway, by MsgNo.
HANDLERS: dict[str, Handler] = {
    "9114": single.on_9114, "1001": single.on_1001, "1021": single.on_1021,
    "9003": status.on_9003, "9005": status.on_9005,
    "1102": packages.on_1102, "1123": packages.on_1123, "9121": packages.on_9121,
    "1009": counter.on_1009, "9120": counter.on_9120,
}


def handle(tx: Tx, body: bytes, ccsid: int | None, queue: str, queue_class: str
           ) -> dict[str, Any]:
    """Process one received message inside ``tx``; returns the fields of its log line."""
    env = tx.env
    msg: CfxMessage[Any] | None = None
    rejected: MessageRejected | None = None
    try:
        msg = env.codec.decode(body, ccsid=ccsid)
        src, des, msg_no, msg_id = msg.head.src, msg.head.des, msg.head.msg_no, msg.head.msg_id
    except MessageRejected as exc:
        rejected = exc
        src, des, msg_no, msg_id = exc.src, exc.des, exc.msg_no, exc.msg_id
    line: dict[str, Any] = {"msg_no": msg_no, "msg_id": msg_id, "queue": queue,
                            "pay_acct": _pay_acct(msg)}  # masked by gateway.logconfig
    if rejected is not None and not rejected.head_readable:
        tx.store_error(queue, f"{rejected.code}: {rejected.reason}", body, msg_no, msg_id)
        return {**line, "outcome": "unreadable"}
    assert src and des and msg_no and msg_id
    if des != env.ets_node or src != env.gateway_node:
        tx.store_error(queue, f"SRC {src} / DES {des} is not our peer / us", body, msg_no, msg_id)
        return {**line, "outcome": "not for us"}
    if msg_no not in HANDLERS:
        tx.store_error(queue, f"MsgNo {msg_no} is not sent to the ETS", body, msg_no, msg_id)
        return {**line, "outcome": "unexpected"}
    if CLASS_OF.get(msg_no) != queue_class:
        env.log.warning("sim.wrong_queue", msg_no=msg_no, msg_id=msg_id, queue=queue)
    if msg is not None and first_active(tx.conn, _subject_faults(tx, msg), "lose", msg_no):
        return {**line, "outcome": "lost (fault)"}
    dup = keys.seen(tx, src, msg_id)
    if dup is not None:
        count = resend_stored(tx, dup.key_id, msg_id, _group_faults(tx, dup.key_id)) \
            if dup.key_id is not None else 0
        return {**line, "outcome": "duplicate MsgID", "answers": count}
    keys.mark_seen(tx, src, msg_id, msg_no)
    key = (keys.business_key(msg_no, msg.body) if msg is not None
           else keys.business_key_from_texts(msg_no, rejected.body_texts if rejected else {}))
    line["business_key"] = key
    row = keys.held(tx, msg_no, key) if key else None
    if row is not None:
        keys.link_seen(tx, src, msg_id, row.id)
        count = resend_stored(tx, row.id, msg_id, _group_faults(tx, row.id), key)
        return {**line, "outcome": "duplicate key", "answers": count}
    if rejected is not None:
        return {**line, **_invalid(tx, rejected, key, queue, body)}
    assert msg is not None
    key_id = HANDLERS[msg_no](tx, msg)
    if key_id is not None and key is not None:
        keys.link_seen(tx, src, msg_id, key_id)
    return {**line, "outcome": "processed"}


def _invalid(tx: Tx, r: MessageRejected, key: str | None, queue: str, body: bytes
             ) -> dict[str, Any]:
    tx.store_error(queue, f"{r.code}: {r.reason}", body, r.msg_no, r.msg_id)
    if not r.answerable:
        return {"outcome": f"invalid {r.code}, not answered"}
    msg_no, msg_id, src = r.msg_no or "", r.msg_id or "", r.src or ""
    texts = r.body_texts
    spec = keys.KEYED.get(msg_no)
    org, day, serial = (texts.get(n) for n in spec[2]) if spec else (None, None, None)
    if msg_no in ("1001", "1102") and key:
        # §11 3.1: the key is recorded with OpStat 11; a later message with it is a duplicate.
        key_id = keys.create(tx, msg_no, key, src=src, msg_id=msg_id, op_stat="11",
                             entrust_date=day, tax_org_code=org, serial=serial)
        keys.link_seen(tx, src, msg_id, key_id)
    else:
        key_id = keys.message_group(tx, src, msg_id)
    information = _printable(r.reason)
    if invalid_answer_msg_no(msg_no) == "9121":
        body9121 = Msg9121(MsgReturn9121(
            ori_msg_no=msg_no,
            ori_send_org_code=org if org and re.fullmatch(r"[0-9]{1,12}", org) else "0",
            ori_entrust_date=(s2d(day) if day and keys.valid_date(day) else tx.work_date),
            ori_request_no=serial if serial and re.fullmatch(r"[0-9]{8}", serial) else "00000000",
            result=r.code, add_word=ANSWER_TEXT.get(r.code, "报文无效")))
        send(tx, body9121, answer_to=msg_id, key_id=key_id, store=True, business_key=key)
    else:
        answer_9120(tx, msg_id, msg_no, r.code, key_id, business_key=key, information=information)
    return {"outcome": f"invalid {r.code}, answered", "reason": r.reason[:200]}


def _printable(text: str) -> str | None:
    """A reason usable as c(..200): printable ASCII, no leading/trailing blank."""
    clean = re.sub(r"[^\x21-\x7e]+", " ", text).strip()[:200].strip()
    return clean or None


def _pay_acct(msg: CfxMessage[Any] | None) -> str | None:
    if msg is None:
        return None
    if msg.head.msg_no == "1001":
        return str(msg.body.payment1001.pay_acct)
    if msg.head.msg_no == "9114":
        return str(msg.body.prove_info9114.pay_acct)
    return None


def _subject_faults(tx: Tx, msg: CfxMessage[Any]) -> Faults:
    """Faults of the account a request is about (1001, 9114), else the configured ones."""
    body = msg.body
    if msg.head.msg_no == "1001":
        return tx.account_faults(body.turn_account1001.pay_bk_code, body.payment1001.pay_acct)
    if msg.head.msg_no == "9114":
        p = body.prove_info9114
        return tx.account_faults(p.pay_bk_code, p.pay_acct)
    return tx.env.config_faults


def _group_faults(tx: Tx, key_id: int) -> Faults:
    row = keys.get(tx, key_id)
    return tx.account_faults(row.pay_bk_code, row.acct) if row.kind in ("1001", "9114") \
        else tx.env.config_faults

