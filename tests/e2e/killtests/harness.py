"""Support for the kill tests: a TOML configuration per test, real ``etsgw gateway`` processes,
polling with deadlines, and read-only views of the application database and both embedded
queue managers (the gateway's QM.TAX and the simulator's QM.ETS).

Nothing here sleeps in place of synchronisation: every wait polls a condition until a deadline
and fails with the worker's log tail.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import create_engine, func, select

from gateway.codec import CfxMessage, Codec, Head, correl_id_for, msg_id_to_mqmd
from gateway.config import Settings
from gateway.persistence.records import (DebitRecord, InboxRecord, LevyRecord, OutboxRecord,
                                         ReviewItemRecord)
from gateway.persistence.records.messaging import ErrorStoreRecord
from gateway.runtime import faults

ETS, GW = "100000000000", "244000000000"
DAY = dt.date(2024, 11, 5)
PARTNER_QUEUE = "ETS.EXT.ONLINE.IN"  # on QM.ETS: where the channel agent delivers our ONLINE puts
XMITQ = "QM.ETS.XMITQ"
SENDER_CHANNEL = "TAX.TO.ETS"
ONLINE_OUT = f"ETS.{GW}.ONLINE.OUT"
MODES = ("joined", "two_phase")
# A worker that is to crash runs no channel agent: the agent holds the sender channel by a lease
# that a SIGKILLed process cannot give back, so its successor's agent would wait it out.
# test_channel_lease.py covers that case once; elsewhere the crash points are what is tested.
CRASHING = ("--no-sweeper", "--no-channel")


def cli_command(*args: str) -> list[str]:
    """argv of ``etsgw <args>`` in a fresh interpreter."""
    return [sys.executable, "-m", "gateway.cli", *args]


def child_env(crash_at: str | None = None) -> dict[str, str]:
    """A child's environment: no inherited ETSGW_* settings; the crash point if one is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")}
    if crash_at:
        env[faults.ENV] = crash_at
    return env


def write_config(tmp: Path, mode: str) -> Path:
    """A configuration file: SQLite files in ``tmp``; in two-phase mode the gateway's embedded
    queue manager in a file of its own; timers so large that a sweeper, where one runs, sends
    nothing but its first link test (no traffic recorded yet) and times nothing out."""
    assert mode in MODES
    embedded = f'embedded_url = "sqlite:///{tmp / "queues.db"}"' if mode == "two_phase" else ""
    text = f"""
[database]
url = "sqlite:///{tmp / 'gateway.db'}"

[simulator]
database_url = "sqlite:///{tmp / 'simulator.db'}"

[gateway]
initial_work_date = "{DAY:%Y%m%d}"
link_test_idle_s = 86400

[transport]
{embedded}
get_wait_ms = 200
channel_retry_interval_s = 0.2

[timers]
ack_9120_s = 86400
result_2001_s = 86400
result_2021_s = 86400
answer_9115_s = 86400
answer_9004_s = 86400
answer_9005_s = 86400
in_doubt_backoff_s = [86400]
in_doubt_repeat_s = 86400
sweep_interval_s = 1.0

[log]
level = "INFO"
format = "console"
"""
    path = tmp / "etsgw.toml"
    path.write_text(text, encoding="utf-8")
    return path


def wait_until(condition: Callable[[], Any], timeout: float, what: str,
               diagnostics: Callable[[], str] = lambda: "", interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n"
                                 f"{diagnostics()}")
        time.sleep(interval)


class Worker:
    """One ``etsgw gateway`` process; its stdout and stderr go to one log file."""

    def __init__(self, config: Path, log: Path, crash_at: str | None = None,
                 args: tuple[str, ...] = ("--no-sweeper",)) -> None:
        self.config, self.log, self.crash_at, self.args = config, log, crash_at, args
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                cli_command("--config", str(self.config), "gateway", *self.args),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=child_env(self.crash_at), cwd=self.config.parent)
        return self

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return f"--- last {lines} lines of {self.log.name} ---\n" + "\n".join(text[-lines:])

    def assert_clean_log(self) -> None:
        """No failed step or traceback: a lock timeout would otherwise pass as a slow test."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        for sign in ("worker step failed", "Traceback", "processing failed"):
            assert sign not in text, f"{sign!r} in the worker's log\n{self.tail(80)}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_killed(self, timeout: float = 45.0) -> None:
        """The worker must kill itself (SIGKILL) at its crash point."""
        assert self.proc is not None
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker did not reach crash point {self.crash_at} within "
                                 f"{timeout:.0f} s\n{self.tail()}") from None
        assert rc == -signal.SIGKILL, \
            f"worker with {faults.ENV}={self.crash_at} ended with {rc}, not SIGKILL\n{self.tail()}"
        self.assert_clean_log()

    def stop(self, timeout: float = 20.0) -> None:
        """Graceful stop (SIGTERM); it must exit 0."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired as late:
            self.kill()
            raise AssertionError(f"worker did not stop within {timeout:.0f} s\n{self.tail()}") from late
        assert rc == 0, f"worker exited with {rc}\n{self.tail()}"
        self.assert_clean_log()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def run_cli(config: Path, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    """Run one ``etsgw`` command; it must succeed."""
    done = subprocess.run(cli_command("--config", str(config), *args), capture_output=True,
                          text=True, env=child_env(), cwd=config.parent, timeout=timeout)
    assert done.returncode == 0, (f"etsgw {' '.join(args)} exited {done.returncode}\n"
                                  f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    return done


def table_rows(output: str) -> dict[str, list[str]]:
    """The rows of an ``etsgw queue depth`` / ``channel status`` table by their first column."""
    lines = [line.split() for line in output.splitlines() if line.strip()]
    return {cells[0]: cells for cells in lines[1:]}


@dataclass
class World:
    """A test's gateway: configuration, settings, database and queue views, workers."""

    tmp: Path
    mode: str
    config: Path
    settings: Settings
    codec: Codec = field(default_factory=Codec)
    workers: list[Worker] = field(default_factory=list)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Plain engines (deferred BEGIN) for reads: the application's engine begins IMMEDIATE,
        # which would take the write lock away from the worker.
        self.db = create_engine(self.settings.database.url)
        self._closers.append(self.db.dispose)

    # -- processes ----------------------------------------------------------------------------

    def worker(self, crash_at: str | None = None, args: tuple[str, ...] | None = None) -> Worker:
        if args is None:
            args = CRASHING if crash_at else ("--no-sweeper",)
        w = Worker(self.config, self.tmp / f"worker-{len(self.workers) + 1}.log", crash_at, args)
        self.workers.append(w)
        return w.start()

    def logs(self) -> str:
        return "\n".join(w.tail(25) for w in self.workers) or "(no worker started)"

    def close(self) -> None:
        for w in self.workers:
            w.kill()
        for close in reversed(self._closers):
            close()

    # -- queues -------------------------------------------------------------------------------

    def open_queue_managers(self) -> None:
        """Open (and define, idempotently) QM.TAX and QM.ETS once, before any worker runs."""
        from gateway.transport_factory import open_embedded

        t = self.settings.transport
        self.qm_tax = open_embedded(self.settings, t.queue_manager)
        self.qm_ets = open_embedded(self.settings, t.partner_queue_manager)
        self._closers += [self.qm_tax.close, self.qm_ets.close]

    def depth(self, qm, queue: str) -> int:
        with qm.reader.connect() as conn:
            return qm.depth(conn, queue)

    def channel_owner(self) -> str:
        """Who holds the sender channel's lease: ``<pid>.<agent>`` of a channel agent."""
        from gateway.transports.embedded import schema as es

        c = es.channels.c
        with self.qm_tax.reader.connect() as conn:
            return conn.execute(select(c.owner).where(
                c.qmgr == self.qm_tax.queue_manager, c.name == SENDER_CHANNEL)).scalar_one() or ""

    def msg_ids_on(self, qm, queue: str) -> set[str]:
        with qm.session() as s:
            return {e.msg_id[:20].decode("ascii") for e in s.browse(queue, 100_000)}

    def partner_messages(self) -> list[tuple[str, bytes, bytes]]:
        """(HEAD MsgID, MQMD MsgId, body) of everything on QM.ETS's ETS.EXT.ONLINE.IN."""
        with self.qm_ets.session() as s:
            envs = s.browse(PARTNER_QUEUE, 100_000)
        out = []
        for e in envs:
            msg = self.codec.decode(e.body, ccsid=e.ccsid)
            assert e.msg_id == msg_id_to_mqmd(msg.head.msg_id), "MQMD MsgId is not HEAD MsgID"
            out.append((msg.head.msg_id, e.msg_id, e.body))
        return out

    def put_inbound(self, messages: list[tuple[str, bytes, bytes]]) -> None:
        """Put (MsgID, CorrelId, bytes) from the ETS on the gateway's ONLINE.OUT, one commit."""
        with self.qm_tax.session() as s:
            for msg_id, correl_id, body in messages:
                s.put(ONLINE_OUT, body, msg_id=msg_id_to_mqmd(msg_id), correl_id=correl_id,
                      ccsid=self.codec.ccsid)
            s.commit()

    def ets_message(self, body, msg_id: str,
                    msg_ref: str | None = None) -> tuple[str, bytes, bytes]:
        """(MsgID, CorrelId, bytes) of a message from the ETS to this gateway."""
        head = Head(ver="1.0", src=ETS, des=GW, app="ETS", msg_no=body.MSG_NO, msg_id=msg_id,
                    msg_ref=msg_ref or msg_id, work_date=DAY)
        data = self.codec.encode(CfxMessage(head=head, body=body))
        return msg_id, correl_id_for(body.MSG_NO, msg_ref), data

    # -- application database -----------------------------------------------------------------

    def rows(self, stmt) -> list[Any]:
        with self.db.connect() as conn:
            return conn.execute(stmt).all()

    def outbox(self, msg_no: str | None = None) -> list[tuple[Any, CfxMessage]]:
        stmt = select(OutboxRecord).order_by(OutboxRecord.id)
        if msg_no:
            stmt = stmt.where(OutboxRecord.msg_no == msg_no)
        return [(r, self.codec.decode(r.body, ccsid=r.ccsid)) for r in self.rows(stmt)]

    def unsent(self) -> int:
        with self.db.connect() as conn:
            return conn.execute(select(func.count()).select_from(OutboxRecord)
                                .where(OutboxRecord.sent_at.is_(None))).scalar_one()

    def inbox(self) -> list[Any]:
        return self.rows(select(InboxRecord).order_by(InboxRecord.id))

    def debits(self) -> list[Any]:
        return self.rows(select(DebitRecord).order_by(DebitRecord.id))

    def levy_states(self) -> collections.Counter:
        return collections.Counter(r.state for r in self.rows(select(LevyRecord)))

    def review_kinds(self) -> list[str]:
        return [r.kind for r in self.rows(select(ReviewItemRecord))]

    def errors(self) -> list[Any]:
        return self.rows(select(ErrorStoreRecord))

    def state(self) -> str:
        """One line for failure messages."""
        return (f"unsent outbox rows {self.unsent()}, {XMITQ} {self.depth(self.qm_tax, XMITQ)}, "
                f"{ONLINE_OUT} {self.depth(self.qm_tax, ONLINE_OUT)}, QM.ETS {PARTNER_QUEUE} "
                f"{self.depth(self.qm_ets, PARTNER_QUEUE)}\n{self.logs()}")

    def wait_all_delivered(self, expected_on_partner: int, timeout: float = 45.0) -> None:
        """No unsent outbox row, ONLINE.OUT and the transmission queue empty, and
        ``expected_on_partner`` messages on QM.ETS."""
        def done() -> bool:
            latest = self.workers[-1] if self.workers else None
            if latest is not None and not latest.alive():
                raise AssertionError(f"the worker ended ({latest.proc.returncode}) while "
                                     f"waiting for delivery\n{latest.tail()}")
            # Inbound first: its answers go to the outbox before the get is committed.
            return (self.depth(self.qm_tax, ONLINE_OUT) == 0 and self.unsent() == 0
                    and self.depth(self.qm_tax, XMITQ) == 0
                    and self.depth(self.qm_ets, PARTNER_QUEUE) >= expected_on_partner)
        wait_until(done, timeout, f"everything relayed and {expected_on_partner} messages on "
                   f"QM.ETS {PARTNER_QUEUE}", self.state)
