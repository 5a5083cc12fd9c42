"""Tables and engines of the embedded queue manager.

The tables have their own :class:`MetaData` (prefix ``mq_``) and are created idempotently by
:func:`ensure_schema`, so the embedded transport can live in the application database or in a
file of its own without taking part in the application's migrations. Several queue managers can
share one database: every row carries its queue manager's name.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, taken
up front, so two consumers never both read the same head message and then race to delete it),
the journal is in WAL mode (readers never block the writer) and ``synchronous`` is FULL when
``durable`` (a committed put survives a power cut). On PostgreSQL consumers claim rows with
``SELECT ... FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from sqlalchemy import (BigInteger, Column, DateTime, Float, Index, Integer, LargeBinary, MetaData,
                        String, Table, Text, bindparam, create_engine, delete, event, exc, func,
                        insert, select, text)
from sqlalchemy.engine import Connection, Engine, make_url

from gateway.sqlite_locking import begin_immediate, raw
from gateway.transports.base import ConnectionBroken, TransportError

NAME = 48  # MQ_Q_NAME_LENGTH / MQ_Q_MGR_NAME_LENGTH

metadata = MetaData()

queue_managers = Table(
    "mq_queue_manager", metadata,
    Column("name", String(NAME), primary_key=True),
    Column("dead_letter_queue", String(NAME), nullable=False, default=""),
)

queues = Table(
    "mq_queue", metadata,
    Column("qmgr", String(NAME), primary_key=True),
    Column("name", String(NAME), primary_key=True),
    Column("type", String(12), nullable=False),  # local | transmission | remote
    Column("max_depth", Integer, nullable=False, default=5000),
    Column("backout_queue", String(NAME), nullable=False, default=""),
    Column("backout_threshold", Integer, nullable=False, default=0),
    Column("remote_name", String(NAME), nullable=False, default=""),
    Column("remote_qmgr", String(NAME), nullable=False, default=""),
    Column("xmitq", String(NAME), nullable=False, default=""),
)

messages = Table(
    "mq_message", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("qmgr", String(NAME), nullable=False),
    Column("queue", String(NAME), nullable=False),
    # One per message instance, kept when a channel moves it: the channel's idempotence key.
    Column("uid", LargeBinary(16), nullable=False),
    Column("msg_id", LargeBinary(24), nullable=False),
    Column("correl_id", LargeBinary(24), nullable=False),
    Column("ccsid", Integer, nullable=False),
    Column("format", String(8), nullable=False),
    Column("reply_to", String(NAME), nullable=False, default=""),
    Column("put_time", DateTime(timezone=True), nullable=False),
    Column("backout_count", Integer, nullable=False, default=0),
    Column("reason", Integer, nullable=False, default=0),
    # Transmission header of a message on a transmission queue.
    Column("xmit_qmgr", String(NAME), nullable=False, default=""),
    Column("xmit_queue", String(NAME), nullable=False, default=""),
    Column("body", LargeBinary, nullable=False),
)
Index("ix_mq_message_queue", messages.c.qmgr, messages.c.queue, messages.c.id)
Index("ix_mq_message_correl", messages.c.qmgr, messages.c.queue, messages.c.correl_id,
      messages.c.id)

channels = Table(
    "mq_channel", metadata,
    Column("qmgr", String(NAME), primary_key=True),
    Column("name", String(20), primary_key=True),  # MQ_CHANNEL_NAME_LENGTH
    Column("type", String(10), nullable=False),  # sender | receiver
    Column("xmitq", String(NAME), nullable=False, default=""),
    Column("partner", String(NAME), nullable=False, default=""),
    Column("disc_interval_s", Float, nullable=False, default=300.0),
    Column("status", String(10), nullable=False, default="INACTIVE"),
    Column("last_activity", Float, nullable=False, default=0.0),
    Column("last_error", Text, nullable=False, default=""),
    Column("messages", BigInteger, nullable=False, default=0),
    # Lease of the channel agent that runs the channel, so that only one moves its messages.
    Column("owner", String(64), nullable=False, default=""),
    Column("lease_until", Float, nullable=False, default=0.0),
)

receipts = Table(
    "mq_receipt", metadata,
    Column("qmgr", String(NAME), primary_key=True),
    Column("uid", LargeBinary(16), primary_key=True),
    Column("received_at", Float, nullable=False),
)


# Statements of the hot paths, built once (building and cache-keying an expression costs more
# than running it on SQLite). Parameters: qm, name / queue, correl_id.
QUEUE_ROW = select(queues).where(queues.c.qmgr == bindparam("qm"),
                                 queues.c.name == bindparam("name"))
DEPTH = select(func.count()).select_from(messages).where(
    messages.c.qmgr == bindparam("qm"), messages.c.queue == bindparam("queue"))
INSERT_MESSAGE = insert(messages)
BROWSE = select(messages).where(
    messages.c.qmgr == bindparam("qm"), messages.c.queue == bindparam("queue")
).order_by(messages.c.id).limit(bindparam("limit"))


def _head(by_correl: bool, skip_locked: bool = False) -> Any:
    query = select(messages.c.id).where(messages.c.qmgr == bindparam("qm"),
                                        messages.c.queue == bindparam("queue"))
    if by_correl:
        query = query.where(messages.c.correl_id == bindparam("correl_id"))
    query = query.order_by(messages.c.id).limit(1)
    return query.with_for_update(skip_locked=True) if skip_locked else query


#: Does a (matching) message exist? By correl: bool.
PEEK = {by_correl: _head(by_correl) for by_correl in (False, True)}
#: Take the oldest (matching) message: one DELETE ... RETURNING. By (correl, skip_locked).
TAKE = {(by_correl, skip): delete(messages).where(
    messages.c.id == _head(by_correl, skip).scalar_subquery()).returning(*messages.c)
    for by_correl in (False, True) for skip in (False, True)}
#: Take the oldest ``limit`` messages of a queue at once (a consumer's batch): by skip_locked.
#: RETURNING gives no order on SQLite; the caller sorts by id.
TAKE_MANY = {skip: delete(messages).where(messages.c.id.in_(
    select(messages.c.id).where(messages.c.qmgr == bindparam("qm"),
                                messages.c.queue == bindparam("queue"))
    .order_by(messages.c.id).limit(bindparam("limit"))
    .with_for_update(skip_locked=True) if skip else
    select(messages.c.id).where(messages.c.qmgr == bindparam("qm"),
                                messages.c.queue == bindparam("queue"))
    .order_by(messages.c.id).limit(bindparam("limit")))).returning(*messages.c)
    for skip in (False, True)}


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_queue_engine(url: str, *, durable: bool = True, busy_timeout_ms: int = 30_000,
                        immediate: bool = True, **kwargs: Any) -> Engine:
    """An engine for the queue store. On SQLite ``immediate`` makes every transaction a write
    transaction from its start (use False for a read-only peeking engine)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise TransportError("the embedded queue manager needs a database file, not :memory:")
    engine = create_engine(url, **kwargs)
    if is_sqlite(engine):
        configure_sqlite(engine, durable=durable, busy_timeout_ms=busy_timeout_ms,
                         immediate=immediate)
    return engine


def configure_sqlite(engine: Engine, *, durable: bool = True, busy_timeout_ms: int = 30_000,
                     immediate: bool = True) -> None:
    """WAL, durability and busy timeout on every connection; ``BEGIN IMMEDIATE`` for every
    transaction when ``immediate``. Also for an application engine that joins its transactions
    with the embedded transport (``session(connection=...)``) on SQLite."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        # Writers wait for the lock at BEGIN, with short sleeps (gateway.sqlite_locking);
        # statements and read-only peeks keep SQLite's busy handler.
        cur.execute(f"PRAGMA busy_timeout = {50 if immediate else int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        cur.close()

    if immediate:
        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            begin_immediate(raw(conn), deadline_s=busy_timeout_ms / 1000)


def serialize_definitions(conn: Connection) -> None:
    """Make concurrent schema creation and object definition wait for each other (PostgreSQL;
    SQLite's BEGIN IMMEDIATE does it already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7478310001)"))


def ensure_schema(engine: Engine) -> None:
    """Create the ``mq_`` tables that are missing. Safe to run from several processes at once."""
    with db_errors(), engine.begin() as conn:
        serialize_definitions(conn)
        metadata.create_all(conn, checkfirst=True)


@contextlib.contextmanager
def db_errors() -> Iterator[None]:
    """Translate database failures into transport errors (lost connection -> ConnectionBroken)."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError) as err:
        raise ConnectionBroken(f"queue store unavailable: {_first_line(err)}") from err
    except exc.DBAPIError as err:
        if err.connection_invalidated:
            raise ConnectionBroken(f"queue store connection lost: {_first_line(err)}") from err
        raise TransportError(f"queue store error: {_first_line(err)}") from err


def _first_line(err: BaseException) -> str:
    return str(getattr(err, "orig", None) or err).splitlines()[0]
