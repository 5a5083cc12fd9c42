"""The embedded queue manager: IBM MQ's queue semantics kept in a SQL database.

The single-machine default (ARCHITECTURE.md, "The embedded queue manager"). A get deletes the
oldest matching row inside the session's database transaction, so it is undone by a rollback
and made final by the commit, exactly like a get under syncpoint. A session can also *join* a
caller's :class:`~sqlalchemy.engine.Connection` on the same database, so that the get or put and
the caller's own changes commit or roll back together: the gateway's exactly-once processing.

Sessions (gets, puts, syncpoint, waiting) are in :mod:`gateway.transports.embedded.session`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from typing import Callable, Iterator

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine, Row, make_url

from gateway.transports.embedded import schema as s
from gateway.transports.base import Envelope, QueueNotFound, TransportError
from gateway.transports.embedded.objects import QueueManagerDefinition, define
from gateway.transports.embedded.session import EmbeddedSession
from gateway.transports.embedded.wakeup import ChangeWatch, watch_for

__all__ = ["EmbeddedSession", "EmbeddedTransport"]

MQRC_UNKNOWN_OBJECT_NAME = 2085
MQRC_BACKOUT_THRESHOLD_REACHED = 2362


class EmbeddedTransport:
    """One queue manager in a database. Thread-safe; open one session per thread."""

    def __init__(self, url: str | Engine, queue_manager: str, *, durable: bool = True,
                 busy_timeout_ms: int = 30_000, clock: Callable[[], float] = time.time,
                 poll_max_s: float = 0.01) -> None:
        if isinstance(url, Engine):
            self.engine = url
        else:
            self.engine = s.create_queue_engine(url, durable=durable,
                                                busy_timeout_ms=busy_timeout_ms)
        # WAL readers never wait for the writer: peeks, browses and depths go through this one.
        self.reader = (s.create_queue_engine(self.engine.url.render_as_string(False),
                                             durable=durable, busy_timeout_ms=busy_timeout_ms,
                                             immediate=False)
                       if s.is_sqlite(self.engine) else self.engine)
        self.queue_manager = queue_manager
        self._same_database: set[str] = set()
        self.clock = clock
        self.poll_max_s = poll_max_s

    @property
    def change_watch(self) -> "ChangeWatch | None":
        """Wakes waiters when another connection commits to the store (SQLite files only)."""
        return watch_for(self.engine)

    def ensure_schema(self) -> None:
        s.ensure_schema(self.engine)

    def define(self, definition: QueueManagerDefinition) -> None:
        """Define objects (idempotent); the definition's name must be this queue manager."""
        if definition.name != self.queue_manager:
            raise TransportError(f"definition of {definition.name} given to {self.queue_manager}")
        define(self.engine, definition)

    @contextlib.contextmanager
    def session(self, connection: Connection | None = None) -> Iterator[EmbeddedSession]:
        """A unit of work; with ``connection`` it joins the caller's transaction instead."""
        if connection is not None:
            self._check_same_database(connection)
        sess = EmbeddedSession(self, connection)
        try:
            yield sess
        finally:
            sess.close()

    def close(self) -> None:
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)

    def queue_row(self, conn: Connection, name: str) -> Row | None:
        return conn.execute(s.QUEUE_ROW, {"qm": self.queue_manager, "name": name}).first()

    def local_queue(self, conn: Connection, name: str) -> Row:
        row = self.queue_row(conn, name)
        if row is None:
            raise QueueNotFound(f"{self.queue_manager}: queue {name} is not defined",
                                MQRC_UNKNOWN_OBJECT_NAME)
        if row.type == "remote":
            raise TransportError(f"{self.queue_manager}: {name} is a remote queue; it can only be"
                                 " put to")
        return row

    def dead_letter_queue(self, conn: Connection) -> str:
        dlq = conn.execute(select(s.queue_managers.c.dead_letter_queue).where(
            s.queue_managers.c.name == self.queue_manager)).scalar()
        return dlq if dlq and self.queue_row(conn, dlq) is not None else ""

    def depth(self, conn: Connection, queue: str) -> int:
        return conn.execute(s.DEPTH, {"qm": self.queue_manager, "queue": queue}).scalar_one()

    def count_backouts(self, conn: Connection, ids: list[int]) -> None:
        """Raise the backout count of returned messages in a short transaction of its own and
        move those at their queue's threshold to its backout queue (else the dead-letter queue)."""
        with conn.begin():
            self.count_backouts_in(conn, ids)

    def count_backouts_in(self, conn: Connection, ids: list[int]) -> None:
        """:meth:`count_backouts` inside the caller's open transaction."""
        m = s.messages.c
        conn.execute(update(s.messages).where(m.id.in_(ids))
                     .values(backout_count=m.backout_count + 1))
        rows = conn.execute(select(m.id, m.queue, m.backout_count).where(m.id.in_(ids))).all()
        for row in rows:
            q = self.queue_row(conn, row.queue)
            if q is None or q.backout_threshold <= 0 or row.backout_count < q.backout_threshold:
                continue
            boq = self.queue_row(conn, q.backout_queue) if q.backout_queue else None
            target = boq.name if boq is not None and boq.type != "remote" else \
                self.dead_letter_queue(conn)
            if target:
                conn.execute(update(s.messages).where(m.id == row.id).values(
                    queue=target, reason=MQRC_BACKOUT_THRESHOLD_REACHED))

    def envelope(self, row: Row) -> Envelope:
        put_time = row.put_time
        if put_time.tzinfo is None:  # SQLite keeps no zone; we always store UTC
            put_time = put_time.replace(tzinfo=dt.timezone.utc)
        return Envelope(body=row.body, msg_id=row.msg_id, correl_id=row.correl_id,
                        ccsid=row.ccsid, queue=row.queue, put_time=put_time,
                        format=row.format, reply_to=row.reply_to,
                        backout_count=row.backout_count, reason=row.reason)

    def _check_same_database(self, conn: Connection) -> None:
        # Every joined unit of work asks: remember the URLs already found to be this store's.
        url_text = conn.engine.url.render_as_string(hide_password=False)
        if url_text in self._same_database:
            return

        def key(url: object) -> tuple[str, str | None, str | None]:
            u = make_url(str(url))
            database = u.database
            if u.get_backend_name() == "sqlite" and database:
                database = os.path.realpath(database)
            return u.get_backend_name(), u.host, database
        if key(conn.engine.url) != key(self.engine.url):
            raise TransportError("a joined connection must be on the queue store's database")
        self._same_database.add(url_text)
