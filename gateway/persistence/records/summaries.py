"""Daily summaries (应征 and 入库 per day and dimension), the log of their re-runs, and the
monthly report versions (frozen once submitted upward)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base
from gateway.persistence.types import Money


class DailySummaryRecord(Base):
    """One figure: ``measure`` LEVIED (应征, by declaration day) or RECEIVED (入库, by tax date)
    for one day, office, insurance type, payer kind and payment channel ('' for LEVIED)."""

    __tablename__ = "daily_summary"
    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(8))
    day: Mapped[dt.date] = mapped_column(Date)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    insurance_code: Mapped[str] = mapped_column(String(20))
    payer_kind: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    levy_count: Mapped[int] = mapped_column(Integer)
    payer_count: Mapped[int] = mapped_column(Integer)  # 户次
    person_count: Mapped[int] = mapped_column(Integer)  # 人次
    amount: Mapped[Decimal] = mapped_column(Money)
    run_id: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        Index("uq_daily_summary_key", "measure", "day", "tax_org_code", "insurance_code",
              "payer_kind", "channel", unique=True),
        Index("ix_daily_summary_org_day", "tax_org_code", "day"),
        Index("ix_daily_summary_day", "day"),
    )


class SummaryRunRecord(Base):
    """One refresh: who asked, the scope (an office and its subordinates, '' = all) and dates,
    and what it changed (rows and amounts of the scope before and after)."""

    __tablename__ = "summary_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(60))
    tax_org_code: Mapped[str] = mapped_column(String(12), default="")
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rows_before: Mapped[int] = mapped_column(Integer, default=0)
    rows_after: Mapped[int] = mapped_column(Integer, default=0)
    levied_before: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    levied_after: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    received_before: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    received_after: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class ReportVersionRecord(Base):
    """One version of one office's report for one month. ``body`` is the report's rows as JSON;
    ``fingerprint`` its SHA-256 (equal figures make no new version). SUBMITTED versions are
    frozen: nothing updates them (persistence.report_versions refuses)."""

    __tablename__ = "report_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    tax_org_code: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="DRAFT")  # DRAFT, SUBMITTED
    fingerprint: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    summary_run_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(60), default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_to: Mapped[str] = mapped_column(String(12), default="")
    __table_args__ = (
        Index("uq_report_version_key", "report", "month", "tax_org_code", "version", unique=True),
    )
