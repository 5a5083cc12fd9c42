"""Read-side queries for operations (CLI, later the ops console): alerts, the error store,
review items, the gateway's state and the audit trail. Plain rows; account and ID numbers masked
(:mod:`gateway.logmask`), also inside stored message bytes."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import String, cast, exists, func, literal, select
from sqlalchemy.engine import Connection

from gateway.logmask import mask_text, mask_value
from gateway.persistence.records import (AlertRecord, AuditEventRecord, ErrorStoreRecord,
                                         GatewayStateRecord, InboxRecord, ReviewItemRecord)

REDRIVE_ACTION = "ERROR_REDRIVE"
_ELEMENT = re.compile(r"<([A-Za-z][\w.-]*)>([^<]*)</\1>")


def _local(conn: Connection, rows: list[dict]) -> list[dict]:
    """``created_at`` comes from the database's clock (``server_default=now()``): UTC on SQLite,
    shown here in Beijing time like every other time the gateway prints."""
    if conn.dialect.name == "sqlite":
        for r in rows:
            if isinstance(r.get("created_at"), dt.datetime):
                r["created_at"] = r["created_at"] + dt.timedelta(hours=8)
    return rows


def error_target(error_id: int) -> str:
    return f"error_store:{error_id}"


def mask_wire(body: bytes) -> bytes:
    """The stored bytes with account and ID numbers replaced by ``*`` byte for byte: by element
    name (``<PayAcct>``, ``<IDNo>`` ...) and by pattern elsewhere. Latin-1 maps bytes to
    characters one to one, and the masked characters (digits, ASCII letters) are single bytes in
    every wire encoding, so the result has the same length and the same multi-byte text."""
    text = body.decode("latin-1")
    text = _ELEMENT.sub(lambda m: f"<{m.group(1)}>{mask_value(m.group(2), field=m.group(1))}"
                                  f"</{m.group(1)}>", text)
    return mask_text(text).encode("latin-1")


def alerts(conn: Connection, include_acknowledged: bool, limit: int, offset: int) -> list[dict]:
    """Newest first; open ones only unless ``include_acknowledged``. ``limit + 1`` rows at most."""
    a = AlertRecord
    stmt = select(a.id, a.created_at, a.severity, a.source, a.acknowledged, a.message)
    if not include_acknowledged:
        stmt = stmt.where(a.acknowledged.is_(False))
    stmt = stmt.order_by(a.id.desc()).limit(limit + 1).offset(offset)
    return _local(conn, [{**r._asdict(), "message": mask_text(r.message)}
                         for r in conn.execute(stmt)])


def open_alert_counts(conn: Connection) -> dict[str, int]:
    a = AlertRecord
    rows = conn.execute(select(a.severity, func.count()).where(a.acknowledged.is_(False))
                        .group_by(a.severity)).all()
    return {severity: count for severity, count in rows}


def _redriven():
    target = literal("error_store:", String) + cast(ErrorStoreRecord.id, String)
    return exists().where(AuditEventRecord.action == REDRIVE_ACTION,
                          AuditEventRecord.target == target)


def errors(conn: Connection, limit: int, offset: int) -> list[dict]:
    """The error store, newest first, without the bytes."""
    e = ErrorStoreRecord
    stmt = (select(e.id, e.created_at, e.queue, e.msg_no, e.msg_id, e.code, e.answered,
                   func.length(e.body).label("size"), _redriven().label("redriven"), e.reason)
            .order_by(e.id.desc()).limit(limit + 1).offset(offset))
    return _local(conn, [{**r._asdict(), "reason": mask_text(r.reason)}
                         for r in conn.execute(stmt)])


def error_detail(conn: Connection, error_id: int) -> dict | None:
    """One stored message: its masked bytes (``body``), why it was kept and what became of it."""
    e = ErrorStoreRecord
    row = conn.execute(select(e).where(e.id == error_id)).first()
    if row is None:
        return None
    done = bool(row.msg_id) and processed(conn, row.msg_id)
    redrives = conn.execute(select(AuditEventRecord.at, AuditEventRecord.actor)
                            .where(AuditEventRecord.action == REDRIVE_ACTION,
                                   AuditEventRecord.target == error_target(error_id))
                            .order_by(AuditEventRecord.id)).all()
    return _local(conn, [{"id": row.id, "created_at": row.created_at, "queue": row.queue, "msg_no": row.msg_no,
            "msg_id": row.msg_id, "code": row.code, "answered": row.answered,
            "reason": mask_text(row.reason), "size": len(row.body), "body": mask_wire(row.body),
            "processed_since": done,
            "redriven": [f"{at:%Y-%m-%d %H:%M:%S} {actor}" for at, actor in redrives]}])[0]


def error_message(conn: Connection, error_id: int) -> dict | None:
    """The raw bytes and routing of one stored message, for a redrive (never printed)."""
    e = ErrorStoreRecord
    r = conn.execute(select(e.id, e.queue, e.msg_no, e.msg_id, e.code, e.answered, e.body)
                     .where(e.id == error_id)).first()
    return r._asdict() if r is not None else None


def processed(conn: Connection, msg_id: str) -> bool:
    """Whether an inbound MsgID has been processed (its effect applied)."""
    return conn.execute(select(InboxRecord.id).where(InboxRecord.msg_id == msg_id,
                                                     InboxRecord.outcome == "PROCESSED")
                        .limit(1)).first() is not None


def reviews(conn: Connection, include_resolved: bool, kind: str | None, limit: int,
            offset: int) -> list[dict]:
    r = ReviewItemRecord
    stmt = select(r.id, r.created_at, r.kind, r.tax_org_code, r.ref, r.amount, r.resolved,
                  r.detail)
    if not include_resolved:
        stmt = stmt.where(r.resolved.is_(False))
    if kind:
        stmt = stmt.where(r.kind == kind)
    stmt = stmt.order_by(r.id.desc()).limit(limit + 1).offset(offset)
    return _local(conn, [{**row._asdict(), "ref": mask_text(row.ref),
                          "detail": mask_text(row.detail)} for row in conn.execute(stmt)])


def gateway_state(conn: Connection) -> dict[str, tuple[str, object]]:
    """Every state key: (value, updated_at)."""
    g = GatewayStateRecord
    return {k: (v, t) for k, v, t in conn.execute(select(g.key, g.value, g.updated_at))}


def audit_events(conn: Connection, action: str, limit: int = 5) -> list[dict]:
    a = AuditEventRecord
    rows = conn.execute(select(a.id, a.at, a.actor, a.target, a.before, a.after, a.reason)
                        .where(a.action == action).order_by(a.id.desc()).limit(limit))
    return [{**r._asdict(), "reason": mask_text(r.reason)} for r in rows]
