"""Real-time batch runs in SQL (services.batch_ports.RealtimeBatchRepository).

Every write is one set-based statement over the run's list entries; the debits themselves are
written by ``submit_many``. An item's outcome is read from its debit when asked, so a late
success (or a reversal) after the entry finished shows as it is now.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Sequence

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from gateway.domain.debit import MAX_LEVIES_PER_DEBIT, UNRESOLVED, DebitState
from gateway.domain.errors import DomainError, NotFound
from gateway.domain.pending_list import EntryState
from gateway.domain.realtime_batch import Outcome, PayerWork, RealtimeProgress, RunState
from gateway.persistence.records import (BatchListEntryRecord, BatchListRecord, DebitRecord,
                                         RealtimeBatchRecord)
from gateway.persistence.types import fen_to_yuan

_E = BatchListEntryRecord.__table__
_D = DebitRecord.__table__
_R = RealtimeBatchRecord.__table__
_UNRESOLVED = tuple(s.value for s in UNRESOLVED)
_OUTCOME_OF = {DebitState.SENT.value: Outcome.IN_FLIGHT, DebitState.ACCEPTED.value: Outcome.IN_FLIGHT,
               DebitState.IN_DOUBT.value: Outcome.IN_DOUBT, DebitState.SUCCEEDED.value: Outcome.PAID,
               DebitState.FAILED.value: Outcome.FAILED, DebitState.REVERSED.value: Outcome.FAILED}


class NothingToLaunch(DomainError):
    rule = "batch.list_has_generated_entries"


class RealtimeBatchRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def launch(self, list_id: int, operator: str, max_in_flight: int, now: dt.datetime) -> int:
        if self.s.get(BatchListRecord, list_id) is None:
            raise NotFound(f"待批扣清册 {list_id} 不存在")
        run_id = self.s.execute(_R.insert().values(
            list_id=list_id, operator=operator[:40], max_in_flight=max_in_flight,
            state=RunState.RUNNING.value, created_at=now).returning(_R.c.id)).scalar_one()
        taken = self.s.execute(
            update(_E).where(_E.c.list_id == list_id, _E.c.state == EntryState.GENERATED.value)
            .values(state=EntryState.REALTIME.value, realtime_batch_id=run_id)).rowcount
        if not taken:
            raise NothingToLaunch(f"待批扣清册 {list_id} 没有待发起扣款的条目（已组包、已作废或已完成）")
        return int(run_id)

    def running(self) -> list[tuple[int, int]]:
        return [(r.id, r.max_in_flight) for r in self.s.execute(
            select(_R.c.id, _R.c.max_in_flight).where(_R.c.state == RunState.RUNNING.value)
            .order_by(_R.c.id))]

    def settle(self, run_id: int) -> int:
        final = select(_D.c.id).where(_D.c.id == _E.c.debit_id, _D.c.state.not_in(_UNRESOLVED))
        return self.s.execute(
            update(_E).where(_E.c.realtime_batch_id == run_id, _E.c.state == EntryState.SENT.value,
                             final.exists())
            .values(state=EntryState.FINISHED.value), execution_options={"synchronize_session": False}
        ).rowcount

    def in_flight(self, run_id: int) -> int:
        return int(self.s.execute(select(func.count(func.distinct(_E.c.debit_id))).where(
            _E.c.realtime_batch_id == run_id, _E.c.state == EntryState.SENT.value)).scalar_one())

    def next_work(self, run_id: int, n: int) -> list[PayerWork]:
        queued = and_(_E.c.realtime_batch_id == run_id, _E.c.state == EntryState.REALTIME.value)
        payers = select(_E.c.payer_id).where(queued).distinct().order_by(_E.c.payer_id).limit(n)
        rows = self.s.execute(select(_E.c.payer_id, _E.c.levy_id)
                              .where(queued, _E.c.payer_id.in_(payers.scalar_subquery()))
                              .order_by(_E.c.payer_id, _E.c.levy_id)).all()
        by_payer: dict[int, list[int]] = {}
        for payer_id, levy_id in rows:
            by_payer.setdefault(payer_id, []).append(levy_id)
        work = [PayerWork(pid, tuple(ids[i:i + MAX_LEVIES_PER_DEBIT]))
                for pid, ids in by_payer.items() for i in range(0, len(ids), MAX_LEVIES_PER_DEBIT)]
        return work[:n]

    def mark_sent(self, run_id: int, work: Sequence[tuple[PayerWork, int]]) -> None:
        self._move(run_id, [(levy, debit_id, "") for w, debit_id in work for levy in w.levy_ids],
                   EntryState.SENT)

    def mark_refused(self, run_id: int, work: Sequence[tuple[PayerWork, str]]) -> None:
        self._move(run_id, [(levy, None, why[:200]) for w, why in work for levy in w.levy_ids],
                   EntryState.FINISHED)

    def _move(self, run_id: int, rows: list[tuple[int, int | None, str]], target: EntryState) -> None:
        if not rows:
            return
        stmt = (update(_E).where(_E.c.realtime_batch_id == run_id,
                                 _E.c.state == EntryState.REALTIME.value,
                                 _E.c.levy_id == bindparam("b_levy"))
                .values(state=target.value, debit_id=bindparam("b_debit"), note=bindparam("b_note")))
        self.s.connection().execute(stmt, [{"b_levy": lv, "b_debit": d, "b_note": note}
                                           for lv, d, note in rows])

    def finish_if_done(self, run_id: int, now: dt.datetime) -> bool:
        open_ = (EntryState.REALTIME.value, EntryState.SENT.value)
        left = select(_E.c.id).where(_E.c.realtime_batch_id == run_id, _E.c.state.in_(open_))
        return bool(self.s.execute(update(_R).where(_R.c.id == run_id,
                                                    _R.c.state == RunState.RUNNING.value,
                                                    ~left.exists())
                                   .values(state=RunState.FINISHED.value, finished_at=now)).rowcount)

    def progress(self, run_id: int) -> RealtimeProgress:
        run = self.s.execute(select(_R).where(_R.c.id == run_id)).first()
        if run is None:
            raise NotFound(f"实时批扣 {run_id} 不存在")
        counts = {o: 0 for o in Outcome}
        mine = _E.c.realtime_batch_id == run_id
        counts[Outcome.QUEUED] = int(self.s.execute(select(func.count(func.distinct(_E.c.payer_id)))
                                                    .where(mine, _E.c.state == EntryState.REALTIME.value))
                                     .scalar_one())
        counts[Outcome.FAILED] += int(self.s.execute(
            select(func.count(func.distinct(_E.c.payer_id))).where(
                mine, _E.c.state == EntryState.FINISHED.value, _E.c.debit_id.is_(None))).scalar_one())
        debits = select(_E.c.debit_id).where(mine, _E.c.debit_id.is_not(None)).distinct().subquery()
        paid = case((_D.c.state == DebitState.SUCCEEDED.value, _D.c.amount), else_=0)
        fen = 0
        for state, n, amount in self.s.execute(
                select(_D.c.state, func.count(), func.coalesce(func.sum(paid), 0))
                .where(_D.c.id.in_(select(debits.c.debit_id))).group_by(_D.c.state)):
            counts[_OUTCOME_OF[state]] += n
            fen += _fen(amount)
        return RealtimeProgress(run.id, run.list_id, RunState(run.state), run.max_in_flight,
                                counts, fen_to_yuan(fen), run.finished_at)

    def items(self, run_id: int, offset: int = 0, limit: int = 100) -> list[dict]:
        """A page of the run's debits (one row per debit) for the console and the CLI."""
        stmt = (select(_D.c.id, _D.c.payer_id, _D.c.tax_org_code, _D.c.entrust_date, _D.c.tra_no,
                       _D.c.amount, _D.c.state, _D.c.result_code, _D.c.reason)
                .where(_D.c.id.in_(select(_E.c.debit_id).where(_E.c.realtime_batch_id == run_id)))
                .order_by(_D.c.id).offset(offset).limit(limit))
        return [dict(r._mapping) for r in self.s.execute(stmt)]


def _fen(value: object) -> int:
    """A SUM over the Money column comes back in yuan (its type), a bare 0 as an int."""
    if isinstance(value, Decimal):
        return int(value * 100)
    return int(value)  # type: ignore[call-overload]
