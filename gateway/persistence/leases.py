"""Process leases: at most one running ``etsgw gateway`` (or ``etsgw demo``) per database.

A lease is a row of ``process_lease`` naming its holder (pid, host, the process's boot and PID
namespace) with a heartbeat and an expiry, as the embedded channels hold their sender channel.
The holder renews it every third of its time to live; a second process finds it held and is
refused with the holder's pid. A holder that crashed stops renewing and loses the lease when
it expires; on the same host (same boot, same PID namespace) a holder whose pid no longer runs
is known to have crashed, and its lease is taken over at once, so a restart after a kill does
not wait. Expiry compares the holders' wall clocks: hosts sharing a database keep NTP time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, delete, exc, insert, select, update

from gateway.persistence.records.ops import ProcessLeaseRecord

log = logging.getLogger(__name__)
_T = ProcessLeaseRecord.__table__


def _scope() -> str:
    """Boot id and PID namespace: two processes may compare pids only when these agree."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        pid_ns = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""  # not Linux: no pid comparison, the lease only expires
    return f"{boot}:{pid_ns}"


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs here (a zombie, killed but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: it exists
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


@dataclass(frozen=True)
class Identity:
    """Who asks for a lease; :meth:`current` for this process."""

    pid: int
    host: str
    scope: str
    started: float

    @property
    def holder(self) -> str:
        return f"{self.pid}@{self.host}/{self.started:.6f}"

    @classmethod
    def current(cls) -> "Identity":
        return cls(os.getpid(), socket.gethostname()[:80], _scope(), time.time())


@dataclass(frozen=True)
class LeaseInfo:
    name: str
    holder: str
    pid: int
    host: str
    scope: str
    heartbeat_at: float
    expires_at: float

    def describe(self, now: float) -> str:
        """``pid 1234 @ host（心跳 3 秒前，12 秒后到期）``."""
        return (f"pid {self.pid} @ {self.host}（心跳 {max(0.0, now - self.heartbeat_at):.0f} 秒前，"
                f"{max(0.0, self.expires_at - now):.0f} 秒后到期）")


class LeaseHeld(Exception):
    """Another live process holds the lease."""

    def __init__(self, info: LeaseInfo, now: float) -> None:
        self.info = info
        super().__init__(f"{info.name} 已由 {info.describe(now)} 持有")


class ProcessLease:
    """One named lease on ``engine``: :meth:`acquire`, then :meth:`start_heartbeat`, and
    :meth:`release` on a clean stop."""

    def __init__(self, engine: Engine, name: str, ttl_s: float, *,
                 identity: Identity | None = None, clock: Callable[[], float] = time.time,
                 alive: Callable[[int], bool] = pid_alive) -> None:
        self.engine, self.name, self.ttl_s = engine, name, float(ttl_s)
        self.me = identity or Identity.current()
        self.clock, self.alive = clock, alive
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> LeaseInfo | None:
        """The lease row as it stands (expired or not)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.name == self.name)).first()
        return _info(row) if row is not None else None

    def acquire(self) -> None:
        """Take the lease, or raise :class:`LeaseHeld` naming its live holder."""
        for _attempt in range(3):
            now = self.clock()
            try:
                with self.engine.begin() as conn:
                    stmt = select(_T).where(_T.c.name == self.name)
                    if conn.dialect.name == "postgresql":
                        stmt = stmt.with_for_update()
                    row = conn.execute(stmt).first()
                    values = dict(holder=self.me.holder, pid=self.me.pid, host=self.me.host,
                                  scope=self.me.scope, heartbeat_at=now, expires_at=now + self.ttl_s)
                    if row is None:
                        conn.execute(insert(_T).values(name=self.name, acquired_at=now, **values))
                        return
                    if row.holder != self.me.holder and not self._free(row, now):
                        raise LeaseHeld(_info(row), now)
                    conn.execute(update(_T).where(_T.c.name == self.name,
                                                  _T.c.holder == row.holder)
                                 .values(acquired_at=now, **values))
                    if row.holder != self.me.holder:
                        log.warning("lease %s taken over from %s (%s)", self.name, row.holder,
                                    "expired" if row.expires_at < now else "its pid is gone")
                    return
            except exc.IntegrityError:
                continue  # another process inserted the row first: look again
        raise RuntimeError(f"lease {self.name}: could not be read consistently")

    def _free(self, row, now: float) -> bool:
        if row.expires_at < now:
            return True
        same_machine = row.host == self.me.host and row.scope == self.me.scope and row.scope
        return bool(same_machine) and not self.alive(row.pid)

    def renew(self) -> bool:
        """Extend the lease; False when another process has taken it."""
        now = self.clock()
        with self.engine.begin() as conn:
            done = conn.execute(update(_T).where(_T.c.name == self.name,
                                                 _T.c.holder == self.me.holder)
                                .values(heartbeat_at=now, expires_at=now + self.ttl_s)).rowcount
        return done == 1

    def start_heartbeat(self, on_lost: Callable[[LeaseInfo | None], None]) -> None:
        """Renew in a daemon thread; ``on_lost`` is called once if the lease is taken away."""
        def beat() -> None:
            while not self._stop.wait(self.ttl_s / 3):
                try:
                    if not self.renew():
                        on_lost(self.current())
                        return
                except exc.SQLAlchemyError as err:  # a busy or unreachable database: try again
                    log.warning("lease %s not renewed: %s", self.name, err)
        self._thread = threading.Thread(target=beat, name=f"lease {self.name}", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop renewing and give the lease up (only if still ours)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(_T).where(_T.c.name == self.name,
                                              _T.c.holder == self.me.holder))
        except exc.SQLAlchemyError as err:  # it expires by itself
            log.warning("lease %s not released: %s", self.name, err)


def _info(row) -> LeaseInfo:
    return LeaseInfo(row.name, row.holder, row.pid, row.host, row.scope or "", row.heartbeat_at,
                     row.expires_at)


def live_leases(engine: Engine, clock: Callable[[], float] = time.time) -> list[LeaseInfo]:
    """Unexpired leases (for status output)."""
    now = clock()
    with engine.connect() as conn:
        rows = conn.execute(select(_T).where(_T.c.expires_at >= now).order_by(_T.c.name)).all()
    return [_info(r) for r in rows]
