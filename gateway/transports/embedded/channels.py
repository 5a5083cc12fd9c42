"""The channel agent: moves a sender channel's transmission queue to the partner queue manager.

Each batch is moved idempotently across the two databases (which cannot commit atomically):

1. in the partner's database, in one transaction, insert every message not yet received (the
   receipt table is keyed by the partner queue manager and the message instance's ``uid``) into
   its destination queue, or the partner's dead-letter queue when that queue does not exist or
   is full, and record the receipts; commit;
2. in the source database, delete the batch from the transmission queue; commit;
3. forget the receipts (best effort; they only matter while the messages exist at the source).

A crash between 1 and 2 sends the batch again and the receipts swallow it: at least once in
transport, exactly once in effect. A message put twice on purpose (the outbox re-putting the same
MsgID) is two instances and arrives twice, as on IBM MQ; the receiver's inbox de-duplicates.

Channel status follows MQ: RUNNING while it moves messages; INACTIVE once idle for its
disconnect interval, and RUNNING again when a message arrives on the transmission queue (the
trigger); RETRYING while the partner is unreachable or refuses (retried every
``retry_interval_s``); STOPPED by the operator until started again, while the queue fills up.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable

from sqlalchemy import delete, exc, insert, select, update
from sqlalchemy.engine import Connection, Row

from gateway.transports.embedded import schema as s
from gateway.transports.base import ChannelNotFound, TransportError
from gateway.transports.embedded.transport import EmbeddedTransport
from gateway.transports.embedded.wakeup import watch_for

log = logging.getLogger(__name__)

MQRC_UNKNOWN_OBJECT_NAME = 2085
MQRC_UNKNOWN_REMOTE_Q_MGR = 2087
MQRC_Q_FULL = 2053
INSERT_RECEIPT = insert(s.receipts)
#: The longest an idle agent on SQLite sleeps without a commit to its store: its time-based
#: rules (lease renewal at half its 10 s, retry and disconnect intervals of seconds) need no
#: finer step, and each look reads its channel row (0.8 % of a core at 0.25 s).
IDLE_WAKE_S = 1.0


class ChannelAgent:
    """Runs one sender channel of ``source`` towards ``partner``. Only one agent runs a channel at
    a time (a lease in the channel row); extra agents idle harmlessly."""

    def __init__(self, source: EmbeddedTransport, channel: str, partner: EmbeddedTransport, *,
                 batch_size: int = 100, lease_s: float = 10.0, retry_interval_s: float = 5.0,
                 clock: Callable[[], float] | None = None, owner: str | None = None) -> None:
        self.source, self.partner, self.channel = source, partner, channel
        self.batch_size, self.lease_s, self.retry_interval_s = batch_size, lease_s, retry_interval_s
        self.clock = clock or source.clock
        self.owner = owner or f"{os.getpid()}.{id(self):x}"
        self._next_retry = 0.0
        self._stop_shown = False

    def run_once(self) -> int:
        """Move at most one batch; returns how many messages left the transmission queue."""
        now = self.clock()
        chl = self._channel()
        if chl.status == "STOPPED":
            if not self._stop_shown:  # the partner's receiver ends with its sender
                self._mirror("INACTIVE")
                self._stop_shown = True
            return 0
        self._stop_shown = False
        if not self._lease(chl, now):
            return 0
        if chl.status == "RETRYING" and now < self._next_retry:
            return 0
        batch = self._batch(chl.xmitq)
        if not batch and chl.status != "RETRYING":
            if chl.status == "RUNNING" and now - chl.last_activity >= chl.disc_interval_s:
                self._set_status(status="INACTIVE")
                self._mirror("INACTIVE")
            return 0
        try:
            self._deliver(batch, now)
        except exc.IntegrityError:
            return 0  # another agent delivered the same batch in the meantime
        except TransportError as err:
            log.warning("channel %s to %s retrying: %s", self.channel, self.partner.queue_manager,
                        err)
            self._next_retry = now + self.retry_interval_s
            self._set_status(status="RETRYING", last_error=str(err))
            return 0
        m, c = s.messages.c, s.channels.c
        with s.db_errors(), self.source.engine.begin() as conn:
            if batch:
                conn.execute(delete(s.messages).where(m.id.in_([r.id for r in batch])))
            conn.execute(update(s.channels).where(*self._key()).values(
                last_activity=now, last_error="", messages=c.messages + len(batch)))
            # An operator's stop issued while this batch was moving stands.
            conn.execute(update(s.channels).where(*self._key(), c.status != "STOPPED")
                         .values(status="RUNNING"))
        self._forget([r.uid for r in batch])
        return len(batch)

    def run_forever(self, stop: threading.Event, *, idle_max_s: float = 0.02) -> None:
        """Run until ``stop`` is set. On a SQLite store, an idle agent sleeps until another
        connection commits to it (a put on the transmission queue, an operator's command), at
        most ``IDLE_WAKE_S`` (leases, disconnect and retry intervals are time-based); elsewhere
        it polls faster while there is traffic, backing off to ``idle_max_s``."""
        wait, failures = 0.005, 0
        watch = watch_for(self.source.engine)
        while not stop.is_set():
            generation = watch.generation() if watch is not None else 0
            try:
                moved = self.run_once()
                failures = 0
            except TransportError as err:  # own store unreachable, channel undefined ...
                failures += 1
                log.warning("channel %s: %s", self.channel, err)
                stop.wait(min(0.5 * 2 ** failures, 30.0))
                continue
            wait = 0.005 if moved else min(wait * 2, idle_max_s)
            if not moved:
                if watch is not None:
                    watch.wait(generation, IDLE_WAKE_S)
                else:
                    stop.wait(wait)
        self.release()

    def release(self) -> None:
        """Give the lease up on a clean stop, so that a restarted agent takes over at once
        (after a crash the lease simply expires)."""
        c = s.channels.c
        try:
            with s.db_errors(), self.source.engine.begin() as conn:
                conn.execute(update(s.channels).where(*self._key(), c.owner == self.owner)
                             .values(lease_until=0.0))
        except TransportError as err:
            log.warning("channel %s: lease not released: %s", self.channel, err)

    def _key(self) -> list[Any]:
        c = s.channels.c
        return [c.qmgr == self.source.queue_manager, c.name == self.channel]

    def _channel(self) -> Row:
        with s.db_errors(), self.source.reader.connect() as conn:
            row = conn.execute(select(s.channels).where(*self._key())).first()
        if row is None or row.type != "sender":
            raise ChannelNotFound(f"{self.source.queue_manager}: no sender channel {self.channel}")
        return row

    def _lease(self, chl: Row, now: float) -> bool:
        if chl.owner == self.owner and chl.lease_until - now > self.lease_s / 2:
            return True
        c = s.channels.c
        with s.db_errors(), self.source.engine.begin() as conn:
            taken = conn.execute(update(s.channels).where(
                *self._key(), (c.owner == self.owner) | (c.lease_until < now)
            ).values(owner=self.owner, lease_until=now + self.lease_s)).rowcount
        return taken == 1

    def _batch(self, xmitq: str) -> list[Row]:
        m = s.messages.c
        with s.db_errors(), self.source.reader.connect() as conn:
            return conn.execute(select(s.messages).where(
                m.qmgr == self.source.queue_manager, m.queue == xmitq
            ).order_by(m.id).limit(self.batch_size)).all()

    def _deliver(self, batch: list[Row], now: float) -> None:
        p = self.partner
        c, r = s.channels.c, s.receipts.c
        with s.db_errors(), p.engine.begin() as conn:
            receiver = conn.execute(select(s.channels).where(
                c.qmgr == p.queue_manager, c.name == self.channel)).first()
            if receiver is None or receiver.type != "receiver":
                raise TransportError(f"{p.queue_manager}: receiver channel {self.channel} is not"
                                     " defined")
            if receiver.status == "STOPPED":
                raise TransportError(f"{p.queue_manager}: receiver channel {self.channel} is"
                                     " stopped")
            uids = [row.uid for row in batch]
            seen = set(conn.execute(select(r.uid).where(
                r.qmgr == p.queue_manager, r.uid.in_(uids))).scalars()) if uids else set()
            router = _Router(p, conn)
            fresh = [row for row in batch if row.uid not in seen]
            arriving = []
            for row in fresh:
                queue, header, reason = router.route(row)
                arriving.append(dict(
                    qmgr=p.queue_manager, queue=queue, uid=row.uid, msg_id=row.msg_id,
                    correl_id=row.correl_id, ccsid=row.ccsid, format=row.format,
                    reply_to=row.reply_to, put_time=row.put_time, backout_count=0,
                    reason=reason, xmit_qmgr=header[0], xmit_queue=header[1], body=row.body))
            if arriving:  # one executemany each, in the batch's order (ids keep FIFO)
                conn.execute(s.INSERT_MESSAGE, arriving)
                conn.execute(INSERT_RECEIPT, [dict(qmgr=p.queue_manager, uid=row.uid,
                                                   received_at=now) for row in fresh])
            conn.execute(update(s.channels).where(c.qmgr == p.queue_manager,
                                                  c.name == self.channel).values(
                status="RUNNING", last_activity=now, last_error="",
                messages=c.messages + len(fresh)))

    def _forget(self, uids: list[bytes]) -> None:
        if not uids:
            return
        r = s.receipts.c
        try:
            with s.db_errors(), self.partner.engine.begin() as conn:
                conn.execute(delete(s.receipts).where(r.qmgr == self.partner.queue_manager,
                                                      r.uid.in_(uids)))
        except TransportError as err:  # harmless: a stale receipt only blocks its own uid
            log.info("channel %s: receipts kept: %s", self.channel, err)

    def _set_status(self, **values: Any) -> None:
        with s.db_errors(), self.source.engine.begin() as conn:
            conn.execute(update(s.channels).where(*self._key()).values(**values))

    def _mirror(self, status: str) -> None:
        """Show the partner's receiver as the sender left it (best effort)."""
        c = s.channels.c
        try:
            with s.db_errors(), self.partner.engine.begin() as conn:
                conn.execute(update(s.channels).where(
                    c.qmgr == self.partner.queue_manager, c.name == self.channel,
                    c.status == "RUNNING").values(status=status))
        except TransportError as err:
            log.info("channel %s: partner status not updated: %s", self.channel, err)


class _Router:
    """Where a message arriving at the partner goes: its destination queue, a transmission queue
    towards a further queue manager, or the dead-letter queue (with the MQ reason)."""

    def __init__(self, partner: EmbeddedTransport, conn: Connection) -> None:
        self.p, self.conn = partner, conn
        self.depths: dict[str, int] = {}
        self.rows: dict[str, Row | None] = {}  # queue definitions, looked up once per batch
        self.dlq = partner.dead_letter_queue(conn)

    def queue(self, name: str) -> Row | None:
        if name not in self.rows:
            self.rows[name] = self.p.queue_row(self.conn, name)
        return self.rows[name]

    def route(self, row: Row) -> tuple[str, tuple[str, str], int]:
        if row.xmit_qmgr and row.xmit_qmgr != self.p.queue_manager:
            xq = self.queue(row.xmit_qmgr)
            if xq is not None and xq.type == "transmission" and self._room(xq):
                return xq.name, (row.xmit_qmgr, row.xmit_queue), 0
            return self._dead(MQRC_UNKNOWN_REMOTE_Q_MGR if xq is None else MQRC_Q_FULL, row)
        q = self.queue(row.xmit_queue)
        if q is not None and q.type == "remote":
            xq = self.queue(q.xmitq)
            if xq is not None and xq.type == "transmission" and self._room(xq):
                return xq.name, (q.remote_qmgr, q.remote_name), 0
            return self._dead(MQRC_UNKNOWN_OBJECT_NAME, row)
        if q is None or q.type != "local":
            return self._dead(MQRC_UNKNOWN_OBJECT_NAME, row)
        if not self._room(q):
            return self._dead(MQRC_Q_FULL, row)
        return q.name, ("", ""), 0

    def _room(self, q: Row) -> bool:
        if q.name not in self.depths:
            self.depths[q.name] = self.p.depth(self.conn, q.name)
        if self.depths[q.name] >= q.max_depth:
            return False
        self.depths[q.name] += 1
        return True

    def _dead(self, reason: int, row: Row) -> tuple[str, tuple[str, str], int]:
        if not self.dlq:
            raise TransportError(f"{self.p.queue_manager}: cannot deliver to {row.xmit_queue} "
                                 f"(reason {reason}) and there is no dead-letter queue")
        self.depths[self.dlq] = self.depths.get(self.dlq, 0) + 1
        # The transmission header stays on a dead letter: it says where it was going.
        return self.dlq, (row.xmit_qmgr, row.xmit_queue), reason
