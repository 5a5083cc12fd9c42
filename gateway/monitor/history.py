"""A small time-series store of what each check saw, for the ops dashboard's plots: queue depths,
outbox backlog and in-doubt count per check, kept ``history_retention_h`` hours.

It lives in its own database (``monitor.history_url``, a SQLite file by default) with its own
table created idempotently, like the embedded queue store: the monitor only reads the
application database. Debit throughput needs no store; it is a query of the debits
(:func:`gateway.persistence.health_queries.debit_throughput`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import (Column, DateTime, Engine, Float, Index, Integer, MetaData, String, Table,
                        create_engine, delete, insert, select)
from sqlalchemy.engine import make_url

from gateway.monitor.model import Report

metadata = MetaData()
samples = Table(
    "mon_sample", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", DateTime, nullable=False),  # Beijing time, naive, as everywhere in the gateway
    Column("series", String(120), nullable=False),
    Column("value", Float, nullable=False),
)
Index("ix_mon_sample_series_ts", samples.c.series, samples.c.ts)

#: Series recorded from a report: a queue's depth, the gateway's backlog figures.
GATEWAY_SERIES = {"gateway:outbox": "outbox_unsent", "gateway:in_doubt": "in_doubt"}


class History:
    def __init__(self, url: str | Engine, retention_h: float = 48) -> None:
        if isinstance(url, Engine):
            self.engine = url
        else:
            u = make_url(url)
            if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
                Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url)
        self.retention = dt.timedelta(hours=retention_h)
        metadata.create_all(self.engine, checkfirst=True)

    def record(self, report: Report) -> int:
        """Store the depths and backlog figures of ``report``; drop samples past retention."""
        rows = []
        for f in report.findings:
            if f.category == "queue" and not f.derived and f.value is not None:
                name = f"depth:{f.detail['qmgr']}:{f.detail['queue']}"
            elif f.key in GATEWAY_SERIES and f.value is not None:
                name = GATEWAY_SERIES[f.key]
            else:
                continue
            rows.append({"ts": report.checked_at, "series": name, "value": float(f.value)})
        with self.engine.begin() as conn:
            if rows:
                conn.execute(insert(samples), rows)
            conn.execute(delete(samples).where(samples.c.ts < report.checked_at - self.retention))
        return len(rows)

    def series(self, since: dt.datetime, prefix: str = "") -> dict[str, list[tuple[dt.datetime,
                                                                                  float]]]:
        """Samples since ``since`` by series name (those starting with ``prefix``), in time
        order: e.g. ``series(now - 6h, "depth:")`` for the queue-depth plot."""
        s = samples.c
        stmt = select(s.series, s.ts, s.value).where(s.ts >= since).order_by(s.series, s.ts)
        if prefix:
            stmt = stmt.where(s.series.startswith(prefix, autoescape=True))
        out: dict[str, list[tuple[dt.datetime, float]]] = {}
        with self.engine.connect() as conn:
            for name, ts, value in conn.execute(stmt):
                out.setdefault(name, []).append((ts, value))
        return out

    def close(self) -> None:
        self.engine.dispose()
