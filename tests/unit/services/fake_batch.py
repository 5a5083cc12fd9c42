"""In-memory repositories of the batch flow (packages and their items, stops, refund cases,
notices), implementing ``gateway.services.batch_ports`` on the open transaction of a
:class:`FakeUnitOfWork`. The set-based building of packages and lists (``drafts``,
``lock_levies``, list entries) is SQL by design and tested on real databases
(``tests/integration/flows/test_batch_packages.py``); here those methods hold plain lists."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from gateway.domain.batch import OPEN, Package
from gateway.domain.debit import Debit, DebitState
from gateway.domain.errors import NotFound
from gateway.domain.package import ItemDraft, StopRequest, StopState
from gateway.domain.pending_list import EntryState, ListKind, ListSummary, Selection
from gateway.domain.refund import RefundCase
from tests.unit.services.fake_repositories import _copy, _Repo


class FakePackageRepository(_Repo):
    def next_group(self, list_id: int) -> tuple[str, str] | None:
        return None  # lists are SQL; a fake list is always empty

    def drafts(self, list_id: int, org: str, bank: str, max_items: int) -> list[ItemDraft]:
        return []

    def reserve(self, kind: str, scope: str, day: dt.date, n: int) -> int:
        key = (kind, scope, day)
        first = self.tx.serials.get(key, 0) + 1
        self.tx.serials[key] = first + n - 1
        return first

    def add(self, pkg: Package) -> Package:
        self.tx.next_id += 1
        pkg.id = self.tx.next_id
        self.tx.packages[pkg.id] = _copy(pkg)
        return pkg

    def add_items(self, items: Sequence[Debit]) -> None:
        for item in items:
            self.tx.next_id += 1
            item.id = self.tx.next_id
            self.tx.debits[item.id] = _copy(item)

    def lock_levies(self, package_id: int, reason: str) -> tuple[int, int]:
        return 0, 0

    def entries_packaged(self, list_id: int, package_id: int) -> None:
        return None

    def entries_moved(self, package_id: int, target: EntryState,
                      levy_ids: Sequence[int] | None = None) -> None:
        return None

    def get(self, package_id: int) -> Package:
        if package_id not in self.tx.packages:
            raise NotFound(f"批量包 {package_id} 不存在")
        return _copy(self.tx.packages[package_id])

    def by_key(self, org: str, day: dt.date, pack_no: str) -> Package | None:
        for p in self.tx.packages.values():
            if (p.tax_org_code, p.entrust_date, p.pack_no) == (org, day, pack_no):
                return _copy(p)
        return None

    def by_msg_id(self, msg_id: str) -> Package | None:
        found = [p for p in self.tx.packages.values() if p.msg_id == msg_id]
        return _copy(found[0]) if found else None

    def save(self, pkg: Package) -> None:
        self.tx.packages[pkg.id or 0] = _copy(pkg)

    def due(self, now: dt.datetime, limit: int) -> list[Package]:
        return [_copy(p) for p in self.tx.packages.values() if p.state in OPEN and (
            (p.next_check_at is not None and p.next_check_at <= now)
            or (p.deadline_at is not None and p.deadline_at <= now))][:limit]

    def items(self, package_id: int) -> list[Debit]:
        return sorted((_copy(d) for d in self.tx.debits.values() if d.package_id == package_id),
                      key=lambda d: d.tra_no)

    def save_items(self, items: Sequence[Debit]) -> None:
        for item in items:
            self.tx.debits[item.id or 0] = _copy(item)

    def count_items(self, package_id: int, state: DebitState) -> int:
        return sum(1 for d in self.tx.debits.values()
                   if d.package_id == package_id and d.state is state)

    def calendar_overrides(self) -> dict[dt.date, bool]:
        return {}


class FakeStopRepository(_Repo):
    def add(self, stop: StopRequest) -> StopRequest:
        self.tx.next_id += 1
        stop.id = self.tx.next_id
        self.tx.stops[stop.id] = _copy(stop)
        return stop

    def save(self, stop: StopRequest) -> None:
        self.tx.stops[stop.id or 0] = _copy(stop)

    def by_key(self, org: str, day: dt.date, stop_no: str) -> StopRequest | None:
        for s in self.tx.stops.values():
            if (s.tax_org_code, s.entrust_date, s.stop_no) == (org, day, stop_no):
                return _copy(s)
        return None

    def by_msg_id(self, msg_id: str) -> StopRequest | None:
        found = [s for s in self.tx.stops.values() if s.msg_id == msg_id]
        return _copy(found[0]) if found else None

    def open_for(self, package_id: int) -> list[StopRequest]:
        return [_copy(s) for s in self.tx.stops.values()
                if s.package_id == package_id and s.state is StopState.SENT]

    def due(self, now: dt.datetime, limit: int) -> list[StopRequest]:
        return [_copy(s) for s in self.tx.stops.values() if s.state is StopState.SENT
                and s.next_check_at is not None and s.next_check_at <= now][:limit]


class FakeRefundRepository(_Repo):
    def add(self, case: RefundCase) -> RefundCase | None:
        if any((c.levy_id, c.payment) == (case.levy_id, case.payment)
               for c in self.tx.refunds.values()):
            return None
        self.tx.next_id += 1
        case.id = self.tx.next_id
        self.tx.refunds[case.id] = _copy(case)
        return case

    def get(self, refund_id: int) -> RefundCase:
        if refund_id not in self.tx.refunds:
            raise NotFound(f"退费记录 {refund_id} 不存在")
        return _copy(self.tx.refunds[refund_id])

    def save(self, case: RefundCase) -> None:
        self.tx.refunds[case.id or 0] = _copy(case)


class FakeNotificationRepository(_Repo):
    def add(self, payer_id: int, tax_org_code: str, ref: str, body: str) -> bool:
        if any(n[2] == ref for n in self.tx.notices):
            return False
        self.tx.notices.append([payer_id, tax_org_code, ref, body, "PENDING"])
        return True

    def pending(self, limit: int) -> list[tuple[int, int, str]]:
        return [(i, n[0], n[3]) for i, n in enumerate(self.tx.notices) if n[4] == "PENDING"][:limit]

    def mark(self, notice_id: int, sent: bool, at: dt.datetime, error: str = "") -> None:
        self.tx.notices[notice_id][4] = "SENT" if sent else "FAILED"


class FakeBatchListRepository(_Repo):
    def create(self, kind: ListKind, sel: Selection, cutoff: dt.datetime, created_by: str,
               year: int | None = None, month: int | None = None) -> int:
        raise NotImplementedError("lists are set-based SQL; see the integration tests")

    def monthly_exists(self, tax_org_code: str, year: int, month: int) -> int | None:
        return None

    def summary(self, list_id: int, state: EntryState | None = EntryState.GENERATED) -> ListSummary:
        raise NotImplementedError("lists are set-based SQL; see the integration tests")

    def void_payer(self, payer_id: int, reason: str) -> tuple[list[int], list[tuple[int, str]]]:
        return [], []
