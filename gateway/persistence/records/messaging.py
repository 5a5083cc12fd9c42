"""Outbox, inbox and error store (ARCHITECTURE "Money moves once"), serial counters and the
gateway's own persistent state (work date, system state, link status)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped


class OutboxRecord(Timestamped, Base):
    """A message written in the same transaction as the change that causes it; the relay puts it
    on the transport and sets ``sent_at``. A re-put after a crash keeps the same MsgID."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(20), unique=True)
    msg_no: Mapped[str] = mapped_column(String(4))
    queue: Mapped[str] = mapped_column(String(48))
    correl_id: Mapped[bytes] = mapped_column(LargeBinary(24))
    ccsid: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    business_key: Mapped[str] = mapped_column(String(80), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)


class InboxRecord(Base):
    """Every inbound message, keyed by SRC + MsgID, recorded with its effect in one transaction.
    ``answer_msg_id`` points at the stored answer (an outbox row) re-sent to duplicates."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    src: Mapped[str] = mapped_column(String(12))
    msg_id: Mapped[str] = mapped_column(String(20))
    msg_no: Mapped[str] = mapped_column(String(4))
    business_key: Mapped[str] = mapped_column(String(80), default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="PROCESSED")
    answer_msg_id: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (
        Index("uq_inbox_src_msg_id", "src", "msg_id", unique=True),
        Index("ix_inbox_msg_no_key", "msg_no", "business_key"),
        Index("ix_inbox_received_at", "received_at"),
    )


class ErrorStoreRecord(Timestamped, Base):
    """A message that could not be processed: the bytes, why, and whether it was answered."""

    __tablename__ = "error_store"
    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(48), default="")
    code: Mapped[str] = mapped_column(String(5), default="")
    reason: Mapped[str] = mapped_column(Text)
    msg_no: Mapped[str] = mapped_column(String(4), default="")
    msg_id: Mapped[str] = mapped_column(String(20), default="")
    answered: Mapped[bool] = mapped_column(default=False)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class SerialCounterRecord(Base):
    """Gateway serials (§4.2): one counter per kind, TaxOrgCode and EntrustDate. TraNo is shared
    by 1001s and 1102 items. The voucher and MsgID sequences use the same table."""

    __tablename__ = "serial_counter"
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class GatewayStateRecord(Base):
    """Small persistent key/value state: work_date, sys_stat, link status, last traffic."""

    __tablename__ = "gateway_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AlertRecord(Timestamped, Base):
    __tablename__ = "alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    acknowledged: Mapped[bool] = mapped_column(default=False)


class UserRecord(Timestamped, Base):
    """A login: collection staff (scoped to a tax office) or a taxpayer (scoped to a payer)."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))  # STAFF, TAXPAYER, OPS
    display_name: Mapped[str] = mapped_column(String(100), default="")
    payer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    tax_org_code: Mapped[str | None] = mapped_column(String(12))


class BatchInboundRecord(Base):
    """A batch-class message from the ETS kept as received (3122 sub-packages, 3128 reports,
    2102 results) once its receipt is acknowledged: the reconciliation and batch flows work from
    these rows. One row per business key (§4.3)."""

    __tablename__ = "batch_inbound"
    id: Mapped[int] = mapped_column(primary_key=True)
    msg_no: Mapped[str] = mapped_column(String(4))
    business_key: Mapped[str] = mapped_column(String(80))
    tax_org_code: Mapped[str] = mapped_column(String(12), default="")
    work_date: Mapped[dt.date] = mapped_column(Date)  # ChkDate, ReportDate or the 2102's date
    msg_id: Mapped[str] = mapped_column(String(20))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    ccsid: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(12), default="STORED")  # STORED, FLAGGED, APPLIED
    detail: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        Index("uq_batch_inbound_key", "msg_no", "business_key", unique=True),
        Index("ix_batch_inbound_date", "msg_no", "work_date", "tax_org_code"),
    )
