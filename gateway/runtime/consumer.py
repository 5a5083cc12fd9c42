"""Takes one message off an inbound queue and processes it under syncpoint.

Joined mode (embedded transport on the application database): the get, the effect, the answers
in the outbox and the inbox row commit in one database transaction. Otherwise the database
commits first and the get after it (§2.3 "Receiving"); a crash in between redelivers the
message, which the inbox recognises by SRC+MsgID.
"""

from __future__ import annotations

import time
from typing import Callable

import structlog

from gateway.runtime import faults
from gateway.wire.inbound import InboundProcessor

log = structlog.get_logger("gateway.consumer")


class QueueConsumer:
    def __init__(self, uow_factory: Callable, transport, processor: InboundProcessor,
                 joined: bool, store_is_database: bool = False, batch_size: int = 50,
                 backout_threshold: int = 3) -> None:
        self.uow_factory, self.transport = uow_factory, transport
        self.processor, self.joined = processor, joined
        # Joined mode takes up to batch_size messages per transaction: one commit (one fsync on
        # SQLite) for many messages. After a failure it goes one by one for a while, so that a
        # poison message collects its backouts alone and its neighbours get through.
        self.batch_size = max(1, batch_size)
        self._single_rounds = 0
        # The queue store is a database of its own (embedded transport, two-phase): its gets
        # lock it, so the order of locking matters (see _two_phase).
        self.store_is_database = store_is_database
        # The transport moves a message to its backout queue at the threshold, on a later get
        # the gateway never sees: the last failing attempt records it for ops beforehand.
        self.backout_threshold = backout_threshold

    def consume_one(self, queue: str, wait_s: float = 0.0) -> str | None:
        """Process the next message (joined mode: the next batch) of ``queue``; returns the last
        outcome, None when the queue stayed empty."""
        if self.joined:
            return self._joined(queue, wait_s)
        return self._two_phase(queue, wait_s)

    def _joined(self, queue: str, wait_s: float) -> str | None:
        if not self._wait_for_message(queue, wait_s):
            return None
        limit = 1 if self._single_rounds else self.batch_size
        self._single_rounds = max(0, self._single_rounds - 1)
        outcome: str | None = None
        uow = self.uow_factory()
        with uow:
            with self.transport.session(connection=uow.session.connection()) as t:
                env = None
                try:
                    for _ in range(limit):
                        env = t.get(queue)
                        if env is None:
                            break
                        outcome = self.processor.process(env, uow, t)
                        faults.point("inbound.after_effect")
                    if outcome is None:
                        return None
                    uow.commit()
                except Exception:
                    log.exception("processing failed; messages returned to the queue",
                                  queue=queue, backout_count=env.backout_count if env else None)
                    uow.rollback()
                    t.backout()
                    self._single_rounds = self.batch_size * 2
                    self._record_if_final(env)
                    return "FAILED"
                t.commit()
        faults.point("inbound.after_db_commit")
        self.processor.bus.publish(uow)  # the events its handlers raised, now committed
        return outcome

    def _wait_for_message(self, queue: str, wait_s: float) -> bool:
        """Browse (a lock-free read) until a message is there, so that an idle consumer never
        holds the database's write lock; polling because the store has no portable wake-up."""
        deadline = time.monotonic() + wait_s
        delay = 0.002
        with self.transport.session() as peek:
            # The embedded store has a cheap existence check; other transports browse.
            present = getattr(peek, "peek", None) or (lambda q: bool(peek.browse(q, 1)))
            while not present(queue):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, 0.01)
        return True

    def _two_phase(self, queue: str, wait_s: float) -> str | None:
        if self.store_is_database:
            # Lock in the relay's order, the application database before the queue store: the
            # relay holds the database while it puts, so a get held while waiting for the
            # database deadlocks with it on SQLite (one writer per file) until the busy timeout.
            # Wait without holding either, as in joined mode.
            if not self._wait_for_message(queue, wait_s):
                return None
            wait_s = 0.0
        uow = self.uow_factory()
        with self.transport.session() as t, uow:
            if self.store_is_database:
                uow.session.connection()  # begins the database transaction before the get
            env = t.get(queue, wait_s=wait_s)
            if env is None:
                return None
            try:
                outcome = self.processor.process(env, uow, t)
                faults.point("inbound.after_effect")
                uow.commit()
            except Exception:
                log.exception("processing failed; message backed out", queue=queue,
                              backout_count=env.backout_count)
                uow.rollback()
                t.backout()
                self._record_if_final(env)
                return "FAILED"
            faults.point("inbound.after_db_commit")
            t.commit()
        self.processor.bus.publish(uow)  # after the get is final and no lock is held
        return outcome

    def _record_if_final(self, env) -> None:
        """On the attempt after which the transport backs the message out for good, keep it in
        the error store with an alert, so a message that fails to process is never dropped
        silently (``env`` is the message whose processing raised)."""
        if env is None or env.backout_count + 1 < self.backout_threshold:
            return
        try:
            with self.uow_factory() as uow:
                reason = (f"processing failed {env.backout_count + 1} times; moved to "
                          f"{env.queue}.BACKOUT (see the worker's log for the error)")
                uow.errors.add(env.body, reason, env.queue, "", "", "", False)
                uow.alerts.add("CRITICAL", "inbound", f"message on {env.queue} failed "
                               f"{env.backout_count + 1} times and was backed out")
                uow.commit()
        except Exception:  # noqa: BLE001 - the database itself may be what fails
            log.exception("could not record a backed-out message", queue=env.queue)
