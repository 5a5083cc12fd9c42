"""The individual portal's own rows: a person's profile (contact details, base, insurance types,
stop state), residents' pension grade per year, who paid for whom (代他人缴费, virtual units),
and the units of residents (两居企业) with what they declared."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped
from gateway.persistence.types import Money


class IndividualProfileRecord(Base):
    __tablename__ = "individual_profile"
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    base: Mapped[Decimal | None] = mapped_column(Money)
    base_from: Mapped[dt.date | None] = mapped_column(Date)
    insurance_codes: Mapped[str] = mapped_column(String(100), default="PENSION,MEDICAL")
    state: Mapped[str] = mapped_column(String(10), default="ACTIVE")
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ResidentGradeRecord(Timestamped, Base):
    """缴费档次: the residents' pension grade a person chose for one calendar year."""

    __tablename__ = "resident_grade"
    id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    __table_args__ = (Index("uq_resident_grade_payer_year", "payer_id", "year", unique=True),)


class ProxyPaymentRecord(Timestamped, Base):
    """A debit that paid another person's levies: who paid (a person or a virtual unit) and for
    whom."""

    __tablename__ = "proxy_payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    debit_id: Mapped[int] = mapped_column(ForeignKey("debit.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    __table_args__ = (Index("uq_proxy_payment_debit_beneficiary", "debit_id", "beneficiary_id",
                            unique=True),)


class VirtualUnitRecord(Base):
    """两居企业: a unit that declares and pays for urban-rural residents."""

    __tablename__ = "virtual_unit"
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), primary_key=True)


class ResidentDeclarationRecord(Timestamped, Base):
    """One resident a virtual unit declared, and the levy it created."""

    __tablename__ = "resident_declaration"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    levy_id: Mapped[int] = mapped_column(ForeignKey("levy.id"))
    __table_args__ = (Index("uq_resident_declaration_levy", "levy_id", unique=True),)
