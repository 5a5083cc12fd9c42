"""The batch flow's tables: 待批扣清册 lists and their entries, 1123 stop requests, refund cases
(退费), the notification outbox (短信) and the clearing-calendar override table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped, partial
from gateway.persistence.types import Money


class BatchListRecord(Timestamped, Base):
    """One pending batch-deduction list: MONTHLY (generated at the cutoff for an office) or
    SELECTION (an ad-hoc selection). ``criteria`` is the selection, in words."""

    __tablename__ = "batch_list"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    tax_org_code: Mapped[str] = mapped_column(String(12), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    criteria: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(40), default="")


class BatchListEntryRecord(Base):
    """One levy on a list, with what packaging needs (office, paying bank, agreement)."""

    __tablename__ = "batch_list_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("batch_list.id"))
    levy_id: Mapped[int] = mapped_column(ForeignKey("levy.id"))
    payer_id: Mapped[int] = mapped_column(Integer)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    pay_bk_code: Mapped[str] = mapped_column(String(12))
    agreement_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(12), default="GENERATED")
    package_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    realtime_batch_id: Mapped[int | None] = mapped_column(Integer)  # the run that took it
    debit_id: Mapped[int | None] = mapped_column(Integer)  # its 1001 in a real-time batch
    __table_args__ = (
        Index("ix_batch_list_entry_group", "list_id", "state", "tax_org_code", "pay_bk_code",
              "payer_id", "levy_id"),
        # Packaging rewrites every index holding ``state`` for each entry it takes: the look-ups
        # by levy and payer find a few rows and filter them, and the indexes of columns that are
        # NULL for most entries are partial (migration 0016).
        Index("ix_batch_list_entry_levy", "levy_id"),
        Index("ix_batch_list_entry_payer", "payer_id"),
        Index("ix_batch_list_entry_package", "package_id", **partial("package_id IS NOT NULL")),
        Index("ix_batch_list_entry_realtime", "realtime_batch_id", "state", "payer_id",
              **partial("realtime_batch_id IS NOT NULL")),
    )


class RealtimeBatchRecord(Timestamped, Base):
    """A real-time batch run (§6.5): one 1001 per payer of a list, at most ``max_in_flight``
    unresolved at a time."""

    __tablename__ = "realtime_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("batch_list.id"), index=True)
    operator: Mapped[str] = mapped_column(String(40))
    max_in_flight: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="RUNNING", index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class StopRequestRecord(Timestamped, Base):
    """One 1123 and its 2123 answer."""

    __tablename__ = "stop_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    entrust_date: Mapped[dt.date] = mapped_column(Date)
    stop_no: Mapped[str] = mapped_column(String(8))
    stop_type: Mapped[str] = mapped_column(String(1))
    ori_entrust_date: Mapped[dt.date] = mapped_column(Date)
    ori_pack_no: Mapped[str] = mapped_column(String(8))
    ori_tra_no: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(60))
    requested_by: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(10), default="SENT")
    add_word: Mapped[str] = mapped_column(String(60), default="")
    msg_id: Mapped[str] = mapped_column(String(20), default="")
    next_check_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resends: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("uq_stop_request_key", "tax_org_code", "entrust_date", "stop_no",
                            unique=True),
                      Index("ix_stop_request_due", "state", "next_check_at"))


class RefundCaseRecord(Timestamped, Base):
    """退费: a duplicate payment to return, through its states."""

    __tablename__ = "refund_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    levy_id: Mapped[int] = mapped_column(ForeignKey("levy.id"), index=True)
    tax_org_code: Mapped[str] = mapped_column(String(12), index=True)
    payment: Mapped[str] = mapped_column(String(40))
    debit_key: Mapped[str] = mapped_column(String(60))
    paid_by: Mapped[str] = mapped_column(String(60), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(10), default="FLAGGED")
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("uq_refund_case_levy_payment", "levy_id", "payment", unique=True),)


class NotificationRecord(Timestamped, Base):
    """发送短信息: a text message for a payer, sent by the configured sender."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(Integer, index=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(10), default="SMS")
    ref: Mapped[str] = mapped_column(String(60), default="")
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="PENDING")  # PENDING, SENT, FAILED
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    error: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_notification_state", "state", "id"),
                      Index("uq_notification_ref", "channel", "ref", unique=True))


class CalendarOverrideRecord(Base):
    """A day the official table does not know (or gets wrong): clearing day or not."""

    __tablename__ = "calendar_override"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    clearing: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
