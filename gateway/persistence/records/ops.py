"""Operations bookkeeping: process leases (one gateway worker or demo per database) and the
audit trail of operator actions taken from the CLI (work-date corrections, redrives, acks).

The web application will replace ``audit_event`` by a hash-chained audit log; until then this
table is the one place that says who changed what, when, and why.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, Index, Integer, LargeBinary, String, Text, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base


class ProcessLeaseRecord(Base):
    """Who runs a singleton process (``gateway``, ``demo``) on this database. Times are epoch
    seconds of the holder's clock, as in the embedded channels' leases: a holder that stops
    renewing (a crash) loses the lease at ``expires_at``."""

    __tablename__ = "process_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))  # unique per process: pid@host/start
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(80))
    # Boot id and PID namespace of the holder: a dead pid is proof of a crash only in the same one.
    scope: Mapped[str] = mapped_column(String(120), default="")
    acquired_at: Mapped[float] = mapped_column(Float)
    heartbeat_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class JobScheduleRecord(Base):
    """The job store of ``etsgw jobs`` (APScheduler 3's ``SQLAlchemyJobStore`` layout: one row per
    job id, its next run time in epoch seconds and the pickled job). Created here rather than by
    APScheduler so that the schema comes from the migrations alone; APScheduler writes it."""

    __tablename__ = "job_schedule"
    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEventRecord(Base):
    """One operator action: who, what, on which record, the value before and after, and why."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # Beijing time, as the gateway's clock
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_audit_event_action_target", "action", "target"),)
