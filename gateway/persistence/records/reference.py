"""Reference parameters with effective periods, the maker-checker proposals that change them,
and the parameter bases that levies record (which versions a levy was computed with).

Values are stored as integers in ten-thousandths (``Fixed4``): rates have four places, amounts
two, and set-based SQL (the recalculation preview) computes exactly on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from gateway.persistence.records.base import Base, Timestamped

SCALE = 10_000


class Fixed4(TypeDecorator[Decimal]):
    """Decimal with up to four places in Python, integer ten-thousandths in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"more than four decimal places: {value!r}")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / SCALE).quantize(Decimal("0.0001"))


_KEY_COLUMNS = ("kind", "city_code", "payer_kind", "insurance_code", "item", "district_code")


class ParameterVersionRecord(Timestamped, Base):
    """One value of one key over [valid_from, valid_to] (inclusive; valid_to NULL = open)."""

    __tablename__ = "parameter_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    city_code: Mapped[str] = mapped_column(String(4))
    payer_kind: Mapped[str] = mapped_column(String(10), default="")
    insurance_code: Mapped[str] = mapped_column(String(20), default="")
    item: Mapped[str] = mapped_column(String(10), default="")
    district_code: Mapped[str] = mapped_column(String(6), default="")
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Fixed4)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("parameter_proposal.id"))
    __table_args__ = (
        Index("ix_parameter_version_key", *_KEY_COLUMNS, "valid_from"),
        Index("ix_parameter_version_city_kind", "city_code", "kind", "valid_from"),
    )


class ParameterProposalRecord(Timestamped, Base):
    """A maker-checker proposal: who proposed, who decided, when and why."""

    __tablename__ = "parameter_proposal"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="PENDING", index=True)
    maker: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    checker: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    applied: Mapped[str] = mapped_column(String(200), default="")  # e.g. "added=3 changed=1 removed=0"


class ParameterChangeRecord(Base):
    """One line of a proposal (see gateway.domain.reference_changes.ParameterChange)."""

    __tablename__ = "parameter_change"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("parameter_proposal.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    city_code: Mapped[str] = mapped_column(String(4))
    payer_kind: Mapped[str] = mapped_column(String(10), default="")
    insurance_code: Mapped[str] = mapped_column(String(20), default="")
    item: Mapped[str] = mapped_column(String(10), default="")
    district_code: Mapped[str] = mapped_column(String(6), default="")
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Fixed4)
    # No foreign key: a withdrawn version is deleted, its proposal line stays as the record.
    target_id: Mapped[int | None] = mapped_column(Integer)


class ParameterBasisRecord(Base):
    """A set of parameter versions that levies were computed with; ``version_ids`` is the sorted
    list as text, so that equal sets are stored once."""

    __tablename__ = "parameter_basis"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_ids: Mapped[str] = mapped_column(String(400))
    __table_args__ = (Index("uq_parameter_basis_version_ids", "version_ids", unique=True),)


class ParameterBasisVersionRecord(Base):
    __tablename__ = "parameter_basis_version"
    basis_id: Mapped[int] = mapped_column(ForeignKey("parameter_basis.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("parameter_version.id"), primary_key=True,
                                            index=True)
