"""``/metrics`` of the web application, off unless ``monitor.web_metrics_token`` is set.

With a token the web process runs one background check every ``monitor.interval_s`` (a
:class:`gateway.monitor.runner.Monitor` that neither alerts, nor records history, nor writes the
state file: ``etsgw monitor --watch`` owns those) and serves what it saw through
:func:`gateway.monitor.metrics.wsgi_app` to requests that carry
``Authorization: Bearer <token>``. A token rather than "loopback only" because behind a reverse
proxy on the same host every request comes from loopback, and waitress drops the forwarding
headers that would tell them apart. Without a token ``/metrics`` is not there (404) and
Prometheus scrapes ``etsgw monitor --serve-metrics`` instead (README "Monitoring").
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from typing import Any

import structlog
from flask import Response, abort, request
from flask.sansio.app import App

from gateway.monitor.metrics import MonitorMetrics, wsgi_app
from gateway.monitor.runner import Monitor, build_monitor

log = structlog.get_logger("webapp.metrics")


@dataclass
class MetricsThread:
    """The background checks feeding the metrics; ``stop()`` ends them (tests, shutdown)."""

    monitor: Monitor
    metrics: MonitorMetrics
    stop_event: threading.Event
    thread: threading.Thread | None = None
    checks: int = 0
    checked: threading.Event = field(default_factory=threading.Event)  # set by every check

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                try:
                    self.monitor.check(alert=False)
                    self.checks += 1
                    self.checked.set()
                except Exception:  # noqa: BLE001 - a failed check must not end the thread
                    log.exception("metrics.check_failed")
                self.stop_event.wait(self.monitor.opts.interval_s)
        finally:
            self.monitor.close()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name="etsgw-web-metrics", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


def install(app: App) -> None:
    """Mount ``/metrics`` and start its checks, if the settings ask for it."""
    ctx = app.extensions["etsgw"]
    token = ctx.settings.monitor.web_metrics_token
    if not token:
        return
    metrics = MonitorMetrics()
    monitor = build_monitor(ctx.settings, ctx.app.reader, metrics=metrics)
    monitor.alerts = None
    if monitor.history is not None:
        monitor.history.close()
        monitor.history = None
    monitor.state_file = None  # timers advance in memory, in this long-lived monitor
    runner = MetricsThread(monitor, metrics, threading.Event())
    app.extensions["etsgw_metrics"] = runner
    served = wsgi_app(metrics)
    expected = f"Bearer {token}".encode()

    def metrics_view() -> Any:
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            abort(404)  # do not tell a stranger that something is here
        return Response.from_app(served, request.environ)

    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
    runner.start()
