"""``etsgw monitor``: one check of every queue, channel, the gateway's health and the host, as a
table (or ``--json``), with Nagios exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

``--watch`` repeats every ``monitor.interval_s`` (15 s) and sends alerts on state changes;
``--serve-metrics HOST:PORT`` serves Prometheus metrics while watching. A one-shot run sends
alerts only with ``--alert`` (Nagios does its own alerting).
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click
from rich.console import Console

from gateway.monitor.metrics import MonitorMetrics, parse_listen, serve
from gateway.monitor.render import print_report, to_json
from gateway.monitor.runner import Snapshot, build_monitor


@click.command("monitor")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON instead of the table (one line per "
              "check with --watch).")
@click.option("--watch", is_flag=True, help="持续监控 / check again every --interval seconds until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=None,
              help="检查间隔秒数 / seconds between checks (default monitor.interval_s, 15).")
@click.option("--count", type=click.IntRange(min=0), default=0,
              help="检查次数 / with --watch: stop after this many checks (0 = until stopped).")
@click.option("--serve-metrics", "listen", metavar="HOST:PORT", default=None,
              help="提供 Prometheus 指标 / serve metrics on HOST:PORT/metrics (implies --watch).")
@click.option("--alert/--no-alert", "alert", default=None,
              help="状态变化时发送告警 / send alerts on state changes (default: only with --watch).")
@click.option("--no-host", is_flag=True, help="不检查主机 / leave out the host probes (CPU, memory, disk).")
@click.pass_obj
def monitor(obj: Any, as_json: bool, watch: bool, interval: float | None, count: int,
            listen: str | None, alert: bool | None, no_host: bool) -> None:
    """监控：队列、通道、网关与主机状态 / Monitor queues, channels, gateway health and the host.

    退出码 / exit codes: 0 正常 OK, 1 警告 WARNING, 2 严重 CRITICAL, 3 未知 UNKNOWN.
    """
    from gateway.bootstrap import build

    settings = obj.settings
    watch = watch or listen is not None
    alert = watch if alert is None else alert
    # Piped into a file or a Nagios plugin runner there is no terminal width: use a wide one.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        address = parse_listen(listen) if listen else None
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--serve-metrics") from None
    app = build(settings)
    metrics = MonitorMetrics() if listen else None
    try:
        mon = build_monitor(settings, app.reader, metrics=metrics,
                            host=False if no_host else None)
    except Exception as err:  # e.g. a history store that cannot be opened
        click.echo(f"UNKNOWN - 监控无法启动：{err}")
        app.close()
        sys.exit(3)

    def show(snap: Snapshot) -> None:
        if as_json:
            click.echo(to_json(snap.report))
        else:
            if watch and console.is_terminal:
                console.clear()
            print_report(snap.report, console)

    try:
        if not watch:
            snap = mon.check(alert=alert)
            show(snap)
            code = snap.report.exit_code
        else:
            if metrics is not None and address is not None:
                serve(metrics, listen or "")
                click.echo(f"metrics on http://{address[0]}:{address[1]}/metrics", err=True)
            code = _watch(mon, show, interval, count, alert)
    except Exception as err:  # the monitor must answer even when it breaks: UNKNOWN
        click.echo(f"UNKNOWN - 监控检查失败：{type(err).__name__}: {err}")
        code = 3
    finally:
        mon.close()
        app.close()
    sys.exit(code)  # SystemExit, not ctx.exit(): it survives standalone_mode=False


def _watch(mon: Any, show: Any, interval: float | None, count: int, alert: bool) -> int:
    stop = threading.Event()
    done = [0]
    last: list[Snapshot] = []

    def each(snap: Snapshot) -> None:
        show(snap)
        last[:] = [snap]
        done[0] += 1
        if count and done[0] >= count:
            stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        mon.watch(stop, each, interval, alert=alert)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return last[0].report.exit_code if last else 3
