"""What the ops dashboard (``webapp/ops``) shows, as plain data, without Flask:

- :func:`status_table`: the current status table, one row per finding, worst first;
- :func:`depth_series`: queue depths (and outbox backlog, in-doubt count) over the last hours,
  from the monitor's history store;
- :func:`debit_throughput`: debits resolved (or sent) per time bucket by outcome, from the
  application database.

A page typically calls :func:`current_status` (one check, no alerts sent, grace timers read
from the state file but not advanced) and the two series functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from gateway.clock import beijing_now
from gateway.config import Settings
from gateway.monitor.history import History
from gateway.monitor.model import Report
from gateway.monitor.runner import Monitor, build_monitor
from gateway.persistence import health_queries


def current_status(settings: Settings, reader: Engine, *, host: bool = True) -> Report:
    """One check as ``etsgw monitor`` would make it, without alerting or recording history."""
    monitor: Monitor = build_monitor(settings, reader, host=host)
    monitor.alerts = None
    if monitor.history is not None:
        monitor.history.close()
        monitor.history = None
    monitor.state_file = None  # look only: the monitor process owns the grace timers
    try:
        return monitor.check(alert=False).report
    finally:
        monitor.close()


def status_table(report: Report) -> list[dict[str, Any]]:
    """Rows ``{severity, label, category, subject, summary, value}``, worst first, then by
    category and subject (a stable order for a page that refreshes)."""
    rows = sorted(report.findings, key=lambda f: (-f.severity.rank, f.category, f.subject))
    return [{"severity": f.severity.name, "label": f.severity.label, "category": f.category,
             "subject": f.subject, "summary": f.summary, "value": f.value} for f in rows]


def depth_series(settings: Settings, hours: float = 6, prefix: str = "depth:",
                 now: dt.datetime | None = None) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Series by name (``depth:QMGR:QUEUE``, ``outbox_unsent``, ``in_doubt`` with
    ``prefix=""``) since ``hours`` ago; empty when no history is kept."""
    url = settings.monitor.history_url
    if not url:
        return {}
    history = History(url, settings.monitor.history_retention_h)
    try:
        return history.series((now or beijing_now()) - dt.timedelta(hours=hours), prefix)
    finally:
        history.close()


def debit_throughput(reader: Engine, hours: float = 6, bucket_s: int = 600,
                     now: dt.datetime | None = None, column: str = "resolved_at"
                     ) -> list[dict[str, Any]]:
    """``[{"start": datetime, "SUCCEEDED": n, "FAILED": n, ...}]`` per ``bucket_s`` since
    ``hours`` ago."""
    since = (now or beijing_now()) - dt.timedelta(hours=hours)
    with reader.connect() as conn:
        return health_queries.debit_throughput(conn, since, bucket_s, column)
