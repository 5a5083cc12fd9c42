"""``etsgw gateway``: run the gateway worker until Ctrl-C or SIGTERM (one per database unless
competing workers are configured on PostgreSQL, see :mod:`gateway.cli.singleton`)."""

from __future__ import annotations

import signal
import threading

import click

from gateway.bootstrap import build
from gateway.cli.errors import InternalError
from gateway.cli.singleton import singleton
from gateway.persistence import migrate


@click.command("gateway")
@click.option("--no-channel", is_flag=True,
              help="不运行内嵌发送通道代理 / do not run the embedded sender channel agent.")
@click.option("--no-sweeper", is_flag=True,
              help="本进程不运行超时扫描 / do not run the timeout sweeper in this worker.")
@click.pass_obj
def gateway(obj, no_channel: bool, no_sweeper: bool) -> None:
    """网关工作进程 / Run the gateway worker.

    入站消费、发件箱转发、超时扫描、通道代理 / inbound consumers, outbox relay, timeout sweeper,
    channel agent. One per database unless gateway.competing_workers on PostgreSQL."""
    from gateway.runtime.app import build_runtime
    from gateway.runtime.worker import GatewayWorker

    stop = threading.Event()
    lost = threading.Event()
    # First of all: a SIGTERM during start-up must stop the worker cleanly, not kill it.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    app = build(obj.settings)
    try:
        migrate.upgrade(app.engine)
        with singleton(app, "gateway", lost):
            rt = build_runtime(app)
            worker = GatewayWorker(rt, channel_agent=not no_channel, sweeper=not no_sweeper)
            threading.Thread(target=lambda: lost.wait() and stop.set(), daemon=True).start()
            worker.start()
            click.echo(f"网关工作进程运行中（节点 {obj.settings.gateway.node}），Ctrl-C 停止 / gateway "
                       "worker running; Ctrl-C to stop", err=True)
            try:
                stop.wait()
            finally:
                worker.shutdown()
                rt.transport.close()
        if lost.is_set():
            raise InternalError("租约被其他进程接管，已停止", "the lease was taken over; stopped")
    finally:
        app.close()
