"""Processing of one inbound message, exactly once in effect (ARCHITECTURE "Money moves once").

In one database transaction: decode, de-duplicate by SRC+MsgID (and business key where §4.3 says
so), apply the event through the bus, write any answer to the outbox and record the inbox row.
A message that cannot be processed is answered where §3.1 says so, kept in the error store and
moved to the backout queue; the worker goes on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Protocol

import structlog

from gateway.codec import Codec
from gateway.codec.errors import MessageRejected
from gateway.codec.head import CfxMessage
from gateway.codec.mq_ids import correl_id_for
from gateway.codec.routing import CLASS_OF
from gateway.domain.events import InboundRef
from gateway.services import status
from gateway.services.messagebus import MessageBus
from gateway.wire import rejects
from gateway.wire.queues import QueueNames
from gateway.wire.registry import INBOUND, Inbound, ref_of

log = structlog.get_logger("gateway.inbound")


class Envelope(Protocol):
    """What the processor reads of a message taken off a queue (the transports' Envelope)."""

    body: bytes
    ccsid: int
    queue: str
    msg_id: bytes
    correl_id: bytes


class BackoutSink(Protocol):
    """The open transport session, to which a poison message is put on its backout queue."""

    def put(self, queue: str, body: bytes, *, msg_id: bytes, correl_id: bytes,
            ccsid: int) -> None: ...


class InboundProcessor:
    def __init__(self, bus: MessageBus, codec: Codec, queues: QueueNames, node: str, ets_node: str,
                 clock: Callable[[], dt.datetime]) -> None:
        self.bus, self.codec, self.queues = bus, codec, queues
        self.node, self.ets_node, self.clock = node, ets_node, clock

    def process(self, env: Envelope, uow: Any, tsess: BackoutSink | None) -> str:
        """Apply one message inside ``uow`` (not committed here); returns the outcome."""
        now = self.clock()
        body, ccsid, queue = env.body, env.ccsid, env.queue
        try:
            msg = self.codec.decode(body, ccsid=ccsid)
        except MessageRejected as rej:
            return self._rejected(rej, env, uow, tsess, now)
        head = msg.head
        bound = log.bind(msg_id=head.msg_id, msg_no=head.msg_no, queue=queue)
        if head.des != self.node or head.src != self.ets_node:
            reason = f"SRC {head.src} / DES {head.des} is not ETS {self.ets_node} → {self.node}"
            uow.errors.add(body, reason, queue, "", head.msg_no, head.msg_id)
            uow.alerts.add("WARNING", "inbound", f"{head.msg_no} {head.msg_id}: {reason}")
            self._backout(tsess, env, uow)
            bound.warning("message for another node", reason=reason)
            return "MISADDRESSED"
        status.note_traffic(uow, now)
        seen = uow.inbox.seen(head.src, head.msg_id)
        if seen is not None:
            if seen.answer_msg_id:
                uow.messages.resend_answer(seen.answer_msg_id, ref_of(msg))
            bound.info("duplicate by MsgID", first_outcome="answered again" if seen.answer_msg_id else "ignored")
            return "DUPLICATE"
        entry = INBOUND.get(head.msg_no)
        key = entry.key(msg.body) if entry is not None and entry.key else ""
        bound = bound.bind(business_key=key)
        if entry is not None and entry.deduplicated_by_key and key:
            uow.inbox.lock_business_key(head.msg_no, key)
            first = uow.inbox.by_business_key(head.msg_no, key)
            if first is not None:
                answer = uow.messages.resend_answer(first.answer_msg_id, ref_of(msg)) \
                    if first.answer_msg_id else None
                uow.inbox.record(head.src, head.msg_id, head.msg_no, key, now, "DUPLICATE", answer)
                bound.info("duplicate by business key")
                return "DUPLICATE"
        self._cross_check(msg, entry, uow)
        if self.queues.class_of_inbound(queue) != ref_of(msg).queue_class:
            bound.warning("message on the wrong class of queue; processed by its MsgNo")
        answered_before = set(uow.messages.answers)
        kept = entry.stored(msg.body) if entry is not None and entry.stored else None
        if kept is not None:
            uow.batch_inbound.store(head.msg_no, key, kept[0], kept[1], head.msg_id, body,
                                    ccsid or self.codec.ccsid, now)
        event = entry.translate(msg, ref_of(msg), uow.messages.request_of) if entry else None
        if event is None:
            uow.reviews.add("UNHANDLED_" + head.msg_no, f"{head.msg_no} {key} recorded; its "
                            "processing belongs to the batch/reconciliation flows")
            outcome = "RECORDED"
        else:
            self.bus.handle(event, uow)
            outcome = "PROCESSED"
        new_answers = [m for m in uow.messages.answers if m not in answered_before]
        uow.inbox.record(head.src, head.msg_id, head.msg_no, key, now, outcome,
                         new_answers[-1] if new_answers else None)
        if not key and entry is not None and entry.answers is not None:
            bound = bound.bind(business_key=entry.answers(msg.body))
        elif not key and head.msg_no == "9120":
            request = uow.messages.request_of(head.msg_ref)
            bound = bound.bind(business_key=request[1] if request else "")
        bound.info("message processed", outcome=outcome)
        return outcome

    @staticmethod
    def _cross_check(msg: CfxMessage[Any], entry: Inbound | None, uow: Any) -> None:
        """§3.2: a business reply is matched by its key; when its MsgRef names a request with a
        different key, the key wins and an alert is raised. A 9120 is matched by MsgRef alone;
        its OriMsgNo must agree with the request's MsgNo."""
        if msg.head.msg_no == "9120":
            request = uow.messages.request_of(msg.head.msg_ref)
            ori = msg.body.msg_return9120.ori_msg_no
            if request is not None and request[0] != ori:
                uow.alerts.add("WARNING", "9120", f"9120 OriMsgNo {ori} ≠ {request[0]} of "
                               f"{msg.head.msg_ref}")
            return
        if entry is None or entry.answers is None:
            return
        expected = entry.answers(msg.body)
        request = uow.messages.request_of(msg.head.msg_ref)
        if request is not None and request[1] != expected:
            uow.alerts.add("WARNING", "inbound", f"{msg.head.msg_no} {msg.head.msg_id}: MsgRef "
                           f"{msg.head.msg_ref} is {request[1]}, the body says {expected}; "
                           "matched by the body's key")

    def _rejected(self, rej: MessageRejected, env: Envelope, uow: Any, tsess: BackoutSink | None,
                  now: dt.datetime) -> str:
        body, queue = env.body, env.queue
        work_date = status.work_date(uow, self.bus.options, now)
        # Answer only a message from our peer addressed to us (§3.2), once; a redelivered copy
        # gets the stored answer again (§2.3).
        ours = rej.src == self.ets_node and rej.des == self.node
        answer = rejects.error_answer_body(rej, work_date, self.codec.encoding) if ours else None
        answered = False
        seen = uow.inbox.seen(rej.src, rej.msg_id) if ours and rej.msg_id else None
        if seen is not None and seen.answer_msg_id:
            uow.messages.resend_answer(seen.answer_msg_id, InboundRef(
                rej.msg_no or "", rej.msg_id or "", rej.src or "", CLASS_OF.get(rej.msg_no or "", "ONLINE")))
            log.info("rejected message redelivered; stored answer sent again", msg_id=rej.msg_id)
            return "DUPLICATE"
        problem = ""
        if answer is not None and rej.msg_id and rej.src and seen is None:
            try:
                answered = self._answer_refusal(rej, uow, now, work_date)
            except Exception as exc:  # noqa: BLE001 - a refusal must end in the error store
                problem = f"; the answer could not be written ({type(exc).__name__})"
                log.error("refusal answer could not be written", msg_id=rej.msg_id, error=str(exc))
            if not answered and not problem:
                problem = "; no encodable answer could be built"
        uow.errors.add(body, rej.reason + problem, queue, rej.code, rej.msg_no or "",
                       rej.msg_id or "", answered)
        uow.alerts.add("CRITICAL" if problem else "WARNING", "inbound",
                       f"rejected {rej.msg_no or '?'} {rej.msg_id or '?'}: {rej.code} "
                       f"{rej.reason[:200]}{problem}")
        self._backout(tsess, env, uow)
        log.warning("message rejected", msg_id=rej.msg_id, msg_no=rej.msg_no, code=rej.code,
                    reason=rej.reason[:200], answered=answered)
        return "REJECTED"

    def _answer_refusal(self, rej: MessageRejected, uow: Any, now: dt.datetime,
                        work_date: dt.date) -> bool:
        """Write the 92004 answer; False when no answer can be encoded at all (the codec's
        :func:`rejects.encoded_error_answer` tries plainer texts before it gives up)."""
        msg_id = uow.outbox.next_msg_id(now)
        built = rejects.encoded_error_answer(rej, work_date, msg_id, self.codec)
        if built is None:
            return False
        answer_no = built.message.body.MSG_NO
        uow.outbox.add(msg_id=msg_id, msg_no=answer_no,
                       queue=self.queues.for_class("BATCH" if answer_no == "9121" else "ONLINE"),
                       correl_id=correl_id_for(answer_no, rej.msg_id),
                       ccsid=self.codec.ccsid, body=built.data)
        uow.inbox.record(rej.src, rej.msg_id, rej.msg_no or "", "", now, "REJECTED", msg_id)
        return True

    def _backout(self, tsess: BackoutSink | None, env: Envelope, uow: Any) -> None:
        """Keep the poison message, as it came, on the queue's backout queue for ops; the
        reason is in the error store. When the backout queue cannot take it (full), the error
        store's copy is the one kept and ops are alerted: the message is never lost."""
        if tsess is None:
            return
        try:
            tsess.put(f"{env.queue}.BACKOUT", env.body, msg_id=env.msg_id,
                      correl_id=env.correl_id, ccsid=env.ccsid)
        except Exception as exc:  # noqa: BLE001 - QueueFull and friends: the bytes are stored
            uow.alerts.add("CRITICAL", "inbound", f"backout queue {env.queue}.BACKOUT refused a "
                           f"poison message ({type(exc).__name__}); it is kept in the error store")
            log.error("backout queue refused a poison message; kept in the error store",
                      queue=env.queue, error=str(exc))
