"""One ``etsgw gateway`` and one ``etsgw demo`` per database: the process lease around them.

A second one is refused with the holder's pid (exit 2). ``gateway.competing_workers = true``
lets several gateway workers share a PostgreSQL database (they compete for messages with row
locks); on SQLite the key is ignored with a warning, because one file has one writer and the
demo's embedded queue store is not made for competing consumers there.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

import click

from gateway.bootstrap import Application
from gateway.persistence.leases import LeaseInfo, ProcessLease


@contextlib.contextmanager
def singleton(app: Application, name: str,
              lost: threading.Event | None = None) -> Iterator[ProcessLease | None]:
    """Hold lease ``name`` for the block; ``lost`` is set if another process takes it over
    (this one was frozen past its expiry), so that the caller stops."""
    g = app.settings.gateway
    if name == "gateway" and g.competing_workers:
        if app.engine.dialect.name == "postgresql":
            yield None
            return
        click.echo("警告：gateway.competing_workers 仅适用于 PostgreSQL，本数据库只允许一个网关进程 / "
                   "warning: competing_workers needs PostgreSQL; running as the only worker",
                   err=True)
    lease = ProcessLease(app.engine, name, g.lease_ttl_s)
    lease.acquire()  # LeaseHeld: refused, reported by gateway.cli.errors

    def on_lost(holder: LeaseInfo | None) -> None:
        who = f"pid {holder.pid} @ {holder.host}" if holder else "?"
        click.echo(f"租约 {name} 已被 {who} 接管，本进程停止 / lease {name} taken over by {who}; "
                   "stopping", err=True)
        if lost is not None:
            lost.set()

    lease.start_heartbeat(on_lost)
    try:
        yield lease
    finally:
        lease.release()
