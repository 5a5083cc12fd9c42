"""The real-time batch (§6.5) on a real database (SQLite and PostgreSQL): a list launched as one
1001 per payer with at most N in flight, topped up as debits resolve, an in-doubt debit
resolved by the 9003 back-off (never a second TraNo), a refusal recorded per item, and the run
finishing with the money conserved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gateway.codec.messages import Msg2001, Msg9004, SingleReturn2001, TraStatusReturn9004
from gateway.domain import batch_messages as bm
from gateway.domain.errors import DomainError
from gateway.domain.pending_list import Selection
from gateway.domain.realtime_batch import Outcome, RunState
from gateway.persistence.records import BatchListEntryRecord, DebitRecord, LevyRecord
from tests.integration.flows.conftest import DAY

RUN_AT = dt.datetime(2024, 11, 5, 9, 0)


def rows(h, stmt):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(stmt).all()


def answer(h, req, result="90000"):
    rh = req.body.real_head1001
    return h.deliver(Msg2001(SingleReturn2001(
        ori_tax_org_code=rh.tax_org_code, ori_entrust_date=rh.entrust_date, ori_tra_no=rh.tra_no,
        tax_vou_no=req.body.payment1001.tax_vou_no,
        tax_date=DAY if result == "90000" else None, result=result)), msg_ref=req.head.msg_id)


def sent_1001(h):
    return [m for _, m in h.outbox("1001")]


def progress(h, run_id):
    with h.rt.uow() as uow:
        return uow.realtime_batches.progress(run_id)


def launch(h, limit=2):
    summary = h.handle(bm.SelectLevies(Selection(tax_org_code="14401000000", run_at=RUN_AT), "t"))
    return summary, h.handle(bm.LaunchRealtimeBatch(summary.list_id, "staff1", limit))


def test_a_run_keeps_its_in_flight_limit_and_finishes_with_money_conserved(harness):
    h = harness
    summary, started = launch(h, limit=2)
    payers = sorted({g.payers for g in summary.groups})
    assert started.state is RunState.RUNNING and started.counts[Outcome.QUEUED] == 3 == payers[0]
    assert sent_1001(h) == []  # launching takes the entries; the driver sends
    assert h.handle(bm.AdvanceRealtimeBatches()) == 2
    assert h.handle(bm.AdvanceRealtimeBatches()) == 0  # at its limit
    first, second = sent_1001(h)
    answer(h, first, "90000")
    answer(h, second, "24004")  # 余额不足: final failure, levies unlocked
    h.sweep()  # the sweeper tick settles and tops up
    assert len(sent_1001(h)) == 3
    third = sent_1001(h)[2]
    h.clock.advance(11)
    h.sweep()  # no 9120 in time: IN_DOUBT, the 9003 back-off starts
    mid = progress(h, started.run_id)
    assert (mid.counts[Outcome.PAID], mid.counts[Outcome.FAILED], mid.counts[Outcome.IN_DOUBT]) == (1, 1, 1)
    h.clock.advance(60)
    h.sweep()
    assert len(h.outbox("9003")) == 1 and len(sent_1001(h)) == 3  # queried, not resent
    rh = third.body.real_head1001
    h.deliver(Msg9004(TraStatusReturn9004(rh.tax_org_code, "0", "1001", DAY, "00000000",
                                          rh.tra_no, DAY, "20")))
    h.sweep()
    done = progress(h, started.run_id)
    assert done.state is RunState.FINISHED and done.finished_at is not None
    assert (done.counts[Outcome.PAID], done.counts[Outcome.FAILED], done.total) == (2, 1, 3)
    # Conservation: paid levies are exactly the successful debits' levies, none left locked.
    paid = rows(h, select(func.coalesce(func.sum(LevyRecord.__table__.c.amount), 0))
                .where(LevyRecord.state == "PAID"))[0][0]
    debited = rows(h, select(func.coalesce(func.sum(DebitRecord.__table__.c.amount), 0))
                   .where(DebitRecord.state == "SUCCEEDED"))[0][0]
    assert paid == debited == done.paid_amount
    assert rows(h, select(func.count()).where(LevyRecord.state == "LOCKED"))[0][0] == 0
    assert {r[0] for r in rows(h, select(BatchListEntryRecord.state))} == {"FINISHED"}
    assert len({m.body.real_head1001.tra_no for m in sent_1001(h)}) == 3


def test_an_entry_refused_before_sending_is_a_failed_item_and_never_packaged(harness):
    h = harness
    summary, started = launch(h, limit=5)
    payer = h.data.payers[0]
    with h.rt.app.engine.begin() as conn:  # paid another way between launch and send
        conn.execute(LevyRecord.__table__.update().where(LevyRecord.payer_id == payer)
                     .values(state="PAID"))
    assert h.handle(bm.AdvanceRealtimeBatches()) == 2
    notes = rows(h, select(BatchListEntryRecord.note).where(BatchListEntryRecord.payer_id == payer))
    assert all(n[0] for n in notes)  # the refusal is the item's reason
    assert progress(h, started.run_id).counts[Outcome.FAILED] == 1
    assert h.handle(bm.PackNext(summary.list_id, "t")) is None  # taken by the run
    with pytest.raises(DomainError):
        h.handle(bm.LaunchRealtimeBatch(summary.list_id, "staff1"))  # nothing left to launch
