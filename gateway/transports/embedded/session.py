"""A unit of work on the embedded queue manager (see :mod:`gateway.transports.embedded`).

A get deletes the oldest matching row inside the session's database transaction: commit makes
it final, rollback returns the message, and :meth:`EmbeddedSession.backout` then raises its
backout count in a short transaction of its own. In joined mode the caller's connection carries
the transaction and commit()/backout() defer to it.

Waiting gets poll. The store is shared by processes through SQLite or PostgreSQL and neither
gives a portable cross-process "message arrived" signal (SQLite has none; LISTEN/NOTIFY would
need a second code path and a dedicated connection), so ``get(wait_s=...)`` peeks with a cheap
read that takes no lock, at an interval that starts at a few milliseconds and doubles up to
``poll_max_s``, and only claims when a candidate is there.

Known limits, both inherent in keeping the queue in the caller's transaction: on SQLite a unit
of work that has got or put something holds the database's write lock until it commits or
backs out (other writers wait up to the busy timeout), so units of work stay short; and a
process that dies with a get uncommitted returns the message by rollback, without raising its
backout count (IBM MQ would count it), so only backouts count towards the threshold. A joined
SQLite connection must come from an engine that begins with ``BEGIN IMMEDIATE``
(:func:`gateway.transports.embedded.schema.configure_sqlite` or the application's engine).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from sqlalchemy.engine import Connection

from gateway.transports.embedded import schema as s
from gateway.transports.base import (FORMAT_STRING, ConnectionBroken, Envelope, QueueFull,
                                     QueueNotFound, TransportError, check_id)

if TYPE_CHECKING:
    from gateway.transports.embedded.transport import EmbeddedTransport

MQRC_UNKNOWN_OBJECT_NAME = 2085
MQRC_Q_FULL = 2053
MQRC_UNKNOWN_XMIT_Q = 2196


class _Reserved(NamedTuple):
    id: int
    envelope: Envelope


class EmbeddedSession:
    """A unit of work on an :class:`EmbeddedTransport` (see :class:`TransportSession`)."""

    def __init__(self, transport: "EmbeddedTransport", joined: Connection | None) -> None:
        self._t = transport
        self._joined = joined
        self._own: Connection | None = None
        self._gotten: list[int] = []
        self._dirty = False
        # Per unit of work (cleared at commit and backout): queue definitions looked up, and
        # the depth of each queue put to, counted once and then kept by adding this session's
        # own puts (a relay batch puts hundreds of messages; a COUNT per put grew with the
        # queue's backlog). A get from a queue forgets its depth (it could only have fallen).
        self._queues: dict[str, Any] = {}
        self._depths: dict[str, int] = {}
        # Messages taken by reserve() and not yet handed out by get(), oldest last, per queue:
        # taken in this unit of work, so a rollback returns them as it returns the gotten ones.
        self._reserved: dict[str, list[Envelope]] = {}

    def put(self, queue: str, body: bytes, *, msg_id: bytes, correl_id: bytes, ccsid: int,
            reply_to: str = "") -> None:
        row = {"msg_id": check_id("msg_id", msg_id), "correl_id": check_id("correl_id", correl_id)}
        with self._guard():
            conn = self._conn()
            target = self._queue(conn, queue)
            if target is None:
                raise QueueNotFound(f"{self._t.queue_manager}: queue {queue} is not defined",
                                    MQRC_UNKNOWN_OBJECT_NAME)
            header = ("", "")
            if target.type == "remote":
                header = (target.remote_qmgr, target.remote_name)
                target = self._queue(conn, target.xmitq)
                if target is None or target.type != "transmission":
                    raise TransportError(f"{self._t.queue_manager}: transmission queue of {queue}"
                                         " is not defined", MQRC_UNKNOWN_XMIT_Q)
            elif target.type == "transmission":
                raise TransportError(f"{queue} is a transmission queue; put to a remote queue")
            depth = self._depths.get(target.name)
            if depth is None:
                depth = self._t.depth(conn, target.name)
            if depth >= target.max_depth:
                raise QueueFull(f"{self._t.queue_manager}: queue {target.name} is full "
                                f"({target.max_depth})", MQRC_Q_FULL)
            conn.execute(s.INSERT_MESSAGE, dict(
                qmgr=self._t.queue_manager, queue=target.name, uid=os.urandom(16),
                ccsid=ccsid, format=FORMAT_STRING, reply_to=reply_to, put_time=self._t.now(),
                backout_count=0, reason=0, xmit_qmgr=header[0], xmit_queue=header[1],
                body=bytes(body), **row))
            self._depths[target.name] = depth + 1
            self._dirty = True

    def _queue(self, conn: Connection, name: str) -> Any:
        if name not in self._queues:
            self._queues[name] = self._t.queue_row(conn, name)
        return self._queues[name]

    def get(self, queue: str, *, wait_s: float = 0.0,
            correl_id: bytes | None = None) -> Envelope | None:
        if correl_id is not None:
            check_id("correl_id", correl_id)
        reserved = self._reserved.get(queue) if correl_id is None else None
        if reserved:
            item = reserved.pop()
            self._gotten.append(item.id)
            return item.envelope
        deadline = time.monotonic() + max(wait_s, 0.0)
        delay = 0.002
        # Outside a transaction, look before claiming: an idle consumer then never takes (or
        # waits for) SQLite's write lock.
        env = self._claim(queue, correl_id) if self._in_transaction() or \
            self._peek(queue, correl_id) else None
        if env is None:
            with self._guard(), self._t.reader.connect() as conn:
                self._t.local_queue(conn, queue)  # empty, or not a queue one can get from?
        while env is None:
            self._release_idle()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, self._t.poll_max_s)
            if self._peek(queue, correl_id):
                env = self._claim(queue, correl_id)
        return env

    def reserve(self, queue: str, limit: int) -> int:
        """Take up to ``limit`` of the oldest messages of ``queue`` in one statement for the
        next get()s of this unit of work (a consumer's batch: one DELETE instead of one a
        message); returns how many. Call it only when the unit will get them all before it
        commits: commit refuses while some are left (they would be deleted unprocessed)."""
        if limit <= 1:
            return 0
        with self._guard():
            conn = self._conn()
            take = s.TAKE_MANY[conn.dialect.name == "postgresql"]
            rows = sorted(conn.execute(take, {**self._params(queue, None), "limit": limit}),
                          key=lambda row: row.id, reverse=True)
            if not rows:
                return 0
            self._depths.pop(queue, None)
            self._dirty = True
            held = self._reserved.setdefault(queue, [])
            # Older than anything reserved before? Not possible: reserved ones left the queue.
            held[:0] = [_Reserved(row.id, self._t.envelope(row)) for row in rows]
            return len(rows)

    def browse(self, queue: str, limit: int = 100) -> list[Envelope]:
        with self._guard(), self._t.reader.connect() as conn:
            self._t.local_queue(conn, queue)
            rows = conn.execute(s.BROWSE, {"qm": self._t.queue_manager, "queue": queue,
                                           "limit": limit})
            return [self._t.envelope(r) for r in rows]

    def commit(self) -> None:
        if any(self._reserved.values()):
            raise TransportError("messages reserved by this unit of work were not got: back "
                                 "it out (committing would delete them unprocessed)")
        if self._joined is None and self._own is not None and self._own.in_transaction():
            with self._guard():
                self._own.commit()
        self._gotten, self._dirty = [], False
        self._depths.clear()
        self._queues.clear()  # a definition may change between units of work
        self._reserved.clear()

    def backout(self) -> None:
        """In joined mode, call it after the caller has rolled its transaction back: it counts
        the backout of the messages gotten (their return to the queue was the rollback)."""
        if self._joined is not None and self._joined.in_transaction():
            raise TransportError("roll back the joined connection before backout()")
        ids, self._gotten, self._dirty = self._gotten, [], False
        self._depths.clear()
        self._queues.clear()
        self._reserved.clear()  # returned by the rollback, never handed out: no backout
        with self._guard():
            if self._joined is not None:
                if ids:
                    with self._t.engine.connect() as conn:
                        self._t.count_backouts(conn, ids)
                return
            if self._own is not None:
                self._own.rollback()
                if ids:
                    self._t.count_backouts(self._own, ids)

    def abandon(self) -> None:
        """Joined mode, after the caller rolled its transaction back in order to do part of it
        again: the messages gotten are on their queues again by that rollback, and it was not
        their failure, so no backout is counted (the consumer's retry without a poison)."""
        if self._joined is not None and self._joined.in_transaction():
            raise TransportError("roll back the joined connection before abandon()")
        self._gotten, self._dirty = [], False
        self._depths.clear()
        self._queues.clear()
        self._reserved.clear()

    def close(self) -> None:
        try:
            if self._dirty or self._gotten or any(self._reserved.values()):
                with contextlib.suppress(TransportError):
                    self.backout()
        finally:
            if self._own is not None:
                self._own.close()
                self._own = None

    def _conn(self) -> Connection:
        if self._joined is not None:
            return self._joined
        if self._own is None:
            self._own = self._t.engine.connect()
        return self._own

    def _claim(self, queue: str, correl_id: bytes | None) -> Envelope | None:
        """Delete the oldest matching message in this unit of work and return it. SQLite: the
        transaction holds the write lock (BEGIN IMMEDIATE); PostgreSQL: rows other consumers
        have claimed are skipped (FOR UPDATE SKIP LOCKED)."""
        with self._guard():
            conn = self._conn()
            take = s.TAKE[(correl_id is not None, conn.dialect.name == "postgresql")]
            row = conn.execute(take, self._params(queue, correl_id)).first()
            if row is None:
                return None
            self._depths.pop(queue, None)
            self._gotten.append(row.id)
            self._dirty = True
            return self._t.envelope(row)

    def peek(self, queue: str) -> bool:
        """Whether ``queue`` holds a committed message: a lock-free index look-up, cheaper than
        ``browse`` (embedded only; consumers poll with it)."""
        return self._peek(queue, None)

    def _peek(self, queue: str, correl_id: bytes | None) -> bool:
        with self._guard(), self._t.reader.connect() as conn:
            return conn.execute(s.PEEK[correl_id is not None],
                                self._params(queue, correl_id)).first() is not None

    def _params(self, queue: str, correl_id: bytes | None) -> dict[str, object]:
        params: dict[str, object] = {"qm": self._t.queue_manager, "queue": queue}
        if correl_id is not None:
            params["correl_id"] = correl_id
        return params

    def _in_transaction(self) -> bool:
        conn = self._joined if self._joined is not None else self._own
        return conn is not None and conn.in_transaction()

    def _release_idle(self) -> None:
        """End an empty transaction while waiting, so a SQLite write lock is not held idle."""
        if self._joined is None and self._own is not None and not self._dirty \
                and self._own.in_transaction():
            self._own.rollback()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            with s.db_errors():
                yield
        except ConnectionBroken:
            # The unit of work is gone with the connection; start afresh next time.
            self._gotten, self._dirty = [], False
            self._reserved.clear()
            if self._own is not None:
                with contextlib.suppress(Exception):
                    self._own.invalidate()
                    self._own.close()
                self._own = None
            raise
