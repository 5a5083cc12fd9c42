"""Payments: debits (single, batch item, counter), their levies, packages, reversals, counter
vouchers and the review list (duplicates, mismatches, unknown answers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped
from gateway.persistence.types import Money


class DebitRecord(Timestamped, Base):
    """One debit. ``originator`` is the TaxOrgCode for gateway serials (1001, 1102 items) and the
    BankNo for a counter 2108, so that (originator, entrust_date, tra_no) is the business key."""

    __tablename__ = "debit"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    originator: Mapped[str] = mapped_column(String(12))
    tax_org_code: Mapped[str] = mapped_column(String(12))
    entrust_date: Mapped[dt.date] = mapped_column(Date)
    tra_no: Mapped[str] = mapped_column(String(8))
    tax_vou_no: Mapped[str] = mapped_column(String(18))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("package.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(10))
    # A wire result code, or OPSTATnn when a 9004 status decided the debit.
    result_code: Mapped[str] = mapped_column(String(12), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    tax_date: Mapped[dt.date | None] = mapped_column(Date)
    chk_date: Mapped[dt.date | None] = mapped_column(Date)
    resent: Mapped[bool] = mapped_column(Boolean, default=False)
    msg_id: Mapped[str] = mapped_column(String(20), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    query_step: Mapped[int] = mapped_column(Integer, default=0)
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("uq_debit_key", "originator", "entrust_date", "tra_no", unique=True),
        Index("uq_debit_tax_vou_no", "tax_vou_no", "kind", unique=True),
        Index("ix_debit_state_next_check", "state", "next_check_at"),
        Index("ix_debit_msg_id", "msg_id"),
    )


class DebitLevyRecord(Base):
    """The levies one debit covers, in TaxTypeList order (ProjectId = line_no)."""

    __tablename__ = "debit_levy"
    debit_id: Mapped[int] = mapped_column(ForeignKey("debit.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    levy_id: Mapped[int] = mapped_column(ForeignKey("levy.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)


class PackageRecord(Timestamped, Base):
    __tablename__ = "package"
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    entrust_date: Mapped[dt.date] = mapped_column(Date)
    pack_no: Mapped[str] = mapped_column(String(8))
    pay_bk_code: Mapped[str] = mapped_column(String(12))
    item_count: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    return_term: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[dt.datetime | None] = mapped_column(DateTime)
    msg_id: Mapped[str] = mapped_column(String(20), default="")
    resent: Mapped[bool] = mapped_column(Boolean, default=False)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    query_step: Mapped[int] = mapped_column(Integer, default=0)
    # Batch flow (migration 0007): the list it came from and its outcome.
    list_id: Mapped[int | None] = mapped_column(Integer, index=True)
    result_code: Mapped[str] = mapped_column(String(12), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    succ_num: Mapped[int] = mapped_column(Integer, default=0)
    succ_amt: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("uq_package_key", "tax_org_code", "entrust_date", "pack_no", unique=True),
        Index("ix_package_state_deadline", "state", "deadline"),
        Index("ix_package_msg_id", "msg_id"),
    )


class ReversalRecord(Timestamped, Base):
    """One 1021 and its 2021 answer."""

    __tablename__ = "reversal"
    id: Mapped[int] = mapped_column(primary_key=True)
    debit_id: Mapped[int] = mapped_column(ForeignKey("debit.id"), index=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    entrust_date: Mapped[dt.date] = mapped_column(Date)
    cancel_no: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(10), default="SENT")  # SENT, ACCEPTED, DONE, REFUSED
    answer: Mapped[str] = mapped_column(String(1), default="")
    add_word: Mapped[str] = mapped_column(String(60), default="")
    msg_id: Mapped[str] = mapped_column(String(20), default="")
    next_check_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    query_step: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("uq_reversal_key", "tax_org_code", "entrust_date", "cancel_no", unique=True),)


class CounterVoucherRecord(Timestamped, Base):
    """银行端查询缴款凭证: a printed counter-payment voucher. Printing locks nothing; a 2091
    reserves its levies until ``reserved_until``."""

    __tablename__ = "counter_voucher"
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_vou_no: Mapped[str] = mapped_column(String(18), unique=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    reserved_until: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    state: Mapped[str] = mapped_column(String(10), default="ISSUED")  # ISSUED, RESERVED, PAID


class CounterVoucherLevyRecord(Base):
    __tablename__ = "counter_voucher_levy"
    voucher_id: Mapped[int] = mapped_column(ForeignKey("counter_voucher.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    levy_id: Mapped[int] = mapped_column(ForeignKey("levy.id"), index=True)


class ReviewItemRecord(Timestamped, Base):
    """Something a person must look at: a duplicate payment to refund, an amount mismatch, an
    answer for an unknown key, a refused 2108."""

    __tablename__ = "review_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    tax_org_code: Mapped[str] = mapped_column(String(12), default="")
    ref: Mapped[str] = mapped_column(String(80), default="")
    amount: Mapped[Decimal | None] = mapped_column(Money)
    detail: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
