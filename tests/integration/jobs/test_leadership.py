"""The jobs process in-process (a thread) on SQLite: it leads, runs its jobs through the job
store, stops leading when another process takes its lease (it was frozen past the expiry),
follows, and leads again once the lease is free; a clean stop gives the lease back."""

from __future__ import annotations

import threading
import time

import structlog
from sqlalchemy import select

from gateway.bootstrap import build
from gateway.config import Settings
from gateway.persistence import migrate
from gateway.persistence.leases import Identity, ProcessLease
from gateway.persistence.records import JobScheduleRecord
from jobs import tasks
from jobs.scheduler import LEASE, JobsProcess


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def test_a_leader_that_loses_its_lease_follows_and_leads_again(tmp_path):
    settings = Settings().replace(
        database={"url": f"sqlite:///{tmp_path / 'gw.db'}"},
        jobs={"lease_s": 1, "follow_poll_s": 0.1, "link_test_interval_s": 0.2})
    app = build(settings)
    migrate.upgrade(app.engine)
    stop = threading.Event()
    process = JobsProcess(app, stop)
    with structlog.testing.capture_logs() as logs:
        thread = threading.Thread(target=process.run, daemon=True)
        thread.start()
        try:
            def runs() -> int:
                return sum(1 for e in logs if e.get("job") == "link_test" and "ms" in e)
            wait_for(lambda: process.terms == 1 and runs() >= 2, 30, "the first term's runs")
            with app.engine.connect() as conn:
                stored = set(conn.execute(select(JobScheduleRecord.id)).scalars())
            assert stored == {spec.id for spec in tasks.JOBS} >= {"sweeper", "in_doubt", "packages",
                                                                  "link_test"}
            # Another host whose clock is ahead finds the lease expired and takes it.
            thief = ProcessLease(app.engine, LEASE, 30, clock=lambda: time.time() + 100,
                                 identity=Identity(1, "elsewhere", "", time.time()))
            thief.acquire()
            wait_for(lambda: any("lease lost" in e["event"] for e in logs), 30,
                     "the leader to notice")
            wait_for(lambda: any("following" in e["event"] for e in logs), 30, "it to follow")
            assert process.terms == 1
            thief.release()
            wait_for(lambda: process.terms == 2, 30, "the second term")
        finally:
            stop.set()
            thread.join(30)
    assert not thread.is_alive()
    assert ProcessLease(app.engine, LEASE, 1).current() is None  # released on the clean stop
    app.close()
