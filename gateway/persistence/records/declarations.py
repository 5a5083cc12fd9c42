"""社会保险费申报 (a unit's declarations), their person × insurance-type lines, and the insured
persons' change history (增员, 减员, 缴费工资调整) — issue 15."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base
from gateway.persistence.types import Money


class DeclarationRecord(Base):
    __tablename__ = "declaration"
    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_no: Mapped[str] = mapped_column(String(30), unique=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    tax_org_code: Mapped[str] = mapped_column(String(12))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # NORMAL, SUPPLEMENT (新增员申报)
    state: Mapped[str] = mapped_column(String(10), default="DECLARED")  # DECLARED, VOIDED
    persons: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    parameter_basis_id: Mapped[int | None] = mapped_column(ForeignKey("parameter_basis.id"))
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime)
    declared_by: Mapped[str] = mapped_column(String(60))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_declaration_payer_period", "payer_id", "period_start"),)


class DeclarationLineRecord(Base):
    """One person × insurance type of a declaration: the wage declared, the base after the
    city's floor and ceiling, the unit rate (in 1/10000) and the amount."""

    __tablename__ = "declaration_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("insured_person.id"))
    insurance_code: Mapped[str] = mapped_column(String(20))
    wage: Mapped[Decimal] = mapped_column(Money)
    base: Mapped[Decimal] = mapped_column(Money)
    rate_e4: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    __table_args__ = (Index("ix_declaration_line_decl", "declaration_id", "person_id",
                            "insurance_code"),
                      Index("ix_declaration_line_person", "person_id"))


class PersonChangeRecord(Base):
    """个人变动历史: one enrolment change of an insured person, as the unit made it."""

    __tablename__ = "person_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("insured_person.id"))
    kind: Mapped[str] = mapped_column(String(12))  # ADD, ADD_INJURY, REMOVE, WAGE
    effective_from: Mapped[dt.date] = mapped_column(Date)
    before: Mapped[str] = mapped_column(String(200), default="")
    after: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_by: Mapped[str] = mapped_column(String(60))
    __table_args__ = (Index("ix_person_change_unit_person", "unit_id", "person_id", "id"),)
