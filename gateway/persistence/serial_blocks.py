"""Serials in blocks (hi/lo): a process reserves a run of numbers with one counter update and
hands them out from memory, so that concurrent submitters stop queueing on one counter row.

The counter row (``serial_counter``, per kind, scope and day) always holds the highest number any
process has reserved. A reservation is one upsert that adds the block's size.

On PostgreSQL it runs in a short transaction of its own (a small engine of this process), so
the counter row is locked for one statement instead of for the whole unit of work that needs
the number: submitters and workers stop queueing on it, and two units of work can no longer
deadlock by taking two counters (TRANO, TAXVOU, MSGID…) in different orders. The block is
committed before its first number is used, so its rest joins the pool at once; a unit of work
that then rolls back wastes the numbers it was handed (gaps, never duplicates).

On SQLite (one writer at a time, so no deadlock) the reservation runs inside the unit of work's
own transaction (a second connection would wait for the unit's own write lock), so it commits
with it:

- committed, the rest of the block joins this process's pool for later units of work;
- rolled back, the counter is back where it was and the block is dropped, numbers and all
  (another process may now reserve the same run, and this one must not hand it out).

Either way a crash loses the pool: the rest of the block is wasted, never reissued, since the
counter row already counts it. Blocks start at one number and double with each reservation of
the same key up to :data:`MAX_BLOCK`, so a short-lived process (a CLI call, a web request burst)
wastes almost nothing and a busy worker reserves rarely.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading

from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gateway.persistence.records import SerialCounterRecord

MAX_BLOCK = 64
Key = tuple[str, str, dt.date]
_pools_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _reserve(dialect: str):
    """Add :n to a counter row (creating it at :n) and return its new highest value.

    Written as text (the same upsert on both databases): SQLAlchemy cannot cache the compiled
    form of an ``on_conflict_do_update`` statement, and compiling it again for each reservation
    was 12 % of a batch's packaging (three reservations a package)."""
    del dialect  # one statement for both; the parameter keeps the call sites' cache per dialect
    c = SerialCounterRecord.__table__.c
    return text(
        "INSERT INTO serial_counter (kind, scope, day, last_value) VALUES (:k, :s, :d, :n) "
        "ON CONFLICT (kind, scope, day) DO UPDATE "
        "SET last_value = serial_counter.last_value + excluded.last_value "
        "RETURNING last_value"
    ).bindparams(bindparam("k", type_=c.kind.type), bindparam("s", type_=c.scope.type),
                 bindparam("d", type_=c.day.type), bindparam("n", type_=c.last_value.type))


def _own_engine(engine: Engine) -> Engine:
    """This process's small engine for reservations on ``engine``'s database, disposed with it."""
    held = getattr(engine, "_etsgw_serial_engine", None)
    if held is None or held[0] != os.getpid():
        with _pools_lock:
            held = getattr(engine, "_etsgw_serial_engine", None)
            if held is None or held[0] != os.getpid():
                own = create_engine(engine.url, pool_size=1, max_overflow=4, pool_pre_ping=True)
                event.listen(engine, "engine_disposed", lambda _e: own.dispose())
                held = (os.getpid(), own)
                engine._etsgw_serial_engine = held  # type: ignore[attr-defined]
    return held[1]


def _reserve_last(session: Session, kind: str, scope: str, day: dt.date, n: int) -> tuple[int, bool]:
    """Add ``n`` to the counter; its new highest value, and whether that is committed already
    (PostgreSQL: a transaction of its own) or commits with the session (SQLite)."""
    conn = session.connection()
    params = {"k": kind, "s": scope, "d": day, "n": n}
    if conn.dialect.name == "postgresql":
        with _own_engine(conn.engine).begin() as own:
            return int(own.execute(_reserve("postgresql"), params).scalar_one()), True
    return int(conn.execute(_reserve(conn.dialect.name), params).scalar_one()), False


def reserve_run(session: Session, kind: str, scope: str, day: dt.date, n: int) -> int:
    """Reserve ``n`` consecutive numbers (a package's TraNos, say); returns the first.

    One upsert, so two processes creating the day's counter row at the same instant both get
    a run (a SELECT, then an INSERT when there was no row, let the second fail on the key)."""
    last, _ = _reserve_last(session, kind, scope, day, n)
    return last - n + 1


class BlockPool:
    """The numbers of committed reservations this process has not handed out yet."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.free: dict[Key, tuple[int, int]] = {}  # key -> (next, last), inclusive
        self.sizes: dict[Key, int] = {}

    def take(self, key: Key) -> int | None:
        with self.lock:
            run = self.free.get(key)
            if run is None:
                return None
            nxt, last = run
            if nxt >= last:
                del self.free[key]
            else:
                self.free[key] = (nxt + 1, last)
            return nxt

    def next_size(self, key: Key) -> int:
        with self.lock:
            size = self.sizes.get(key, 0)
            size = 1 if size == 0 else min(size * 2, MAX_BLOCK)
            self.sizes[key] = size
            return size

    def give(self, runs: dict[Key, tuple[int, int]]) -> None:
        """Add the rest of blocks whose reservation has just committed."""
        with self.lock:
            for key, run in runs.items():
                if key not in self.free:  # one run per key; an older run left over is wasted
                    self.free[key] = run
            # Days gone by never come back: keep the pool small.
            if len(self.free) > 10_000:
                self.free.clear()


def pool_for(engine: object) -> BlockPool:
    """This process's pool for one engine (its database). Kept on the engine, so it lives and
    dies with it; a forked child starts with an empty one."""
    held = getattr(engine, "_etsgw_serial_pool", None)
    if held is None or held[0] != os.getpid():
        with _pools_lock:
            held = getattr(engine, "_etsgw_serial_pool", None)
            if held is None or held[0] != os.getpid():
                held = (os.getpid(), BlockPool())
                engine._etsgw_serial_pool = held
    return held[1]



class SerialBlocks:
    """The allocator of one unit of work: numbers from the pool, else a new reservation — on
    SQLite in this unit's transaction, its rest pooled when (and only when) the unit commits;
    on PostgreSQL committed at once in its own, its rest pooled at once."""

    def __init__(self, session: Session, pool: BlockPool) -> None:
        self.s, self.pool = session, pool
        self.pending: dict[Key, tuple[int, int]] = {}  # reserved in this transaction

    def next(self, kind: str, scope: str, day: dt.date) -> int:
        key = (kind, scope, day)
        run = self.pending.get(key)
        if run is not None:
            nxt, last = run
            if nxt < last:
                self.pending[key] = (nxt + 1, last)
            else:
                del self.pending[key]
            return nxt
        taken = self.pool.take(key)
        if taken is not None:
            return taken
        size = self.pool.next_size(key)
        last, committed = _reserve_last(self.s, kind, scope, day, size)
        first = last - size + 1
        if first < last:
            if committed:
                self.pool.give({key: (first + 1, last)})
            else:
                self.pending[key] = (first + 1, last)
        return first

    def committed(self) -> None:
        self.pool.give(self.pending)
        self.pending = {}

    def rolled_back(self) -> None:
        self.pending = {}
