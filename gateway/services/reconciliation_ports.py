"""Ports of day-end reconciliation (§6.8) and the fund entry report (§6.9): what their use
cases need beyond :class:`ports.UnitOfWork`. The SQL unit of work provides them;
:func:`recon_uow` gives a handler that wider view of the unit of work it got."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, Sequence, cast

from gateway.domain.reconciliation import (Discrepancy, EntryDetail, FundAccountLine,
                                           PackageView, ReconciliationSummary, SubPackage)
from gateway.services.ports import UnitOfWork


class ReconciliationRepository(Protocol):
    def store_subpackage(self, tax_org_code: str, chk_date: dt.date, pack_no: str,
                         sub: SubPackage, items: Sequence[EntryDetail], msg_id: str,
                         now: dt.datetime) -> PackageView:
        """Keep one sub-package and its items; returns the package with every sub so far."""
        ...

    def mark_complete(self, package_id: int) -> None: ...

    def packages(self, chk_date: dt.date | None = None,
                 states: Sequence[str] = ()) -> list[PackageView]: ...

    def reconciled_dates(self, tax_org_code: str, since: dt.date, upto: dt.date
                         ) -> list[dt.date]: ...

    def reconcile(self, package: PackageView, absence_dates: Sequence[dt.date], operator: str,
                  now: dt.datetime) -> ReconciliationSummary:
        """Match, classify, settle and list the discrepancies of one package, set-based."""
        ...

    def offices_without_package(self, since: dt.date, before: dt.date
                                ) -> list[tuple[str, dt.date]]: ...

    def expect_package(self, tax_org_code: str, chk_date: dt.date, now: dt.datetime) -> None: ...

    def mark_alerted(self, package_id: int, now: dt.datetime) -> None: ...

    def discrepancy(self, discrepancy_id: int) -> Discrepancy | None: ...

    def save_discrepancy(self, d: Discrepancy) -> None: ...

    def settle_debit(self, debit_id: int) -> int:
        """PAID levies of one succeeded transaction → SETTLED; returns how many."""
        ...

    def store_fund_report(self, report_date: dt.date, lines: Sequence[FundAccountLine]) -> None: ...


class ReconciliationUnitOfWork(UnitOfWork, Protocol):
    @property
    def reconciliation(self) -> ReconciliationRepository: ...


def recon_uow(uow: UnitOfWork) -> ReconciliationUnitOfWork:
    """The same unit of work, seen with the reconciliation repository (the SQL one has it)."""
    return cast(ReconciliationUnitOfWork, uow)
