"""The SQLite change watcher (issue 10): a waiter wakes when another connection commits to the
file, and only then; a wait with nothing committed ends at its timeout."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import create_engine

from gateway.transports.embedded.wakeup import watch_for


def _db(tmp_path):
    path = tmp_path / "store.db"
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.commit()
    return path, conn


def test_a_commit_by_another_connection_ends_the_wait(tmp_path):
    path, writer = _db(tmp_path)
    watch = watch_for(create_engine(f"sqlite:///{path}"))
    assert watch is not None
    assert watch.wait(0, 5.0)  # its first reading of the file is generation 1
    since = watch.generation()

    def commit_later() -> None:
        time.sleep(0.1)
        writer.execute("INSERT INTO t VALUES (1)")
        writer.commit()

    thread = threading.Thread(target=commit_later)
    start = time.monotonic()
    thread.start()
    assert watch.wait(since, 5.0) is True
    waited = time.monotonic() - start
    thread.join()
    assert 0.09 <= waited < 1.0  # woken by the commit, not by the 5 s timeout
    assert watch.generation() != since


def test_without_a_commit_the_wait_times_out(tmp_path):
    path, _writer = _db(tmp_path)
    watch = watch_for(create_engine(f"sqlite:///{path}"))
    assert watch.wait(0, 5.0)
    since = watch.generation()
    start = time.monotonic()
    assert watch.wait(since, 0.2) is False
    assert time.monotonic() - start >= 0.19


def test_one_watcher_per_file_and_none_for_other_databases(tmp_path):
    path, _writer = _db(tmp_path)
    a = watch_for(create_engine(f"sqlite:///{path}"))
    b = watch_for(create_engine(f"sqlite:///{tmp_path}/../{tmp_path.name}/store.db"))
    assert a is b
    assert watch_for(create_engine("sqlite://")) is None
    assert watch_for(None) is None
