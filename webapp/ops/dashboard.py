"""What the ops dashboard page shows, gathered for its template: the current status table of one
monitor check, and charts of queue depth, backlog and debit throughput over the last hours.

The data comes from :mod:`gateway.monitor.dashboard` (no Flask there); this module chooses the
time window, names things in Chinese and turns the series into :mod:`webapp.ops.charts`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError

from gateway.monitor import dashboard as mon
from webapp.context import web
from webapp.ops.charts import bar_chart, line_chart
from webapp.presenters import STATES

log = structlog.get_logger("webapp.ops")

#: Window (hours) → bucket of the throughput bars (seconds): about 24 to 48 bars each.
WINDOWS = {1: 120, 3: 300, 6: 600, 12: 1800, 24: 3600, 48: 3600}
DEFAULT_HOURS = 6
OUTCOMES = ("SUCCEEDED", "FAILED", "REVERSED", "IN_DOUBT")
CATEGORIES = {"queue": "队列", "channel": "通道", "backout": "回退/死信队列", "inbound": "入站队列",
              "gateway": "网关", "host": "主机", "process": "进程", "source": "队列管理器"}
BACKLOG = {"outbox_unsent": "待发送报文", "in_doubt": "结果待查扣款"}


def window(raw: str | None) -> int:
    """The hours asked for, if one of :data:`WINDOWS`; else the default."""
    try:
        hours = int(raw or DEFAULT_HOURS)
    except ValueError:
        return DEFAULT_HOURS
    return hours if hours in WINDOWS else DEFAULT_HOURS


def page(hours: int) -> dict[str, Any]:
    ctx = web()
    settings, reader, now = ctx.settings, ctx.app.reader, ctx.now()
    start = now - dt.timedelta(hours=hours)
    report = mon.current_status(settings, reader, host=settings.monitor.host_probes)
    rows = mon.status_table(report)
    for row in rows:
        row["category_label"] = CATEGORIES.get(row["category"], row["category"])
    data: dict[str, Any] = {
        "hours": hours, "windows": list(WINDOWS), "checked_at": report.checked_at,
        "severity": report.severity.name, "severity_label": report.severity.label,
        "rows": rows, "history": bool(settings.monitor.history_url), "history_error": "",
        "flat_queues": [], "depth": None, "backlog": None,
    }
    try:
        series = mon.depth_series(settings, hours, prefix="", now=now)
    except SQLAlchemyError as err:
        log.warning("ops.history_unreadable", error=str(err).splitlines()[0])
        data["history_error"] = "无法读取监控历史库，队列深度曲线暂不可用。"
        series = {}
    depths = {k.removeprefix("depth:"): v for k, v in series.items() if k.startswith("depth:")}
    moving = {k: v for k, v in depths.items() if any(value for _, value in v)}
    data["flat_queues"] = sorted(set(depths) - set(moving))
    data["depth"] = line_chart(moving, start, now, f"最近 {hours} 小时队列深度")
    data["depth_samples"] = sum(len(v) for v in depths.values())
    backlog = {BACKLOG[k]: v for k, v in series.items() if k in BACKLOG}
    data["backlog"] = line_chart(backlog, start, now, f"最近 {hours} 小时待发送与待查")
    bucket_s = WINDOWS[hours]
    buckets = mon.debit_throughput(reader, hours, bucket_s, now=now)
    seen = {k for b in buckets for k in b if k != "start"}
    keys = [k for k in OUTCOMES if k in seen] + sorted(seen - set(OUTCOMES))
    data["throughput"] = bar_chart(buckets, keys, STATES, start, now, bucket_s,
                                   f"最近 {hours} 小时扣款结果（每 {bucket_s // 60} 分钟）")
    data["throughput_total"] = sum(int(b.get(k, 0)) for b in buckets for k in keys)
    data["bucket_min"] = bucket_s // 60
    return data
