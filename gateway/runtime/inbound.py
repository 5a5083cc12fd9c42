"""Processing of one inbound message, exactly once in effect (ARCHITECTURE "Money moves once").

In one database transaction: decode, de-duplicate by SRC+MsgID (and business key where §4.3 says
so), apply the event through the bus, write any answer to the outbox and record the inbox row.
A message that cannot be processed is answered where §3.1 says so, kept in the error store and
moved to the backout queue; the worker goes on.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import structlog

from gateway.codec import Codec
from gateway.codec.errors import MessageRejected
from gateway.codec.head import CfxMessage
from gateway.codec.mq_ids import correl_id_for
from gateway.codec.routing import CLASS_OF
from gateway.domain.events import InboundRef
from gateway.runtime import rejects
from gateway.runtime.queues import QueueNames
from gateway.runtime.translate import KEYED_INBOUND, request_key, stored_as_received, translate
from gateway.services import status
from gateway.services.messagebus import MessageBus
from gateway.transports.base import Envelope

log = structlog.get_logger("gateway.inbound")


class InboundProcessor:
    def __init__(self, bus: MessageBus, codec: Codec, queues: QueueNames, node: str, ets_node: str,
                 clock: Callable[[], dt.datetime]) -> None:
        self.bus, self.codec, self.queues = bus, codec, queues
        self.node, self.ets_node, self.clock = node, ets_node, clock

    def process(self, env: Envelope, uow, tsess) -> str:
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
            self._backout(tsess, env)
            bound.warning("message for another node", reason=reason)
            return "MISADDRESSED"
        status.note_traffic(uow, now)
        seen = uow.inbox.seen(head.src, head.msg_id)
        if seen is not None:
            if seen.answer_msg_id:
                uow.messages.resend_answer(seen.answer_msg_id, _ref(msg))
            bound.info("duplicate by MsgID", first_outcome="answered again" if seen.answer_msg_id else "ignored")
            return "DUPLICATE"
        event, key = translate(msg)
        if head.msg_no in KEYED_INBOUND and key:
            uow.inbox.lock_business_key(head.msg_no, key)
            first = uow.inbox.by_business_key(head.msg_no, key)
            if first is not None:
                answer = uow.messages.resend_answer(first.answer_msg_id, _ref(msg)) \
                    if first.answer_msg_id else None
                uow.inbox.record(head.src, head.msg_id, head.msg_no, key, now, "DUPLICATE", answer)
                bound.info("duplicate by business key", business_key=key)
                return "DUPLICATE"
        self._cross_check(msg, uow)
        if self.queues.class_of_inbound(queue) != _ref(msg).queue_class:
            bound.warning("message on the wrong class of queue; processed by its MsgNo")
        answered_before = set(uow.messages.answers)
        kept = stored_as_received(msg)
        if kept is not None:
            uow.batch_inbound.store(head.msg_no, key, kept[0], kept[1], head.msg_id, body,
                                    ccsid or self.codec.ccsid, now)
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
        bound.info("message processed", business_key=key, outcome=outcome)
        return outcome

    @staticmethod
    def _cross_check(msg: CfxMessage, uow) -> None:
        """§3.2: a business reply is matched by its key; when its MsgRef names a request with a
        different key, the key wins and an alert is raised."""
        expected = request_key(msg)
        if expected is None:
            return
        request = uow.messages.request_of(msg.head.msg_ref)
        if request is not None and request[1] != expected:
            uow.alerts.add("WARNING", "inbound", f"{msg.head.msg_no} {msg.head.msg_id}: MsgRef "
                           f"{msg.head.msg_ref} is {request[1]}, the body says {expected}; "
                           "matched by the body's key")

    def _rejected(self, rej: MessageRejected, env: Envelope, uow, tsess, now: dt.datetime) -> str:
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
        if answer is not None and rej.msg_id and rej.src:
            if seen is None:
                msg_id = uow.outbox.next_msg_id(now)
                # Never raises for what the sender wrote: an answer the codec encoded, or None.
                built = rejects.encoded_error_answer(rej, work_date, msg_id, self.codec)
                if built is not None:
                    answer_no = built.message.body.MSG_NO
                    uow.outbox.add(msg_id=msg_id, msg_no=answer_no,
                                   queue=self.queues.for_class(
                                       "BATCH" if answer_no == "9121" else "ONLINE"),
                                   correl_id=correl_id_for(answer_no, rej.msg_id),
                                   ccsid=self.codec.ccsid, body=built.data)
                    uow.inbox.record(rej.src, rej.msg_id, rej.msg_no or "", "", now, "REJECTED", msg_id)
                    answered = True
        uow.errors.add(body, rej.reason, queue, rej.code, rej.msg_no or "", rej.msg_id or "", answered)
        uow.alerts.add("WARNING", "inbound", f"rejected {rej.msg_no or '?'} {rej.msg_id or '?'}: "
                       f"{rej.code} {rej.reason[:200]}")
        self._backout(tsess, env)
        log.warning("message rejected", msg_id=rej.msg_id, msg_no=rej.msg_no, code=rej.code,
                    reason=rej.reason[:200], answered=answered)
        return "REJECTED"

    def _backout(self, tsess, env: Envelope) -> None:
        """Keep the poison message, as it came, on the queue's backout queue for ops; the
        reason is in the error store."""
        if tsess is not None:
            tsess.put(f"{env.queue}.BACKOUT", env.body, msg_id=env.msg_id,
                      correl_id=env.correl_id, ccsid=env.ccsid)


def _ref(msg: CfxMessage) -> InboundRef:
    return InboundRef(msg.head.msg_no, msg.head.msg_id, msg.head.src,
                      CLASS_OF.get(msg.head.msg_no, "ONLINE"))
