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
    """A unit of work reserves a block and rolls back. SQLite: the reservation rolled back with
    it, another process may reserve the same run, so this one must drop it. PostgreSQL: the
    reservation committed on its own; the number handed to the unit is wasted, the rest stays
    this process's, and nobody else gets any of them."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with SqlUnitOfWork(engine) as uow:  # a first block of one, committed
        assert uow.serials.next("TRANO", "14401060000", DAY) == 1
        uow.commit()
    with SqlUnitOfWork(engine) as uow:  # a block of two, 2 and 3, rolled back
        assert uow.serials.next("TRANO", "14401060000", DAY) == 2
    other = make_engine(db_url)  # another process's pool
    with SqlUnitOfWork(other) as uow:
        others = [uow.serials.next("TRANO", "14401060000", DAY) for _ in range(2)]
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        mine = uow.serials.next("TRANO", "14401060000", DAY)
        uow.commit()
    if engine.dialect.name == "sqlite":
        assert others == [2, 3] and mine > 3
    else:
        assert others == [4, 5] and mine == 3  # 2 wasted; 3 from this process's committed block
    assert counter(engine) >= max(others + [mine])
    other.dispose()
    engine.dispose()


def test_postgresql_reserves_in_a_transaction_of_its_own(pg_url):
    """The counter row is not held by the unit of work that needs a number: a second process
    reserves while the first unit of work is still open (no wait, no deadlock)."""
    from sqlalchemy import event

    engine, other = make_engine(pg_url), make_engine(pg_url)
    migrate.upgrade(engine)

    @event.listens_for(other, "connect")
    def _short_lock_wait(dbapi_conn, _record):  # a wait for the row fails in 2 s, not 120
        with dbapi_conn.cursor() as cur:
            cur.execute("SET lock_timeout = '2s'")
        dbapi_conn.commit()

    with SqlUnitOfWork(engine) as uow:
        assert uow.serials.next("TAXVOU", "440106", DAY) == 1  # the row is created and committed
        with SqlUnitOfWork(other) as uow2:  # would wait for the open unit if it held the row
            assert uow2.serials.next("TAXVOU", "440106", DAY) == 2
            uow2.commit()
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
        if engine.dialect.name == "sqlite":
            assert uow.serials.next("TRANO", "14401060000", DAY) == 2  # reserved afresh
            assert uow.serials.next("TRANO", "14401060000", DAY) > 2
        else:  # the block committed on its own: 2 is wasted, 3 is still this process's
            assert uow.serials.next("TRANO", "14401060000", DAY) == 3
            assert uow.serials.next("TRANO", "14401060000", DAY) > 3
        uow.commit()
    engine.dispose()


def test_a_package_run_and_a_block_creating_the_days_row_at_once_both_get_numbers(db_url):
    """The day's counter row does not exist; a block reservation (real-time debits) has created
    it in an open transaction when a package reserves its run of TraNos. The package must wait
    and continue after it, not fail on the row's key (a SELECT-then-INSERT did, on PostgreSQL)."""
    import threading

    from sqlalchemy.orm import Session

    from gateway.persistence.batch_repositories import PackageRepository

    engine = make_engine(db_url)
    migrate.upgrade(engine)
    results: dict[str, object] = {}
    with SqlUnitOfWork(engine) as uow:
        first_block = uow.serials.next("TRANO", "14401060000", DAY)  # the row, uncommitted

        def package() -> None:
            try:
                with Session(engine) as s, s.begin():
                    results["first"] = PackageRepository(s).reserve("TRANO", "14401060000", DAY, 30)
            except Exception as exc:  # noqa: BLE001 - the assertion shows it
                results["error"] = exc

        other = threading.Thread(target=package)
        other.start()
        other.join(0.5)  # it waits for this transaction's row (SQLite: for the write lock)
        uow.commit()
    other.join(60)
    assert "error" not in results, results
    assert first_block == 1 and results["first"] == 2
    assert counter(engine) == 31
    engine.dispose()
