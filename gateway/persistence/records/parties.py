"""Tax offices, banks, insurance types, payers and insured persons (the reference parameters
are in ``records.reference``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base, Timestamped
from gateway.persistence.types import Money


class TaxOfficeRecord(Base):
    __tablename__ = "tax_office"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("tax_office.code"), index=True)
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    # The district's 6-digit administrative code for district offices and their branches ("" for
    # the province and city offices): district-specific reference parameters are keyed by it.
    district_code: Mapped[str] = mapped_column(String(6), default="", server_default="")


class InsuranceTypeRecord(Base):
    __tablename__ = "insurance_type"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    budget_type: Mapped[str] = mapped_column(String(1), default="1")


class BankRecord(Base):
    """The bank-branch directory: a branch (PayOpBkCode, 行号), the clearing bank (PayBkCode) it
    belongs to, its bank, city and state (gateway.domain.bank_directory)."""

    __tablename__ = "bank"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    clearing_code: Mapped[str] = mapped_column(String(12), index=True)
    bank_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    city_code: Mapped[str] = mapped_column(String(4), default="", server_default="", index=True)
    state: Mapped[str] = mapped_column(String(10), default="ACTIVE", server_default="ACTIVE")
    updated_by: Mapped[str] = mapped_column(String(60), default="", server_default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class TreasuryRecord(Base):
    """Per TaxOrgCode settings of the 1001/1102 TurnAccount block (§9)."""

    __tablename__ = "treasury_route"
    tax_org_code: Mapped[str] = mapped_column(ForeignKey("tax_office.code"), primary_key=True)
    handle_type: Mapped[str] = mapped_column(String(1), default="1")
    payee_bank_no: Mapped[str] = mapped_column(String(12))
    payee_org_code: Mapped[str] = mapped_column(String(10))
    payee_acct: Mapped[str] = mapped_column(String(32))
    payee_name: Mapped[str] = mapped_column(String(200))


class PayerRecord(Timestamped, Base):
    __tablename__ = "payer"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    tax_pay_code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_org_code: Mapped[str] = mapped_column(ForeignKey("tax_office.code"))
    social_security_no: Mapped[str] = mapped_column(String(30), default="")
    __table_args__ = (Index("ix_payer_org_kind", "tax_org_code", "kind"),)


class InsuredPersonRecord(Base):
    """A person insured by a unit. The enrolment columns (issue 15) default so that persons
    loaded without them are enrolled in every insurance type under the unit's main number."""

    __tablename__ = "insured_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("payer.id"), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(50))
    declared_wage: Mapped[Decimal] = mapped_column(Money)
    # The unit registration (社保号) the person is enrolled under; "" means the unit's own
    # payer.social_security_no (gateway.domain.enrolment).
    social_security_no: Mapped[str] = mapped_column(String(30), default="", server_default="")
    scheme: Mapped[str] = mapped_column(String(12), default="FULL", server_default="FULL")
    state: Mapped[str] = mapped_column(String(10), default="ACTIVE", server_default="ACTIVE")
    enrolled_from: Mapped[dt.date | None] = mapped_column(Date)
    removed_from: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (Index("uq_insured_person_unit_id_number", "unit_id", "id_number", unique=True),
                      Index("ix_insured_person_unit_state", "unit_id", "state", "id"),
                      # Covers the staff count of a 10,000-person unit without reading the table.
                      Index("ix_insured_person_unit_cover", "unit_id", "state", "social_security_no",
                            "scheme", "declared_wage", "enrolled_from"),
                      # The preview's GROUP BY (scheme, wage) in index order (migration 0015).
                      Index("ix_insured_person_unit_groups", "unit_id", "state", "scheme",
                            "declared_wage", "enrolled_from"))
