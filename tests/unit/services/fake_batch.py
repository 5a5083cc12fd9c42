"""In-memory repositories of the batch flow (packages and their items, stops, refund cases,
notices), implementing ``gateway.services.batch_ports`` on the open transaction of a
:class:`FakeUnitOfWork`. The set-based building of packages and lists (``drafts``,
``lock_levies``, list entries) is SQL by design and tested on real databases
(``tests/integration/flows/test_batch_packages.py``); here those methods hold plain lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Sequence

from gateway.domain.batch import OPEN, Package
from gateway.domain.debit import MAX_LEVIES_PER_DEBIT, Debit, DebitState
from gateway.domain.errors import DomainError, NotFound
from gateway.domain.package import ItemDraft, StopRequest, StopState
from gateway.domain.pending_list import EntryState, ListKind, ListSummary, Selection
from gateway.domain.realtime_batch import Outcome, PayerWork, RealtimeProgress, RunState
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

    def lock_levies(self, package_id: int, reason: str) -> int:
        return 0

    def entries_packaged(self, list_id: int, package_id: int, levy_ids: Sequence[int]) -> None:
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


_OUTCOME = {DebitState.SENT: Outcome.IN_FLIGHT, DebitState.ACCEPTED: Outcome.IN_FLIGHT,
            DebitState.IN_DOUBT: Outcome.IN_DOUBT, DebitState.SUCCEEDED: Outcome.PAID,
            DebitState.FAILED: Outcome.FAILED, DebitState.REVERSED: Outcome.FAILED}


class FakeRealtimeBatchRepository(_Repo):
    """Runs over ``tx.list_entries`` (dicts: list_id, payer_id, levy_id, state, run_id,
    debit_id, note), which a test seeds as the SQL selection would."""

    def _mine(self, run_id: int, *states: EntryState) -> list[dict]:
        return [e for e in self.tx.list_entries if e["run_id"] == run_id
                and (not states or e["state"] in states)]

    def launch(self, list_id: int, operator: str, max_in_flight: int, now: dt.datetime) -> int:
        run_id = self._new_id()
        taken = [e for e in self.tx.list_entries
                 if e["list_id"] == list_id and e["state"] is EntryState.GENERATED]
        if not taken:
            raise DomainError(f"待批扣清册 {list_id} 没有待发起扣款的条目")
        for e in taken:
            e.update(state=EntryState.REALTIME, run_id=run_id)
        self.tx.realtime_runs[run_id] = {"list_id": list_id, "limit": max_in_flight,
                                         "state": RunState.RUNNING, "finished_at": None}
        return run_id

    def running(self) -> list[tuple[int, int]]:
        return [(i, r["limit"]) for i, r in sorted(self.tx.realtime_runs.items())
                if r["state"] is RunState.RUNNING]

    def settle(self, run_id: int) -> int:
        done = [e for e in self._mine(run_id, EntryState.SENT)
                if not self.tx.debits[e["debit_id"]].unresolved]
        for e in done:
            e["state"] = EntryState.FINISHED
        return len(done)

    def in_flight(self, run_id: int) -> int:
        return len({e["debit_id"] for e in self._mine(run_id, EntryState.SENT)})

    def next_work(self, run_id: int, n: int) -> list[PayerWork]:
        by_payer: dict[int, list[int]] = {}
        for e in sorted(self._mine(run_id, EntryState.REALTIME),
                        key=lambda e: (e["payer_id"], e["levy_id"])):
            by_payer.setdefault(e["payer_id"], []).append(e["levy_id"])
        return [PayerWork(p, tuple(ids[i:i + MAX_LEVIES_PER_DEBIT])) for p, ids in by_payer.items()
                for i in range(0, len(ids), MAX_LEVIES_PER_DEBIT)][:n]

    def _move(self, run_id: int, levy_ids: Sequence[int], **values: object) -> None:
        for e in self._mine(run_id, EntryState.REALTIME):
            if e["levy_id"] in levy_ids:
                e.update(values)

    def mark_sent(self, run_id: int, work: Sequence[tuple[PayerWork, int]]) -> None:
        for w, debit_id in work:
            self._move(run_id, w.levy_ids, state=EntryState.SENT, debit_id=debit_id)

    def mark_refused(self, run_id: int, work: Sequence[tuple[PayerWork, str]]) -> None:
        for w, why in work:
            self._move(run_id, w.levy_ids, state=EntryState.FINISHED, note=why)

    def finish_if_done(self, run_id: int, now: dt.datetime) -> bool:
        run = self.tx.realtime_runs[run_id]
        if run["state"] is RunState.FINISHED or self._mine(run_id, EntryState.REALTIME,
                                                           EntryState.SENT):
            return False
        run.update(state=RunState.FINISHED, finished_at=now)
        return True

    def progress(self, run_id: int) -> RealtimeProgress:
        run = self.tx.realtime_runs[run_id]
        counts = {o: 0 for o in Outcome}
        counts[Outcome.QUEUED] = len({e["payer_id"] for e in self._mine(run_id, EntryState.REALTIME)})
        counts[Outcome.FAILED] = len({e["payer_id"] for e in self._mine(run_id, EntryState.FINISHED)
                                      if e["debit_id"] is None})
        debits = [self.tx.debits[i] for i in {e["debit_id"] for e in self._mine(run_id)} - {None}]
        for d in debits:
            counts[_OUTCOME[d.state]] += 1
        paid = sum((d.amount for d in debits if d.state is DebitState.SUCCEEDED), Decimal("0.00"))
        return RealtimeProgress(run_id, run["list_id"], run["state"], run["limit"], counts, paid,
                                run["finished_at"])
