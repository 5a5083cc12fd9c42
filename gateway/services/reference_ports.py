"""Ports of the reference-data use cases (implemented by
``gateway.persistence.reference_unit_of_work.SqlReferenceUnitOfWork``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Protocol

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.reference import ParameterKey, ParameterKind, ParameterVersion
from gateway.domain.reference_changes import Proposal, ProposalState
from gateway.domain.reference_timeline import ParameterTable, Timeline, TimelineEdit


class ParameterRepository(Protocol):
    def versions(self, *, city_code: str | None = None, kind: ParameterKind | None = None,
                 starting_from: dt.date | None = None, starting_to: dt.date | None = None,
                 in_force_between: tuple[dt.date, dt.date] | None = None) -> list[ParameterVersion]: ...

    def table(self, city_codes: Iterable[str] | None = None) -> ParameterTable: ...

    def timeline(self, key: ParameterKey, for_update: bool = False) -> Timeline: ...

    def timelines(self, keys: Iterable[ParameterKey], for_update: bool = False
                  ) -> dict[ParameterKey, Timeline]: ...

    def get(self, version_id: int) -> ParameterVersion: ...

    def is_used(self, version_id: int) -> bool: ...

    def apply(self, edits: Iterable[TimelineEdit], proposal_id: int | None) -> list[int]: ...


class ProposalRepository(Protocol):
    def add(self, proposal: Proposal) -> Proposal: ...

    def get(self, proposal_id: int, for_update: bool = False) -> Proposal: ...

    def save(self, proposal: Proposal) -> None: ...

    def list(self, state: ProposalState | None = None, limit: int = 100) -> list[dict[str, Any]]: ...


class BasisRepository(Protocol):
    def basis_for(self, version_ids: Iterable[int]) -> int: ...


class BankDirectory(Protocol):
    def get(self, code: str) -> BankBranch: ...

    def exists(self, code: str) -> bool: ...

    def save(self, branch: BankBranch, by: str, at: dt.datetime) -> bool: ...

    def search(self, *, city_code: str = "", bank_name: str = "", text: str = "",
               state: BranchState | None = None, limit: int = 50, offset: int = 0
               ) -> tuple[int, list[BankBranch]]: ...


class LevyImpact(Protocol):
    def unit_levies(self, city_code: str, start: dt.date, end: dt.date | None,
                    insurance_code: str = "", district_code: str = "") -> list[Any]: ...


class ReferenceUnitOfWork(Protocol):
    parameters: ParameterRepository
    proposals: ProposalRepository
    bases: BasisRepository
    banks: BankDirectory
    impact: LevyImpact

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
