"""应征 (levies) and agreements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped, partial
from gateway.persistence.types import Money


class LevyRecord(Timestamped, Base):
    __tablename__ = "levy"
    id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    tax_org_code: Mapped[str] = mapped_column(ForeignKey("tax_office.code"))
    insurance_code: Mapped[str] = mapped_column(ForeignKey("insurance_type.code"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(10), default="UNPAID")
    lock_kind: Mapped[str | None] = mapped_column(String(12))
    lock_ref: Mapped[str | None] = mapped_column(String(40))
    lock_reason: Mapped[str] = mapped_column(String(200), default="")
    lock_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paid_by: Mapped[str] = mapped_column(String(60), default="")
    tax_date: Mapped[dt.date | None] = mapped_column(Date)
    declaration_no: Mapped[str] = mapped_column(String(30), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Which parameter versions the amount was computed with (records.reference); NULL for levies
    # that came in computed elsewhere.
    parameter_basis_id: Mapped[int | None] = mapped_column(ForeignKey("parameter_basis.id"))
    __table_args__ = (
        # A payer's levies are found by uq_levy_payer_type_period (it starts with the payer);
        # the lock indexes are partial: locking a levy then writes one index entry, not two,
        # and unlocking removes it (migration 0016).
        Index("ix_levy_org_state_type", "tax_org_code", "state", "insurance_code"),
        Index("ix_levy_lock", "lock_kind", "lock_ref", **partial("lock_kind IS NOT NULL")),
        Index("ix_levy_lock_until", "lock_until", **partial("lock_until IS NOT NULL")),
        # One levy per payer, insurance type and fee period.
        Index("uq_levy_payer_type_period", "payer_id", "insurance_code", "period_start", unique=True),
    )


class AgreementRecord(Timestamped, Base):
    __tablename__ = "agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_no: Mapped[str] = mapped_column(String(60), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    tax_org_code: Mapped[str] = mapped_column(ForeignKey("tax_office.code"))
    pay_bk_code: Mapped[str] = mapped_column(String(12))
    pay_op_bk_code: Mapped[str] = mapped_column(String(12))
    pay_acct: Mapped[str] = mapped_column(String(32))
    hand_org_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), default="PENDING")
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_agreement_state_org", "state", "tax_org_code"),)


class VerificationRecord(Timestamped, Base):
    """One 9114 request (verify or revoke) and its 9115 answer."""

    __tablename__ = "verification"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    tax_org_code: Mapped[str] = mapped_column(String(12))
    entrust_date: Mapped[dt.date] = mapped_column(Date)
    vc_no: Mapped[str] = mapped_column(String(8))
    vc_sign: Mapped[str] = mapped_column(String(1))
    state: Mapped[str] = mapped_column(String(10), default="SENT")  # SENT, PASSED, FAILED, REFUSED
    result: Mapped[str] = mapped_column(String(200), default="")
    msg_id: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("uq_verification_key", "tax_org_code", "entrust_date", "vc_no", unique=True),)
