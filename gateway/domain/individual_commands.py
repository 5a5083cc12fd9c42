"""Commands of the individual portal (灵活就业人员, 城乡居民) and the residents' virtual units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gateway.domain.commands import Command


@dataclass(frozen=True)
class ChangeContact(Command):
    payer_id: int
    phone: str
    address: str
    requested_by: str


@dataclass(frozen=True)
class AdjustBase(Command):
    """缴费基数调整: a flexible person's monthly base, within the city's floor and ceiling."""

    payer_id: int
    base: Decimal
    requested_by: str


@dataclass(frozen=True)
class ChangeInsuranceTypes(Command):
    payer_id: int
    insurance_codes: tuple[str, ...]
    requested_by: str


@dataclass(frozen=True)
class StopInsurance(Command):
    """社保停保: void the unpaid levies and end the agreements, or change nothing."""

    payer_id: int
    requested_by: str


@dataclass(frozen=True)
class ChangeGrade(Command):
    """缴费档次变更 of residents' pension for one year."""

    payer_id: int
    year: int
    grade: str
    requested_by: str


@dataclass(frozen=True)
class PayForOther(Command):
    """代他人缴费: a real-time debit over the payer's agreement of another resident's levies,
    named by ID number and name (which must match)."""

    payer_id: int
    id_number: str
    name: str
    levy_ids: tuple[int, ...]
    requested_by: str


@dataclass(frozen=True)
class ResidentRow:
    """One row of a virtual unit's import file, already parsed."""

    line: int
    id_number: str
    name: str
    insurance_code: str
    year: int
    grade: str


@dataclass(frozen=True)
class DeclareResidents(Command):
    """两居企业端: a virtual unit declares residents; each valid row becomes a levy of that
    resident, invalid rows are reported by line and change nothing."""

    unit_id: int
    rows: tuple[ResidentRow, ...]
    requested_by: str


@dataclass(frozen=True)
class PayDeclared(Command):
    """A virtual unit pays levies it declared, by real-time debit over its own agreement."""

    unit_id: int
    levy_ids: tuple[int, ...]
    requested_by: str
