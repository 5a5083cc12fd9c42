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

from gateway.codec.salvage import head_texts_from_bytes
from gateway.monitor.slow import SlowHandlerWatch
from gateway.runtime import faults
from gateway.wire.inbound import InboundProcessor

log = structlog.get_logger("gateway.consumer")


class QueueConsumer:
    def __init__(self, uow_factory: Callable, transport, processor: InboundProcessor,
                 joined: bool, store_is_database: bool = False, batch_size: int = 50,
                 backout_threshold: int = 3, slow_watch: SlowHandlerWatch | None = None) -> None:
        self.uow_factory, self.transport = uow_factory, transport
        self.processor, self.joined = processor, joined
        # Joined mode takes up to batch_size messages per transaction: one commit (one fsync on
        # SQLite) for many messages; a poison message is backed out alone and its neighbours
        # commit (see _joined).
        self.batch_size = max(1, batch_size)
        self._current = None  # the message being processed, for the failure path
        # The queue store is a database of its own (embedded transport, two-phase): its gets
        # lock it, so the order of locking matters (see _two_phase).
        self.store_is_database = store_is_database
        # The transport moves a message to its backout queue at the threshold, on a later get
        # the gateway never sees: the last failing attempt records it for ops beforehand.
        self.backout_threshold = backout_threshold
        # Times every handling and logs one past monitor.slow_handler_s with its stack.
        self.slow_watch = slow_watch
        # Per queue, the store's change generation at which it was last looked at and found
        # empty (embedded store on SQLite): see _wait_for_message.
        self._empty_at: dict[str, int] = {}

    def consume_one(self, queue: str, wait_s: float = 0.0) -> str | None:
        """Process the next message (joined mode: the next batch) of ``queue``; returns the last
        outcome, None when the queue stayed empty."""
        if self.joined:
            return self._joined(queue, wait_s)
        return self._two_phase(queue, wait_s)

    def _joined(self, queue: str, wait_s: float) -> str | None:
        """Up to ``batch_size`` messages in one transaction, without a savepoint each (two
        statements a message, a fifth of the consumer's CPU when it had them). A message that
        raises after good ones rolls the batch back *uncounted*; the good ones are then done
        again as a batch of their own, and the failing one alone, where its failure is
        counted as any first message's is (and recorded on its last attempt)."""
        if not self._wait_for_message(queue, wait_s):
            return None
        limit, outcome, retrying = self.batch_size, None, False
        while True:
            got = self._joined_batch(queue, limit)
            if got is None:
                return outcome
            outcome, failed_after = got
            if failed_after is not None:  # strictly fewer each time: this loop ends
                limit, retrying = failed_after, True
            elif retrying:
                limit, retrying = 1, False  # the message that failed, alone now
            else:
                return outcome

    def _joined_batch(self, queue: str, limit: int) -> tuple[str, int | None] | None:
        """One transaction of at most ``limit`` messages: None when the queue was empty, else
        (last outcome, None) when it committed or failed whole (counted), or (outcome, n) when
        the message after n good ones raised and everything was rolled back uncounted."""
        outcome: str | None = None
        uow = self.uow_factory()
        with uow:
            with self.transport.session(connection=uow.session.connection()) as t:
                # A transport that cannot forget its gets uncounted fails the whole batch.
                abandon = getattr(t, "abandon", None)
                env, done = None, 0
                try:
                    # The embedded store takes the batch in one statement; the loop below gets
                    # every one of them (or rolls back), as reserve() requires.
                    reserve = getattr(t, "reserve", None)
                    if reserve is not None:
                        reserve(queue, limit)
                    for _ in range(limit):
                        env = self._current = t.get(queue)
                        if env is None:
                            break
                        try:
                            outcome = self._process(env, uow, t)
                        except Exception:
                            if not done or abandon is None:
                                raise
                            log.warning("processing failed after good messages of its batch; "
                                        "the batch is rolled back uncounted and done again "
                                        "without it", queue=queue, good=done, exc_info=True)
                            uow.rollback()
                            abandon()
                            return outcome or "FAILED", done
                        done += 1
                        faults.point("inbound.after_effect")
                    if outcome is None:
                        return None
                    faults.point("inbound.batch_before_commit")
                    uow.commit()
                except Exception:
                    env = self._current
                    log.exception("processing failed; messages returned to the queue",
                                  queue=queue, backout_count=env.backout_count if env else None)
                    uow.rollback()
                    t.backout()
                    self._record_if_final(env)
                    return "FAILED", None
                t.commit()
        faults.point("inbound.after_db_commit")
        self.processor.bus.publish(uow)  # the events its handlers raised, now committed
        return outcome, None

    def _process(self, env, uow, t) -> str:
        if self.slow_watch is None:
            return self.processor.process(env, uow, t)
        # The MsgNo is not known before decoding; a bounded scan of the head names the handling.
        head = head_texts_from_bytes(env.body)
        with self.slow_watch.track(head.get("MsgNo", "unknown"), msg_id=head.get("MsgID", ""),
                                   queue=env.queue):
            return self.processor.process(env, uow, t)

    def _wait_for_message(self, queue: str, wait_s: float) -> bool:
        """Browse (a lock-free read) until a message is there, so that an idle consumer never
        holds the database's write lock. On a SQLite store it looks again only when another
        connection has committed to the file (``change_watch``: a pragma every few ms, not a
        query); elsewhere it polls with back-off, as the store has no portable wake-up."""
        deadline = time.monotonic() + wait_s
        delay = 0.002
        watch = getattr(self.transport, "change_watch", None)
        if watch is not None and self._empty_at.get(queue) == watch.generation():
            # Nothing was committed to the store since this queue was last seen empty: wait
            # for a commit without looking again (an idle consumer's look every get_wait_ms
            # was a third of an idle gateway's CPU).
            if not watch.wait(self._empty_at[queue], wait_s):
                return False
        with self.transport.session() as peek:
            # The embedded store has a cheap existence check; other transports browse.
            present = getattr(peek, "peek", None) or (lambda q: bool(peek.browse(q, 1)))
            while True:
                generation = watch.generation() if watch is not None else 0
                if present(queue):
                    self._empty_at.pop(queue, None)
                    return True
                self._empty_at[queue] = generation
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                if watch is not None:
                    watch.wait(generation, remaining)
                else:
                    time.sleep(min(delay, remaining))
                    delay = min(delay * 2, 0.01)

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
                outcome = self._process(env, uow, t)
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
                self._record(uow, env)
                uow.commit()
        except Exception:  # noqa: BLE001 - the database itself may be what fails
            log.exception("could not record a backed-out message", queue=env.queue)

    @staticmethod
    def _record(uow, env) -> None:
        reason = (f"processing failed {env.backout_count + 1} times; moved to "
                  f"{env.queue}.BACKOUT (see the worker's log for the error)")
        uow.errors.add(env.body, reason, env.queue, "", "", "", False)
        uow.alerts.add("CRITICAL", "inbound", f"message on {env.queue} failed "
                       f"{env.backout_count + 1} times and was backed out")
