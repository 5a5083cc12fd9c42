"""One check of everything, and the ``--watch`` loop: queue managers through their sources, the
gateway's health from the application database, the host; then alerts, history and metrics.

The application database is read through the engine handed in (the read-only one of
``gateway.bootstrap``); the monitor writes only its own state file and history store.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import structlog
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from gateway.clock import BEIJING
from gateway.config import MonitorSection, Settings
from gateway.monitor import health as gh
from gateway.monitor.alerts import AlertManager
from gateway.monitor.history import History
from gateway.monitor.metrics import MonitorMetrics
from gateway.monitor.model import Finding, Report
from gateway.monitor.probes import HostProbe, HostSample, host_findings
from gateway.monitor.rules import QueueManagerView, channel_findings, queue_findings
from gateway.monitor.sinks import sinks_from_settings
from gateway.monitor.sources import (QueueManagerSource, reachable, sources_from_settings,
                                     unreachable)
from gateway.monitor.state import MonitorState
from gateway.persistence.health_queries import resolved_between
from gateway.transports.base import TransportError

log = structlog.get_logger("gateway.monitor")

SETTLE_S = 5.0  # how far behind the clock debit outcomes are read for the latency histogram


@dataclass(frozen=True)
class Snapshot:
    """Everything one check saw; the report is what people and Nagios get."""

    report: Report
    views: list[QueueManagerView]
    health: gh.GatewayHealth | None
    host: HostSample | None
    resolved: list[tuple[str, str, float]] = field(default_factory=list)
    taken_at: float = 0.0
    duration_s: float = 0.0


def beijing(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, BEIJING).replace(tzinfo=None)


class Monitor:
    def __init__(self, opts: MonitorSection, sources: Sequence[QueueManagerSource],
                 reader: Engine | None = None, *, host_probe: HostProbe | None = None,
                 alerts: AlertManager | None = None, history: History | None = None,
                 metrics: MonitorMetrics | None = None, state: MonitorState | None = None,
                 state_file: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.opts, self.sources, self.reader = opts, list(sources), reader
        self.host_probe, self.alerts, self.history, self.metrics = (host_probe, alerts, history,
                                                                    metrics)
        self.state_file = state_file
        self.state = state if state is not None else MonitorState.load(state_file)
        self.clock = clock
        self._resolved_until: dt.datetime | None = None  # per process: it feeds our histogram

    def check(self, *, alert: bool = True) -> Snapshot:
        """One check. ``alert=False`` looks without sending alerts or changing their state."""
        started = time.monotonic()
        now = self.clock()
        at = beijing(now)
        if self.state_file:  # another run (cron, a person) may have moved the timers on
            self.state = _merge(self.state, MonitorState.load(self.state_file))
        findings: list[Finding] = []
        views = []
        for src in self.sources:
            try:
                view = src.read(now)
            except TransportError as err:
                findings.append(unreachable(src.qmgr, err))
                continue
            views.append(view)
            findings.append(reachable(src.qmgr))
            findings += queue_findings(view, self.opts)
            findings += channel_findings(view, self.opts,
                                         lambda key, sig: self.state.elapsed(key, sig, now))
        health, resolved = self._health(at, findings)
        host = None
        if self.host_probe is not None:
            host = self.host_probe.sample()
            findings += host_findings(host, self.opts)
        self.state.end_check()
        report = Report(at, tuple(findings))
        if alert and self.alerts is not None:
            self.alerts.process(report, self.state, now)
        if self.history is not None:
            try:
                self.history.record(report)
            except SQLAlchemyError as err:
                log.warning("monitor.history_failed", error=str(err).splitlines()[0])
        try:
            self.state.save(self.state_file, alerts=alert)
        except OSError as err:
            log.warning("monitor.state_not_saved", path=self.state_file, error=str(err))
        snap = Snapshot(report, views, health, host, resolved, now,
                        time.monotonic() - started)
        if self.metrics is not None:
            self.metrics.update(snap)
        return snap

    def _health(self, at: dt.datetime, findings: list[Finding]
                ) -> tuple[gh.GatewayHealth | None, list[tuple[str, str, float]]]:
        if self.reader is None:
            return None, []
        try:
            health = gh.read_health(self.reader)
            resolved = []
            if self.metrics is not None:
                # Read up to a few seconds ago: a debit resolved just before this check may
                # still be committing, and would fall behind the watermark for good.
                until = at - dt.timedelta(seconds=SETTLE_S)
                if self._resolved_until is not None:
                    with self.reader.connect() as conn:
                        resolved = resolved_between(conn, self._resolved_until, until)
                self._resolved_until = until
        except SQLAlchemyError as err:
            findings.append(gh.unreadable(err))
            return None, []
        findings += gh.health_findings(health, self.opts, at)
        return health, resolved

    def watch(self, stop: threading.Event, on_snapshot: Callable[[Snapshot], None],
              interval_s: float | None = None, *, alert: bool = True) -> Snapshot | None:
        """Check every ``interval_s`` (default ``monitor.interval_s``) until ``stop`` is set;
        returns the last snapshot."""
        interval = interval_s if interval_s is not None else self.opts.interval_s
        last = None
        while not stop.is_set():
            began = time.monotonic()
            last = self.check(alert=alert)
            on_snapshot(last)
            stop.wait(max(0.0, interval - (time.monotonic() - began)))
        return last

    def close(self) -> None:
        for src in self.sources:
            src.close()
        if self.history is not None:
            self.history.close()


def _merge(mine: MonitorState, saved: MonitorState) -> MonitorState:
    """Keep the earliest start of a condition both know; alerts stay ours (we send them)."""
    for key, (sig, t) in saved.first_seen.items():
        ours = mine.first_seen.get(key)
        if ours is None or (ours[0] == sig and float(t) < float(ours[1])):
            mine.first_seen[key] = [sig, t]
    if not mine.alerts:
        mine.alerts = saved.alerts
    return mine


def default_disk_paths(settings: Settings) -> list[str]:
    """/ and the folders of the SQLite files the settings name."""
    paths = ["/"]
    for url in (settings.database.url, settings.embedded_transport_url,
                settings.monitor.history_url):
        if url and url.startswith("sqlite"):
            db = make_url(url).database
            if db and db != ":memory:":
                paths.append(str(Path(db).resolve().parent))
    return paths


def build_monitor(settings: Settings, reader: Engine | None, *,
                  sources: Sequence[QueueManagerSource] | None = None,
                  metrics: MonitorMetrics | None = None, host: bool | None = None,
                  clock: Callable[[], float] = time.time) -> Monitor:
    """A monitor as ``[monitor]`` configures it."""
    opts = settings.monitor
    probe = None
    if opts.host_probes if host is None else host:
        paths = [p for p in (opts.disk_paths or default_disk_paths(settings)) if Path(p).exists()]
        probe = HostProbe(paths, opts.process_match)
    return Monitor(
        opts, sources if sources is not None else sources_from_settings(settings), reader,
        host_probe=probe,
        alerts=AlertManager(sinks_from_settings(opts), realert_s=opts.realert_s),
        history=History(opts.history_url, opts.history_retention_h) if opts.history_url
        else None,
        metrics=metrics, state_file=opts.state_file or None, clock=clock)
