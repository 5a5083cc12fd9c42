"""The gateway's own health from the application database (read-only engine): the outbox
backlog (messages the relay has not put yet), in-doubt debits, and the link to the ETS as the
gateway's link test last decided. Debit and package counts go to the metrics only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.config import MonitorSection
from gateway.monitor.model import Finding, Severity
from gateway.monitor.rules import human_age
from gateway.persistence import health_queries as q


@dataclass(frozen=True)
class GatewayHealth:
    """One reading of the application database."""

    outbox_unsent: int
    outbox_oldest: dt.datetime | None
    in_doubt: int
    in_doubt_oldest: dt.datetime | None
    link: str | None
    debits: list[tuple[str, str, int]] = field(default_factory=list)
    packages: list[tuple[str, int]] = field(default_factory=list)


def read_health(reader: Engine) -> GatewayHealth:
    """Raises SQLAlchemyError when the database cannot be read (the caller reports UNKNOWN)."""
    with reader.connect() as conn:
        unsent, oldest = q.outbox_backlog(conn)
        doubt, doubt_oldest = q.in_doubt(conn)
        return GatewayHealth(unsent, oldest, doubt, doubt_oldest, q.link_state(conn),
                             q.debit_counts(conn), q.package_counts(conn))


def health_findings(h: GatewayHealth, opts: MonitorSection, now: dt.datetime) -> list[Finding]:
    out = []
    age = (now - h.outbox_oldest).total_seconds() if h.outbox_oldest else 0.0
    if h.outbox_unsent and age >= opts.outbox_age_critical_s:
        sev = Severity.CRITICAL
    elif h.outbox_unsent and (h.outbox_unsent >= opts.outbox_backlog_warn
                              or age >= opts.outbox_age_warn_s):
        sev = Severity.WARNING
    else:
        sev = Severity.OK
    text = (f"待发送 {h.outbox_unsent} 条，最早一条已等待 {human_age(age)}" if h.outbox_unsent
            else "发件箱无积压")
    out.append(Finding("gateway:outbox", "gateway", "发件箱 outbox", sev, text,
                       value=h.outbox_unsent, detail={"oldest_age_s": age}))

    if h.in_doubt >= opts.in_doubt_critical:
        sev = Severity.CRITICAL
    elif h.in_doubt >= opts.in_doubt_warn and h.in_doubt > 0:
        sev = Severity.WARNING
    else:
        sev = Severity.OK
    doubt_age = (now - h.in_doubt_oldest).total_seconds() if h.in_doubt_oldest else 0.0
    text = (f"{h.in_doubt} 笔扣款结果未明，最早一笔发出已 {human_age(doubt_age)}"
            if h.in_doubt else "无结果未明的扣款")
    out.append(Finding("gateway:in_doubt", "gateway", "结果未明扣款 IN_DOUBT", sev, text,
                       value=h.in_doubt, detail={"oldest_age_s": doubt_age}))

    if h.link == "DOWN":
        out.append(Finding("gateway:link", "gateway", "ETS 链路", Severity.CRITICAL,
                           "链路测试 9005 未获应答，链路中断，暂停发起新扣款",
                           detail={"link": h.link}))
    else:
        out.append(Finding("gateway:link", "gateway", "ETS 链路", Severity.OK,
                           "链路正常" if h.link == "UP" else "尚未进行链路测试",
                           detail={"link": h.link}))
    return out


def unreadable(err: SQLAlchemyError) -> Finding:
    first = str(getattr(err, "orig", None) or err).splitlines()[0]
    return Finding("gateway:database", "gateway", "应用数据库", Severity.UNKNOWN,
                   f"无法读取应用数据库：{first}")
