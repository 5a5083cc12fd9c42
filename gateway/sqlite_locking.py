"""Taking SQLite's write lock without SQLite's busy handler.

Every writing transaction here starts with ``BEGIN IMMEDIATE`` (writers queue at the start instead
of failing on a lock upgrade). When the lock is taken, SQLite's own busy handler sleeps 1, 2, 5,
10, 15, 20, 25 … 100 ms between tries, so a contended writer waits far longer than the holder
needs (a commit takes about 0.5 ms with synchronous=FULL). Retrying BEGIN here with sleeps of
0.2 ms growing to 4 ms hands the lock over within a millisecond or two. Used by both SQLite
adapters (persistence and the embedded queue store), hence a module of its own.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

MAX_SLEEP_S = 0.004


def begin_immediate(dbapi_conn: Any, deadline_s: float) -> None:
    """``BEGIN IMMEDIATE`` on a raw sqlite3 connection, retried until ``deadline_s`` elapses."""
    delay = 0.0002
    end = time.monotonic() + deadline_s
    try:
        dbapi_conn.execute("BEGIN IMMEDIATE")  # uncontended: the common case, one call
        return
    except sqlite3.OperationalError as err:
        if "locked" not in str(err) and "busy" not in str(err):
            raise
    # Contended: SQLite's busy handler (the connection's busy_timeout, 50 ms here) would look
    # again only after 1, 2, 5, 10, 15 ... ms, and a writer that commits and begins again at
    # once keeps the lock from such a waiter for seconds; our short sleeps look far more often.
    timeout = dbapi_conn.execute("PRAGMA busy_timeout").fetchone()[0]
    dbapi_conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            time.sleep(delay)
            delay = min(delay * 2, MAX_SLEEP_S)
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                text = str(err)
                if "locked" not in text and "busy" not in text:
                    raise
                if time.monotonic() >= end:
                    raise
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def raw(conn: Any) -> Any:
    """The sqlite3 connection under a SQLAlchemy Connection."""
    return conn.connection.driver_connection
