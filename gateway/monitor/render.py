"""The report for people (a rich table under the Nagios status line) and for machines (JSON)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gateway.monitor.model import Report, Severity

STYLE = {Severity.OK: "green", Severity.WARNING: "yellow", Severity.CRITICAL: "bold red",
         Severity.UNKNOWN: "magenta"}
CATEGORY = {"source": "队列管理器", "queue": "队列", "backout": "退回/死信", "inbound": "入站",
            "channel": "通道", "gateway": "网关", "host": "主机", "process": "进程"}
ORDER = list(CATEGORY)


def table(report: Report) -> Table:
    t = Table(title=f"ETS 网关监控  {report.checked_at:%Y-%m-%d %H:%M:%S}（北京时间）",
              title_justify="left", show_lines=False)
    for name in ("状态", "类别", "对象", "值", "说明"):
        t.add_column(name, overflow="fold", justify="right" if name == "值" else "left")
    rows = sorted(report.findings, key=lambda f: (ORDER.index(f.category)
                                                  if f.category in ORDER else 99, f.subject))
    for f in rows:
        value = "" if f.value is None else (f"{f.value:g}" if isinstance(f.value, float)
                                            else str(f.value))
        t.add_row(Text(f.severity.name, style=STYLE[f.severity]),
                  CATEGORY.get(f.category, f.category), f.subject, value, f.summary)
    return t


def print_report(report: Report, console: Console) -> None:
    console.print(Text(report.status_line(), style=STYLE[report.severity]))
    console.print(table(report))


def to_json(report: Report, **extra: Any) -> str:
    return json.dumps({**report.as_dict(), **extra}, ensure_ascii=False, default=str)
