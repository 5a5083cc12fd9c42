"""One ``etsgw jobs`` leader per database: two real processes on one SQLite file (and on one
PostgreSQL database); the second follows; SIGKILL the leader and the follower takes the lease
over within the lease's time and runs the jobs. Polling with deadlines, no fixed sleeps."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, select

from gateway.persistence.records import JobScheduleRecord, ProcessLeaseRecord
from jobs import tasks
from tests.e2e.killtests.harness import cli_command, wait_until
from tests.integration.cli.conftest import subprocess_env

LEASE_S = 4
FOLLOW_POLL_S = 0.2


def write_config(tmp: Path, url: str) -> Path:
    path = tmp / "jobs.toml"
    path.write_text(f"""
[database]
url = "{url}"

[simulator]
database_url = "sqlite:///{tmp / 'simulator.db'}"

[gateway]
initial_work_date = "20241105"

[jobs]
lease_s = {LEASE_S}
follow_poll_s = {FOLLOW_POLL_S}
link_test_interval_s = 0.5

[log]
level = "INFO"
format = "console"
""", encoding="utf-8")
    return path


class JobsProc:
    def __init__(self, config: Path, log: Path) -> None:
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(cli_command("--config", str(config), "jobs"),
                                         stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=subprocess_env(),
                                         cwd=config.parent)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def count(self, sign: str) -> int:
        return self.text().count(sign)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)


def lease_pid(engine) -> int | None:
    with engine.connect() as conn:
        row = conn.execute(select(ProcessLeaseRecord.pid)
                           .where(ProcessLeaseRecord.name == "jobs")).first()
    return row.pid if row else None


def stored_jobs(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(JobScheduleRecord.id)).scalars())


def test_the_follower_takes_over_from_a_killed_leader(db_url, tmp_path):
    from gateway.bootstrap import build
    from gateway.config import load_settings
    from gateway.persistence import migrate

    config = write_config(tmp_path, db_url)
    app = build(load_settings(config, environ={}))
    try:
        migrate.upgrade(app.engine)
    finally:
        app.close()
    engine = create_engine(db_url)  # plain reads, no BEGIN IMMEDIATE
    a = JobsProc(config, tmp_path / "a.log")
    b = None
    try:
        def logs() -> str:
            return f"--- a ---\n{a.text()[-3000:]}\n--- b ---\n{b.text()[-3000:] if b else ''}"
        wait_until(lambda: lease_pid(engine) == a.pid and a.count("job link_test") >= 2, 90,
                   "the first process to lead and run its jobs", logs)
        b = JobsProc(config, tmp_path / "b.log")
        wait_until(lambda: b.count("jobs following") == 1, 90, "the second process to follow",
                   logs)
        assert lease_pid(engine) == a.pid and "jobs leading" not in b.text()
        assert stored_jobs(engine) == {spec.id for spec in tasks.JOBS}

        a.kill()  # SIGKILL: no release, no clean shutdown of its scheduler
        assert a.proc.returncode == -signal.SIGKILL
        killed = time.monotonic()
        wait_until(lambda: lease_pid(engine) == b.pid, LEASE_S, "the follower to take the lease "
                   f"over within the lease ({LEASE_S} s)", logs)
        took = time.monotonic() - killed
        # ... and it runs the jobs: its own link-test runs come after the take-over.
        wait_until(lambda: b.count("job link_test") >= 2, 60, "the new leader's job runs", logs)
        assert b.count("jobs leading") == 1 and "job link_test failed" not in b.text(), logs()
        assert stored_jobs(engine) == {spec.id for spec in tasks.JOBS}
        print(f"take-over {took:.2f} s after SIGKILL (lease {LEASE_S} s)")

        b.proc.send_signal(signal.SIGTERM)
        assert b.proc.wait(60) == 0, logs()
        assert lease_pid(engine) is None  # a clean stop gives the lease back
        assert "Traceback" not in a.text() + b.text(), logs()
    finally:
        a.kill()
        if b is not None:
            b.kill()
        engine.dispose()
