"""The reconciliation port in memory: sub-packages and fund report lines are kept; a run only
counts items (the matching itself is SQL, tested in tests/integration/flows)."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from gateway.domain.reconciliation import (Discrepancy, EntryDetail, FundAccountLine,
                                           PackageView, ReconciliationSummary, SubPackage)
from tests.unit.services.fake_repositories import _Repo

Key = tuple[str, dt.date, str]


class FakeReconciliationRepository(_Repo):
    def _packages(self) -> dict[Key, dict]:
        return self.tx.recon_packages  # type: ignore[no-any-return]

    def store_subpackage(self, tax_org_code: str, chk_date: dt.date, pack_no: str,
                         sub: SubPackage, items: Sequence[EntryDetail], msg_id: str,
                         now: dt.datetime) -> PackageView:
        pkgs = self._packages()
        pkg = pkgs.setdefault((tax_org_code, chk_date, pack_no), dict(
            id=len(pkgs) + 1, state="RECEIVING", subs=[], items=[], alerted=False))
        pkg["subs"].append(sub)
        pkg["items"].extend(items)
        return self._view((tax_org_code, chk_date, pack_no))

    def _view(self, key: Key) -> PackageView:
        p = self._packages()[key]
        return PackageView(p["id"], key[0], key[1], key[2], p["state"], tuple(p["subs"]),
                           p["alerted"])

    def _by_id(self, package_id: int) -> dict:
        return next(p for p in self._packages().values() if p["id"] == package_id)

    def mark_complete(self, package_id: int) -> None:
        self._by_id(package_id)["state"] = "COMPLETE"

    def packages(self, chk_date: dt.date | None = None,
                 states: Sequence[str] = ()) -> list[PackageView]:
        return [self._view(k) for k, p in self._packages().items()
                if (chk_date is None or k[1] == chk_date) and (not states or p["state"] in states)]

    def reconciled_dates(self, tax_org_code: str, since: dt.date, upto: dt.date
                         ) -> list[dt.date]:
        return [k[1] for k, p in self._packages().items()
                if k[0] == tax_org_code and p["state"] == "RECONCILED" and since <= k[1] <= upto]

    def reconcile(self, package: PackageView, absence_dates: Sequence[dt.date], operator: str,
                  now: dt.datetime) -> ReconciliationSummary:
        p = self._by_id(package.id)
        p["state"] = "RECONCILED"
        return ReconciliationSummary(package.tax_org_code, package.chk_date, len(p["items"]),
                                     0, 0, 0, 0)

    def offices_without_package(self, since: dt.date, before: dt.date
                                ) -> list[tuple[str, dt.date]]:
        return []

    def expect_package(self, tax_org_code: str, chk_date: dt.date, now: dt.datetime) -> None:
        raise NotImplementedError("the no-3122 alert is set-based SQL; see "
                                  "tests/integration/flows/test_reconciliation.py")

    def mark_alerted(self, package_id: int, now: dt.datetime) -> None:
        self._by_id(package_id)["alerted"] = True

    def discrepancy(self, discrepancy_id: int) -> Discrepancy | None:
        return None

    def save_discrepancy(self, d: Discrepancy) -> None:
        raise NotImplementedError("resolving is tested on SQLite and PostgreSQL; see "
                                  "tests/integration/flows/test_reconciliation.py")

    def settle_debit(self, debit_id: int) -> int:
        return 0

    def store_fund_report(self, report_date: dt.date, lines: Sequence[FundAccountLine]) -> None:
        self.tx.fund_lines.extend(lines)
