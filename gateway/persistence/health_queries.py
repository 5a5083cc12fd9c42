"""Read-side queries about the gateway's own health, for the monitor and the ops dashboard:
outbox backlog, in-doubt debits, link state, debit and package counts, debit latencies and
throughput. Plain values, run on the read-only engine; times are naive Beijing time as stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from gateway.persistence.records import DebitRecord, GatewayStateRecord, OutboxRecord, PackageRecord

#: The gateway_state key of the link status (gateway.services.status.LINK; the monitor may not
#: import the services, so the name is repeated here).
LINK_STATE_KEY = "link"


def outbox_backlog(conn: Connection) -> tuple[int, dt.datetime | None]:
    """Messages written but not yet put on a queue, and when the oldest was written.

    The time comes from the MsgID (``yyyyMMddHHmmss`` + sequence, built from the gateway's
    Beijing clock, ets-interface §3.2), not from ``created_at``: that is the database server's
    clock and zone (UTC on SQLite), which would put the age hours out."""
    o = OutboxRecord
    count, first = conn.execute(select(func.count(), func.min(o.msg_id))
                                .where(o.sent_at.is_(None))).one()
    return int(count), msg_id_time(first)


def msg_id_time(msg_id: str | None) -> dt.datetime | None:
    """The Beijing time a MsgID was built at; None when it is not in the gateway's form."""
    try:
        return dt.datetime.strptime((msg_id or "")[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def in_doubt(conn: Connection) -> tuple[int, dt.datetime | None]:
    """Debits whose outcome is unknown, and when the oldest of them was sent."""
    d = DebitRecord
    count, oldest = conn.execute(select(func.count(), func.min(d.sent_at))
                                 .where(d.state == "IN_DOUBT")).one()
    return int(count), oldest


def link_state(conn: Connection) -> str | None:
    """UP or DOWN as the gateway's link test last decided; None before the first test."""
    return conn.execute(select(GatewayStateRecord.value)
                        .where(GatewayStateRecord.key == LINK_STATE_KEY)).scalar()


def debit_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(kind, state, count) of all debits."""
    d = DebitRecord
    rows = conn.execute(select(d.kind, d.state, func.count()).group_by(d.kind, d.state)).all()
    return [(k, s, int(n)) for k, s, n in rows]


def package_counts(conn: Connection) -> list[tuple[str, int]]:
    """(state, count) of all batch packages."""
    p = PackageRecord
    return [(s, int(n)) for s, n in
            conn.execute(select(p.state, func.count()).group_by(p.state)).all()]


def resolved_between(conn: Connection, after: dt.datetime, until: dt.datetime
                     ) -> list[tuple[str, str, float]]:
    """(kind, state, seconds from sent to resolved) of debits resolved in (after, until]."""
    d = DebitRecord
    rows = conn.execute(select(d.kind, d.state, d.sent_at, d.resolved_at).where(
        d.resolved_at > after, d.resolved_at <= until, d.sent_at.is_not(None))).all()
    return [(k, s, max(0.0, (r - t).total_seconds())) for k, s, t, r in rows]


def _epoch(conn: Connection, column: Any) -> Any:
    """Seconds since 1970 of a naive timestamp column, read as if it were UTC (only
    differences and bucket boundaries matter here)."""
    if conn.dialect.name == "sqlite":
        return func.cast(func.strftime("%s", column), DebitRecord.id.type)
    return func.cast(func.extract("epoch", column), DebitRecord.id.type)


def debit_throughput(conn: Connection, since: dt.datetime, bucket_s: int = 600,
                     column: str = "resolved_at") -> list[dict[str, Any]]:
    """Debits per time bucket since ``since``, by state: ``[{"start": datetime, "SUCCEEDED": n,
    ...}]`` in time order. ``column`` is ``resolved_at`` (outcomes) or ``sent_at`` (sends)."""
    d = DebitRecord
    col = getattr(d, column)
    bucket = (_epoch(conn, col) // bucket_s).label("bucket")
    rows = conn.execute(select(bucket, d.state, func.count()).where(col >= since)
                        .group_by(bucket, d.state).order_by(bucket)).all()
    out: dict[int, dict[str, Any]] = {}
    for b, state, n in rows:
        start = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(b) * bucket_s)
        out.setdefault(int(b), {"start": start})[state] = int(n)
    return [out[b] for b in sorted(out)]
