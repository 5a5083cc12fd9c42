"""Operator actions from the CLI, each one transaction with its audit event: acknowledge an
alert, resolve a review item, correct the work date, note a redrive.

They change the gateway's bookkeeping (alerts, review items, the work-date state), never money
or a message in flight, which is why they are here and not use cases on the bus. Each raises
:class:`~gateway.domain.errors.NotFound` for a missing record and :class:`ActionRefused` when
the action does not apply (already done).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from gateway.domain.errors import NotFound
from gateway.persistence.ops_queries import REDRIVE_ACTION, error_target
from gateway.persistence.records import (AlertRecord, AuditEventRecord, GatewayStateRecord,
                                         ReviewItemRecord)

WORK_DATE_SET = "WORK_DATE_SET"


class ActionRefused(Exception):
    """The action does not apply to the record as it stands."""


def audit(conn: Connection, now: dt.datetime, actor: str, action: str, target: str,
          before: str = "", after: str = "", reason: str = "") -> None:
    conn.execute(insert(AuditEventRecord).values(at=now, actor=actor, action=action,
                                                 target=target, before=before, after=after,
                                                 reason=reason))


def acknowledge_alert(engine: Engine, alert_id: int, actor: str, now: dt.datetime) -> None:
    a = AlertRecord
    with engine.begin() as conn:
        row = conn.execute(select(a.acknowledged).where(a.id == alert_id)).first()
        if row is None:
            raise NotFound(f"告警 {alert_id} 不存在")
        if row.acknowledged:
            raise ActionRefused(f"告警 {alert_id} 已确认")
        conn.execute(update(a).where(a.id == alert_id).values(acknowledged=True))
        audit(conn, now, actor, "ALERT_ACK", f"alert:{alert_id}", "open", "acknowledged")


def resolve_review(engine: Engine, item_id: int, note: str, actor: str, now: dt.datetime) -> None:
    """Mark a review item resolved; the note is appended to its detail and audited."""
    r = ReviewItemRecord
    with engine.begin() as conn:
        row = conn.execute(select(r.resolved, r.detail).where(r.id == item_id)).first()
        if row is None:
            raise NotFound(f"复核项 {item_id} 不存在")
        if row.resolved:
            raise ActionRefused(f"复核项 {item_id} 已处理")
        detail = f"{row.detail}\n[已处理 {now:%Y-%m-%d %H:%M:%S} {actor}] {note}"
        conn.execute(update(r).where(r.id == item_id).values(resolved=True, detail=detail))
        audit(conn, now, actor, "REVIEW_RESOLVE", f"review_item:{item_id}", "open", "resolved",
              note)


def set_work_date(engine: Engine, new: dt.date, reason: str, actor: str,
                  now: dt.datetime) -> str:
    """Correct the ETS work date by hand; returns the value before ("" when never set). Audited,
    and announced as an INFO alert so that whoever watches the alerts sees it."""
    g = GatewayStateRecord
    value = f"{new:%Y%m%d}"
    with engine.begin() as conn:
        before = conn.execute(select(g.value).where(g.key == "work_date")).scalar() or ""
        if before == value:
            raise ActionRefused(f"工作日已是 {value}")
        if before:
            conn.execute(update(g).where(g.key == "work_date").values(value=value, updated_at=now))
        else:
            conn.execute(insert(g).values(key="work_date", value=value, updated_at=now))
        audit(conn, now, actor, WORK_DATE_SET, "gateway_state:work_date", before, value, reason)
        conn.execute(insert(AlertRecord).values(
            severity="INFO", source="work-date", acknowledged=False,
            message=f"工作日由 {actor} 手工从 {before or '(未设置)'} 改为 {value}：{reason}"))
    return before


def note_redrive(conn: Connection, error_id: int, queue: str, msg_id: str, actor: str,
                 reason: str, now: dt.datetime) -> None:
    audit(conn, now, actor, REDRIVE_ACTION, error_target(error_id), "", f"{queue} {msg_id}",
          reason)
