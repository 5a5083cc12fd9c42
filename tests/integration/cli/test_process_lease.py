"""One `etsgw gateway` / `etsgw demo` per database: a second one is refused with the first one's
pid; a killed holder's lease is taken over (same host: at once; another host: when it expires);
competing workers only on PostgreSQL. Real processes, real SIGKILL, polling with deadlines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from gateway.persistence.leases import Identity, LeaseHeld, ProcessLease
from gateway.persistence.records import ProcessLeaseRecord
from tests.integration.cli.conftest import subprocess_env, write_config


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def lease_row(engine, name: str = "gateway"):
    with engine.connect() as conn:
        return conn.execute(select(ProcessLeaseRecord)
                            .where(ProcessLeaseRecord.name == name)).first()


def start_gateway(config: str, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "--config", config, "gateway",
                             "--no-sweeper"], env=subprocess_env(), stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def test_second_gateway_refused_then_a_killed_one_is_taken_over(app, config, tmp_path):
    with open(tmp_path / "first.log", "wb") as log:
        first = start_gateway(config, log)
    try:
        wait_for(lambda: (r := lease_row(app.engine)) is not None and r.pid == first.pid, 60,
                 "the first gateway's lease")
        second = subprocess.run([sys.executable, "-m", "gateway.cli", "--config", config,
                                 "gateway"], env=subprocess_env(), capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 2, second.stderr
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0] and "已拒绝" in lines[0]
        assert first.poll() is None  # the refused one did not disturb the first
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    # Killed: no release; the row still names it until someone takes it over.
    assert lease_row(app.engine).pid == first.pid
    with open(tmp_path / "third.log", "wb") as log:
        third = start_gateway(config, log)
    try:
        wait_for(lambda: lease_row(app.engine).pid == third.pid, 60,
                 "the restarted gateway to take the lease over")
    finally:
        third.send_signal(signal.SIGTERM)
        assert third.wait(60) == 0, (tmp_path / "third.log").read_text(errors="replace")
    assert lease_row(app.engine) is None  # a clean stop gives the lease back


HOLDER = """
import sys, time
from sqlalchemy import create_engine
from gateway.persistence.leases import Identity, ProcessLease
lease = ProcessLease(create_engine(sys.argv[1]), "gateway", float(sys.argv[2]),
                     identity=Identity(pid=12345, host="other-host", scope="x", started=time.time()))
lease.acquire()
lease.start_heartbeat(lambda _: None)
print("held", flush=True)
time.sleep(600)
"""


def test_a_crashed_holder_on_another_host_expires(app):
    ttl = 6.0
    url = app.settings.database.url
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(ttl)], env=subprocess_env(),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    killed_at = time.time()
    mine = ProcessLease(app.engine, "gateway", ttl)
    # Another host's pid says nothing here: refused while the lease runs ...
    with pytest.raises(LeaseHeld) as held:
        mine.acquire()
    assert (held.value.info.pid, held.value.info.host) == (12345, "other-host")

    def taken() -> bool:
        try:
            mine.acquire()
        except LeaseHeld:
            return False
        return True
    # ... and taken once it has expired.
    wait_for(taken, ttl + 30, "the killed holder's lease to expire")
    row = lease_row(app.engine)
    assert row.holder == mine.me.holder and row.acquired_at >= killed_at
    mine.release()


def test_demo_refused_while_another_demo_holds_the_lease(app, config, etsgw):
    other = ProcessLease(app.engine, "demo", 30,
                         identity=Identity(os.getpid(), "elsewhere", "", time.time()))
    other.acquire()
    code, _, err = etsgw("--config", config, "demo", "--smoke")
    assert code == 2 and f"pid {os.getpid()}" in err and "elsewhere" in err
    other.release()


@pytest.mark.parametrize("competing", [False, True])
def test_competing_workers_only_on_postgresql(db_url, tmp_path, competing, capsys):
    from gateway.bootstrap import build
    from gateway.cli.singleton import singleton
    from gateway.config import load_settings
    from gateway.persistence import migrate

    cfg = write_config(tmp_path, f"[gateway]\ncompeting_workers = {str(competing).lower()}\n")
    settings = load_settings(cfg, environ={}).replace(database={"url": db_url})
    app = build(settings)
    try:
        migrate.upgrade(app.engine)
        allowed = competing and app.engine.dialect.name == "postgresql"
        other = ProcessLease(app.engine, "gateway", 30,
                             identity=Identity(os.getpid(), "elsewhere", "", time.time()))
        other.acquire()
        if allowed:
            with singleton(app, "gateway") as lease:
                assert lease is None
        else:
            with pytest.raises(LeaseHeld):
                with singleton(app, "gateway"):
                    pass
            if competing:
                assert "PostgreSQL" in capsys.readouterr().err
        other.release()
        with singleton(app, "gateway"):
            row = lease_row(app.engine)
            assert (row is None) == allowed
    finally:
        app.close()


def test_a_holder_that_lost_its_lease_is_told(app):
    """A holder frozen past its expiry (here: B's clock is ahead) finds the lease taken on its
    next heartbeat and is told, so that `etsgw gateway` stops."""
    import threading

    a = ProcessLease(app.engine, "gateway", 0.3,
                     identity=Identity(1, "host-a", "", time.time()))
    b = ProcessLease(app.engine, "gateway", 0.3, clock=lambda: time.time() + 100,
                     identity=Identity(2, "host-b", "", time.time()))
    a.acquire()
    b.acquire()  # a's lease looks expired to b
    lost = threading.Event()
    seen = []
    a.start_heartbeat(lambda holder: (seen.append(holder), lost.set()))
    assert lost.wait(10), "the heartbeat did not notice"
    assert seen[0].host == "host-b" and a.renew() is False
    a.release()
    assert lease_row(app.engine).host == "host-b"  # a's release leaves b's lease alone
