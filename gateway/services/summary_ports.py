"""Ports of the daily summaries and reports: the set-based work is the repository's (one
INSERT…SELECT per measure), the rules (scope, versions, reminders once) are the handlers'."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, Sequence, cast

from gateway.domain.summary import Arrears, RefreshResult, ReportVersionInfo
from gateway.services.batch_ports import NotificationRepository
from gateway.services.ports import UnitOfWork


class SummaryRepository(Protocol):
    def refresh(self, date_from: dt.date, date_to: dt.date, office_codes: Sequence[str] | None,
                root: str, operator: str, now: dt.datetime) -> RefreshResult: ...

    def office_subtree(self, code: str) -> tuple[str, ...]: ...

    def generate_monthly(self, month: str, operator: str, now: dt.datetime) -> list[int]: ...

    def version(self, version_id: int) -> ReportVersionInfo: ...

    def mark_submitted(self, version_id: int, by: str, to: str, at: dt.datetime) -> bool: ...

    def arrears(self, payer_ids: Sequence[int], office_codes: Sequence[str],
                as_of: dt.date) -> list[Arrears]: ...


class SummaryUnitOfWork(UnitOfWork, Protocol):
    @property
    def summaries(self) -> SummaryRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...


def summary_uow(uow: UnitOfWork) -> SummaryUnitOfWork:
    """The same unit of work, seen with the summary repository (the SQL one has it)."""
    return cast(SummaryUnitOfWork, uow)
