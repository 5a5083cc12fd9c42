"""Engine construction for SQLite (WAL, durable commits) and PostgreSQL, from one URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from gateway.sqlite_locking import begin_immediate, raw


def make_reader(url: str, echo: bool = False, pool_size: int = 5) -> Engine:
    """An engine for read-only work (peeks, queries, pages). On SQLite its transactions are
    deferred, so reading never takes the write lock (WAL readers do not wait for the writer);
    elsewhere it is an ordinary engine."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return make_engine(url, echo=echo, pool_size=pool_size)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()
    return engine


def make_engine(url: str, echo: bool = False, pool_size: int = 5) -> Engine:
    """An engine for ``url``. SQLite files get WAL mode, ``synchronous=FULL`` (commits are durable),
    a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` so that writers queue instead of
    failing on lock upgrades when several worker processes share the file. A missing folder for
    the file is created readable by its owner only (it will hold personal data)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take over transaction control from the sqlite3 module so that BEGIN IMMEDIATE is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # 64 MiB page cache per writer: the 2 MiB default thrashed on index updates when a
        # batch of packages touched hundreds of thousands of rows (RSS stays well under 500 MB).
        cur.execute("PRAGMA cache_size=-65536")
        # A short busy timeout for statements; waiting for the write lock happens at BEGIN,
        # with our own short sleeps (gateway.sqlite_locking).
        cur.execute("PRAGMA busy_timeout=50")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        begin_immediate(raw(conn), deadline_s=30.0)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
