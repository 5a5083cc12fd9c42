"""Ports of the individual portal: what its use cases need beyond :class:`ports.UnitOfWork`.
The SQL unit of work provides them; :func:`individual_uow` gives a handler that wider view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Protocol, Sequence, cast

from gateway.domain.individual import IndividualProfile
from gateway.domain.parties import Payer
from gateway.domain.reference_timeline import ParameterTable
from gateway.services.ports import UnitOfWork


class IndividualRepository(Protocol):
    def profile(self, payer_id: int, for_update: bool = False) -> IndividualProfile: ...

    def save_profile(self, profile: IndividualProfile, now: dt.datetime) -> None: ...

    def place_of(self, tax_org_code: str) -> tuple[str, str]:
        """(city code, district code) of an office, for the parameters in force."""
        ...

    def parameters(self, city_code: str) -> ParameterTable: ...

    def open_levy_ids(self, payer_id: int) -> list[int]:
        """The payer's UNPAID and LOCKED levies."""
        ...

    def open_agreement_ids(self, payer_id: int) -> list[int]:
        """Agreements not REVOKED or TERMINATED."""
        ...

    def resident_by_id_number(self, id_number: str) -> Payer | None: ...

    def record_proxy(self, debit_id: int, payer_id: int, beneficiary_ids: Sequence[int]) -> None: ...

    def set_grade(self, payer_id: int, year: int, grade: str, amount: Decimal) -> None: ...

    def year_levy_ids(self, payer_id: int, insurance_code: str, year: int) -> list[int]: ...

    def set_amounts(self, levy_ids: Sequence[int], amount: Decimal) -> None:
        """A new amount for UNPAID levies (a changed grade), set-based."""
        ...

    def is_virtual_unit(self, payer_id: int) -> bool: ...

    def residents_by_id_numbers(self, id_numbers: Sequence[str]) -> dict[str, Payer]: ...

    def add_residents(self, payers: Sequence[Payer]) -> dict[str, int]:
        """Insert new resident payers; their ids by ID number."""
        ...

    def existing_levies(self, keys: Sequence[tuple[int, str, dt.date]]) -> set[tuple[int, str, dt.date]]:
        """Which (payer, insurance type, period start) already have a levy."""
        ...

    def declare(self, unit_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert the levies of a virtual unit's declaration and the declaration rows; returns
        the levy ids."""
        ...

    def declared_owners(self, unit_id: int, levy_ids: Sequence[int]) -> set[int]:
        """The residents owning those of ``levy_ids`` that the unit declared."""
        ...


class IndividualUnitOfWork(UnitOfWork, Protocol):
    @property
    def individuals(self) -> IndividualRepository: ...


def individual_uow(uow: UnitOfWork) -> IndividualUnitOfWork:
    """The same unit of work, seen with the individual repository (the SQL one has it)."""
    return cast(IndividualUnitOfWork, uow)
