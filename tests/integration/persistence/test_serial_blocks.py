"""Serials in blocks (persistence/serial_blocks.py): processes allocating concurrently never
collide, a crash mid-block never reissues a number, and a rolled-back reservation is dropped."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from gateway.persistence import migrate
from gateway.persistence.engine import make_engine
from gateway.persistence.records import SerialCounterRecord
from gateway.persistence.unit_of_work import SqlUnitOfWork

DAY = dt.date(2024, 11, 5)
ROOT = Path(__file__).resolve().parents[3]

# Allocates ``count`` TRANO serials, ``per_unit`` per committed unit of work, printing each
# (flushed) once its unit committed; with ``crash`` it SIGKILLs itself after that many.
ALLOCATOR = """
import datetime as dt, os, signal, sys
from gateway.persistence.engine import make_engine
from gateway.persistence.unit_of_work import SqlUnitOfWork
url, count, per_unit, crash = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
engine = make_engine(url)
done = 0
while done < count:
    with SqlUnitOfWork(engine) as uow:
        got = [uow.serials.next("TRANO", "14401060000", dt.date(2024, 11, 5))
               for _ in range(per_unit)]
        uow.commit()
    for v in got:
        print(v, flush=True)
    done += per_unit
    if crash and done >= crash:
        os.kill(os.getpid(), signal.SIGKILL)
"""


def allocator(url: str, count: int, per_unit: int = 1, crash: int = 0) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", ALLOCATOR, url, str(count), str(per_unit),
                             str(crash)], stdout=subprocess.PIPE, env=env, text=True)


def issued(proc: subprocess.Popen) -> list[int]:
    out, _ = proc.communicate(timeout=120)
    return [int(line) for line in out.split()]


def counter(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(SerialCounterRecord.last_value)).scalar_one()


def test_two_processes_allocating_concurrently_never_collide(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    procs = [allocator(db_url, 300, per_unit=3), allocator(db_url, 300, per_unit=1)]
    a, b = (issued(p) for p in procs)
    assert [p.returncode for p in procs] == [0, 0]
    assert len(a) == len(b) == 300
    assert len(set(a)) == 300 and len(set(b)) == 300  # no number twice within a process
    assert not set(a) & set(b)  # nor across them
    assert counter(engine) >= max(a + b)  # the row counts every number handed out
    engine.dispose()


def test_a_crash_mid_block_never_reissues(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    crashed = allocator(db_url, 1000, crash=20)  # blocks of 1, 2, 4, 8, 16: mid-block at 20
    first = issued(crashed)
    assert crashed.returncode == -signal.SIGKILL and len(first) == 20
    reserved = counter(engine)
    assert reserved > max(first)  # the rest of its block was reserved and is lost with it
    after = issued(allocator(db_url, 50))
    assert min(after) == reserved + 1  # wasted, not reissued
    assert not set(first) & set(after)
    engine.dispose()


def test_a_rolled_back_reservation_is_not_handed_out(db_url):
    """A unit of work reserves a block and rolls back: the counter is back, another process
    may reserve the same run, so this one must drop it."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with SqlUnitOfWork(engine) as uow:  # a first block of one, committed
        assert uow.serials.next("TRANO", "14401060000", DAY) == 1
        uow.commit()
    with SqlUnitOfWork(engine) as uow:  # a block of two, 2 and 3, rolled back
        assert uow.serials.next("TRANO", "14401060000", DAY) == 2
    other = make_engine(db_url)  # another process's pool
    with SqlUnitOfWork(other) as uow:
        assert [uow.serials.next("TRANO", "14401060000", DAY) for _ in range(2)] == [2, 3]
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.serials.next("TRANO", "14401060000", DAY) > 3
        uow.commit()
    other.dispose()
    engine.dispose()


def test_a_reservation_undone_by_a_savepoint_is_not_handed_out(db_url):
    """A batch backs one message out to its savepoint: a block reserved after the savepoint
    is undone with it, so the next reservation must not find it still in memory."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with SqlUnitOfWork(engine) as uow:
        assert uow.serials.next("TRANO", "14401060000", DAY) == 1
        sp = uow.savepoint()
        assert uow.serials.next("TRANO", "14401060000", DAY) == 2  # a block of two: 2, 3
        sp.rollback()
        assert uow.serials.next("TRANO", "14401060000", DAY) == 2  # reserved afresh
        assert uow.serials.next("TRANO", "14401060000", DAY) > 2
        uow.commit()
    engine.dispose()
