"""``etsgw gateway``: run the gateway worker until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading

import click

from gateway.bootstrap import build
from gateway.persistence import migrate


@click.command("gateway")
@click.option("--no-channel", is_flag=True, help="Do not run the embedded sender channel agent.")
@click.option("--no-sweeper", is_flag=True, help="Do not run the timeout sweeper in this worker.")
@click.pass_obj
def gateway(obj, no_channel: bool, no_sweeper: bool) -> None:
    """运行网关工作进程 (inbound consumers, outbox relay, timeout sweeper, channel agent)."""
    from gateway.runtime.app import build_runtime
    from gateway.runtime.worker import GatewayWorker

    app = build(obj.settings)
    migrate.upgrade(app.engine)
    rt = build_runtime(app)
    worker = GatewayWorker(rt, channel_agent=not no_channel, sweeper=not no_sweeper)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    worker.start()
    click.echo(f"gateway worker running (node {obj.settings.gateway.node}); Ctrl-C to stop", err=True)
    try:
        done.wait()
    finally:
        worker.shutdown()
        rt.close()
