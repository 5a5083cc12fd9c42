"""`etsgw jobs --list` and `--once`, in-process on a seeded SQLite database (the scheduler
process itself: tests/e2e/killtests/test_jobs_leader.py)."""

from __future__ import annotations

import os
import time

from sqlalchemy import func, select

from gateway.persistence.leases import Identity, ProcessLease
from gateway.persistence.records import OutboxRecord

JOB_IDS = ["sweeper", "in_doubt", "packages", "link_test", "realtime_batches", "reconcile",
           "summaries", "reports"]


def outbox_count(app, msg_no: str) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(OutboxRecord)
                            .where(OutboxRecord.msg_no == msg_no)).scalar_one()


def test_list_shows_the_jobs_and_the_leader(app, config, etsgw):
    code, out, _ = etsgw("--config", config, "jobs", "--list")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines()[1:] if line.strip()]
    assert rows[:len(JOB_IDS)] == JOB_IDS and "no leader" in out
    leader = ProcessLease(app.engine, "jobs", 30,
                          identity=Identity(os.getpid(), "jobs-host", "", time.time()))
    leader.acquire()
    try:
        code, out, _ = etsgw("--config", config, "jobs", "--list")
        assert code == 0 and f"pid {os.getpid()} @ jobs-host" in out
    finally:
        leader.release()


def test_once_runs_one_job_and_prints_its_figures(app, config, etsgw):
    code, out, _ = etsgw("--config", config, "jobs", "--once", "link_test")
    assert code == 0 and out.startswith("link_test: link=1 ms=")
    assert outbox_count(app, "9005") == 1
    code, out, _ = etsgw("--config", config, "jobs", "--once", "all")
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines()] == JOB_IDS
    assert "link_test: link=0" in out and outbox_count(app, "9005") == 1  # idempotent


def test_once_refuses_an_unknown_job_and_once_with_list(config, etsgw):
    code, _, err = etsgw("--config", config, "jobs", "--once", "no_such_job")
    assert code == 2 and "etsgw jobs --help" in err
    code, _, err = etsgw("--config", config, "jobs", "--once", "sweeper", "--list")
    assert code == 2 and "--once" in err
