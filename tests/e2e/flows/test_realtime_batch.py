"""A real-time batch (§6.5) of 1,000 payers between the real gateway and simulator processes,
with faults injected per account: the gateway's own sweeper tick drives the run (one 1001 per
payer through ``submit_many``, bounded in flight); every debit ends resolved by the single-debit
rules (lost 1001 → 9003 → OpStat 98 → the same 1001 once more; no 9120/2001 → 9003), and the
money is conserved: the banks' net debits equal the gateway's paid levies, no levy is paid twice,
none is left locked, and no payer got a second TraNo."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from gateway.domain import batch_messages as bm
from gateway.domain.pending_list import Selection
from gateway.domain.realtime_batch import Outcome, RunState
from gateway.persistence.records import (BatchListEntryRecord, DebitLevyRecord, DebitRecord,
                                         LevyRecord, OutboxRecord)
from tests.e2e.flows.harness import LOW_BALANCE, System, sim_account

PAYERS = 1000
RUN_LIMIT = 100  # the run's own in-flight bound; the gateway-wide one is set to 200 below
# Per payer i, by i % 10: what its bank account does wrong.
FAULTS = {0: {"balance": LOW_BALANCE},                   # 24007: failed, levies unlocked
          1: {"fault": "drop:9120"},                     # only the 2001
          2: {"fault": "drop:9120,drop:2001"},           # in doubt → 9003 → OpStat 20
          3: {"fault": "lose:1001*1"},                   # lost → 9003 → 98 → the same 1001 again
          4: {"frozen": True},                           # 24004
          5: {"fault": "dup:2001"}}                      # the 2001 twice (same MsgID)
EXPECTED_FAILED = PAYERS // 10 * 2  # poor and frozen


def accounts(data):  # noqa: ANN001, ANN201
    return [sim_account(data, pid, **FAULTS.get(i % 10, {}))
            for i, pid in enumerate(data.payers)]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """This module's own pair of processes: 1,000 payers, not the scenario seed."""
    started = time.monotonic()
    sys_ = System.start(tmp_path_factory.mktemp("realtime_batch"), units=PAYERS,
                        accounts=accounts, gateway_extra="max_in_flight = 200")
    print(f"\n1,000-payer system up in {time.monotonic() - started:.1f} s")
    try:
        yield sys_
        sys_.check_conservation(sys_.data.payers)
    finally:
        sys_.close()


def progress(system, run_id):  # noqa: ANN001, ANN201
    with system.rt.uow() as uow:
        return uow.realtime_batches.progress(run_id)


def test_1000_payers_with_faults_end_resolved_and_conserved(system):
    system.touched.update(system.data.payers)
    summary = system.rt.bus.handle(bm.SelectLevies(
        Selection(tax_org_code="14401000000", run_at=dt.datetime(2024, 11, 5, 9)), "e2e"))
    assert summary.levies == 3 * PAYERS
    started = time.monotonic()
    run = system.rt.bus.handle(bm.LaunchRealtimeBatch(summary.list_id, "e2e", RUN_LIMIT))
    assert run.counts[Outcome.QUEUED] == PAYERS
    peak = 0

    def finished():  # noqa: ANN202
        nonlocal peak
        now = progress(system, run.run_id)
        peak = max(peak, now.counts[Outcome.IN_FLIGHT] + now.counts[Outcome.IN_DOUBT])
        return now.done and now

    done = system.wait(finished, 240, "the real-time batch to finish")
    print(f"1,000-payer real-time batch finished in {time.monotonic() - started:.1f} s "
          f"(peak {peak} in flight)")
    assert done.state is RunState.FINISHED and peak <= RUN_LIMIT
    assert done.counts[Outcome.FAILED] == EXPECTED_FAILED
    assert done.counts[Outcome.PAID] == PAYERS - EXPECTED_FAILED and done.total == PAYERS
    d, dl, lv = DebitRecord, DebitLevyRecord, LevyRecord
    assert system.rows(select(func.count()).where(d.state.in_(("SENT", "ACCEPTED", "IN_DOUBT")))
                       )[0][0] == 0
    # One debit (one TraNo) per payer: a lost 1001 was resent with the same key, never anew.
    per_payer = system.rows(select(d.payer_id, func.count()).group_by(d.payer_id))
    assert len(per_payer) == PAYERS and {n for _, n in per_payer} == {1}
    sent = {system.codec.decode(r.body, ccsid=r.ccsid).body.real_head1001.tra_no
            for r in system.rows(select(OutboxRecord).where(OutboxRecord.msg_no == "1001"))}
    assert sent == {r.tra_no for r in system.rows(select(d.tra_no))}
    # Money: paid levies = successful debits; no levy in two successful debits; none locked.
    paid = system.rows(select(func.coalesce(func.sum(lv.amount), 0)).where(lv.state == "PAID"))[0][0]
    debited = system.rows(select(func.coalesce(func.sum(d.amount), 0))
                          .where(d.state == "SUCCEEDED"))[0][0]
    assert paid == debited == done.paid_amount
    twice = system.rows(select(dl.levy_id).join(d, d.id == dl.debit_id)
                        .where(d.state == "SUCCEEDED").group_by(dl.levy_id)
                        .having(func.count() > 1))
    assert twice == []
    assert system.rows(select(func.count()).where(lv.state == "LOCKED"))[0][0] == 0
    assert {r[0] for r in system.rows(select(BatchListEntryRecord.state))} == {"FINISHED"}
