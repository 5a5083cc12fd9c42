"""A package's deadline across the National Day week, and the late 2102 after the deadline
unlocked its levies, between the real gateway and simulator processes (work date Monday
20240930, ReturnTerm 5). The five clearing days after the entrust date skip the 1–7 October
holidays and count Saturday 12 October, the adjusted working day (调休). The processes' clock
is long past that deadline, so the sweeper fails the package at once and unlocks its levies;
one payer then pays by a single debit before the bank's (late) 2102 arrives: the 2102 still pays
the other payers' levies and flags that payer's as duplicate payments (refund cases)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from gateway.domain import batch_messages as bm
from gateway.domain.pending_list import Selection
from gateway.persistence.records import LevyRecord, PackageRecord, RefundCaseRecord
from tests.e2e.flows.harness import System, sim_account


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    sys_ = System.start(tmp_path_factory.mktemp("batch_deadline"), units=3,
                        accounts=lambda d: [sim_account(d, pid) for pid in d.payers],
                        gateway_extra="return_term = 5", sim_extra="package_delay_s = 10",
                        work_date="20240930")
    try:
        yield sys_
        # The duplicate payer was debited twice by the banks: its check is in the test.
        sys_.check_conservation(sys_.data.payers[1:])
    finally:
        sys_.close()


def test_deadline_over_national_day_and_a_late_2102_flags_the_duplicate(system):
    dup, others = system.data.payers[0], system.data.payers[1:]
    system.touched.update(others)
    summary = system.rt.bus.handle(bm.SelectLevies(
        # run_at only decides eligibility (§7.6): the seed's agreements date from September.
        Selection(tax_org_code="14401000000", run_at=dt.datetime(2024, 11, 5, 9)), "e2e"))
    pkg = system.rt.bus.handle(bm.PackNext(summary.list_id, "e2e"))
    assert pkg.entrust_date == dt.date(2024, 9, 30) and pkg.return_term == 5
    # 8, 9, 10, 11 October and Saturday 12 October (调休): the end of the 12th.
    assert pkg.deadline_at == dt.datetime(2024, 10, 13)
    row = system.wait(lambda: (r := system.rows(select(PackageRecord))[0]).state == "FAILED" and r,
                      30, "the sweeper to fail the package past its deadline")
    assert row.result_code == "DEADLINE"
    system.wait_levies(dup, "UNPAID")  # unlocked: payable another way
    debit = system.submit(dup)  # the payer pays by a single real-time debit meanwhile
    system.wait_debit(debit.id, "SUCCEEDED")
    late = system.wait(lambda: (r := system.rows(select(PackageRecord))[0]).state == "ANSWERED"
                       and r, 60, "the bank's late 2102")
    assert late.late and late.succ_num == 3
    for pid in others:
        assert set(system.levy_states(pid)) == {"PAID"}
    assert set(system.levy_states(dup)) == {"PAID"}  # paid once, by the single debit
    # The flag is an event handled after the 2102's commit: its refund cases follow.
    cases = system.wait(lambda: (r := system.rows(select(RefundCaseRecord))) and len(r) == 3 and r,
                        30, "the duplicate payments' refund cases", pid=dup)
    assert sorted(c.levy_id for c in cases) == sorted(system.levy_ids(dup))
    assert {c.state for c in cases} == {"FLAGGED"}
    # The duplicate payer's money: the banks' net = its paid levies + the flagged refunds.
    refunds = sum((c.amount for c in cases), Decimal("0.00"))
    assert system.sim.ledger_totals(system.data.codes[dup])["net"] == \
        system.paid_amount(dup) + refunds
    system.touched.discard(dup)
    assert system.rows(select(func.count()).where(LevyRecord.state == "LOCKED"))[0][0] == 0
