"""Day-end reconciliation (§6.8) and fund entry reports (§6.9): the 3122 packages and their
items as received, the discrepancy list, and the 3128 accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped
from gateway.persistence.types import Money


class ReconPackageRecord(Timestamped, Base):
    """One 3122 package (TaxOrgCode, ChkDate, PackNo) and its reconciliation: RECEIVING until
    every sub-package has arrived, COMPLETE, then RECONCILED (with the last run's figures)."""

    __tablename__ = "recon_package"
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    chk_date: Mapped[dt.date] = mapped_column(Date)
    pack_no: Mapped[str] = mapped_column(String(8))
    child_pack_num: Mapped[int] = mapped_column(Integer)
    all_num: Mapped[int] = mapped_column(Integer)
    all_amt: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(10), default="RECEIVING")
    items: Mapped[int] = mapped_column(Integer, default=0)
    settled_items: Mapped[int] = mapped_column(Integer, default=0)
    settled_levies: Mapped[int] = mapped_column(Integer, default=0)
    discrepancies: Mapped[int] = mapped_column(Integer, default=0)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    reconciled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reconciled_by: Mapped[str] = mapped_column(String(40), default="")
    alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("uq_recon_package_key", "tax_org_code", "chk_date", "pack_no", unique=True),
        Index("ix_recon_package_state", "state", "chk_date"),
    )


class ReconSubPackageRecord(Base):
    """One sub-package as its head described it (duplicates never reach here: §4.3 key)."""

    __tablename__ = "recon_subpackage"
    package_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cur_pack_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    cur_pack_num: Mapped[int] = mapped_column(Integer)
    cur_pack_amt: Mapped[Decimal] = mapped_column(Money)
    msg_id: Mapped[str] = mapped_column(String(20), default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReconItemRecord(Base):
    """One CompDeduct3122 item, with what matching found: the transaction (``debit_id``) and
    the outcome (domain.reconciliation.ItemOutcome)."""

    __tablename__ = "recon_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(Integer)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    chk_date: Mapped[dt.date] = mapped_column(Date)
    cur_pack_no: Mapped[int] = mapped_column(Integer)
    line_no: Mapped[int] = mapped_column(Integer)
    payee_org_code: Mapped[str] = mapped_column(String(10))
    ori_msg_no: Mapped[str] = mapped_column(String(4))
    ori_send_org_code: Mapped[str] = mapped_column(String(12))
    ori_entrust_date: Mapped[dt.date] = mapped_column(Date)
    ori_pack_no: Mapped[str] = mapped_column(String(8))
    ori_tra_no: Mapped[str] = mapped_column(String(8))
    ori_tax_vou_no: Mapped[str] = mapped_column(String(18))
    tra_amt: Mapped[Decimal] = mapped_column(Money)
    tax_date: Mapped[dt.date] = mapped_column(Date)
    op_stat: Mapped[str] = mapped_column(String(2))
    debit_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    __table_args__ = (
        Index("uq_recon_item_line", "package_id", "cur_pack_no", "line_no", unique=True),
        Index("ix_recon_item_debit", "debit_id"),
    )


class ReconDiscrepancyRecord(Timestamped, Base):
    """One line of the discrepancy list of (TaxOrgCode, ChkDate). ``item_id`` / ``debit_id`` are
    0 when there is none, so that (kind, item_id, debit_id) makes a re-run add nothing twice."""

    __tablename__ = "recon_discrepancy"
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    chk_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer, default=0)
    debit_id: Mapped[int] = mapped_column(Integer, default=0)
    ori_key: Mapped[str] = mapped_column(String(60), default="")
    reported_amount: Mapped[Decimal | None] = mapped_column(Money)
    held_amount: Mapped[Decimal | None] = mapped_column(Money)
    reported_voucher: Mapped[str] = mapped_column(String(18), default="")
    held_voucher: Mapped[str] = mapped_column(String(18), default="")
    held_state: Mapped[str] = mapped_column(String(10), default="")
    state: Mapped[str] = mapped_column(String(10), default="OPEN")
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(40), default="")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("uq_recon_discrepancy_line", "kind", "item_id", "debit_id", unique=True),
        Index("ix_recon_discrepancy_list", "tax_org_code", "chk_date", "state", "kind"),
    )


class FundReportLineRecord(Timestamped, Base):
    """One special account of a 3128 (ReportDate), with the balance identity's verdict."""

    __tablename__ = "fund_report_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_date: Mapped[dt.date] = mapped_column(Date)
    tre_code: Mapped[str] = mapped_column(String(10))
    acct_code: Mapped[str] = mapped_column(String(32))
    acct_name: Mapped[str] = mapped_column(String(200), default="")
    acct_date: Mapped[dt.date | None] = mapped_column(Date)
    yesterday_balance: Mapped[Decimal] = mapped_column(Money)
    today_receipt: Mapped[Decimal] = mapped_column(Money)
    today_pay: Mapped[Decimal] = mapped_column(Money)
    today_balance: Mapped[Decimal] = mapped_column(Money)
    balanced: Mapped[bool] = mapped_column(Boolean)
    difference: Mapped[Decimal] = mapped_column(Money)  # signed: Y + R − P − T
    __table_args__ = (
        Index("uq_fund_report_line", "report_date", "tre_code", "acct_code", unique=True),
    )
