"""A simulated day, end to end (§6.8, §6.9): single debits, a real-time batch, a counter payment,
a reversal and an asynchronous batch (1102 ⇒ 2102) through ``etsgw gateway`` and ``etsgw sim
run``; entry faults injected in the simulator's 3122 (``etsgw sim account set-fault``); then the
ETS day switch. Reconciliation
runs when the last sub-package arrives: every levy whose money reached the treasury is SETTLED,
and the discrepancy list holds exactly the injected faults, each of its kind.

Its own pair of processes (the day switch moves the work date for everything after it); the
absence grace is 0 clearing days so that the omitted entry is listed on this day's run.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from gateway.domain import commands as c
from gateway.persistence.records import (DebitRecord, FundReportLineRecord,
                                         ReconDiscrepancyRecord, ReconPackageRecord)
from tests.e2e.flows.harness import System
from tests.support.seed import BANK, ORG

GATEWAY = {"recon_absent_grace_days": 0}
AMOUNT = Decimal("12345.60")


def _set_fault(system: System, scenario: str, fault: str) -> int:
    pid = system.payer(scenario)
    done = system.etsgw("sim", "account", "set-fault", system.data.accounts[pid], fault)
    assert done.returncode == 0, done.stderr
    return pid


def _counter_payment(system: System, pid: int) -> None:
    voucher = system.issue_voucher(pid)
    query = system.counter_query(pid, voucher)
    system.wait(lambda: (k := system.sim_key("2091", query)) and k["answer"] == "90000", 20,
                "the 1009 to the 2091", pid=pid)
    system.sim.counter_pay(BANK, voucher, AMOUNT, acct=system.data.accounts[pid])
    system.wait_levies(pid, "PAID")


def _async_batch(system: System) -> list[int]:
    """Every UNPAID levy of the office's eligible payers in 1102 packages; waits for the 2102s.
    Returns the payers whose item succeeded."""
    import datetime as dt

    from gateway.domain import batch_messages as bm
    from gateway.domain.pending_list import Selection
    from gateway.persistence.records import PackageRecord
    from gateway.services.handlers.packages import run_list

    summary = system.rt.bus.handle(bm.SelectLevies(
        Selection(tax_org_code=ORG, run_at=dt.datetime.now()), "e2e"))
    packages = run_list(system.rt.bus.handle, summary.list_id, "e2e")
    assert packages, "the batch selected nothing"
    ids = [p.id for p in packages]
    system.wait(lambda: all(r.state == "ANSWERED" for r in system.rows(
        select(PackageRecord).where(PackageRecord.id.in_(ids)))), 60, "the 2102s")
    items = system.rows(select(DebitRecord).where(DebitRecord.package_id.in_(ids)))
    system.touched.update(r.payer_id for r in items)
    assert {r.state for r in items} == {"SUCCEEDED", "FAILED"}  # the accounts' own outcomes
    return sorted(r.payer_id for r in items if r.state == "SUCCEEDED")


def test_a_simulated_day_reconciles_to_exactly_the_injected_faults(system: System):
    # The day's business, each payer with the entry fault (if any) its 3122 entry will carry.
    clean = _set_fault(system, "success", "entry_extra:2108")  # + a counter payment unknown here
    reversed_ = _set_fault(system, "reverse", "")
    reversed_there = _set_fault(system, "reverse_late", "entry_reverse")
    dearer = _set_fault(system, "counter_expiry", "entry_amount")
    revouchered = _set_fault(system, "counter_mismatch", "entry_voucher")
    counter = _set_fault(system, "counter_ok", "entry_extra:1001")  # + an unknown single debit
    batch_clean = _set_fault(system, "late_2001", "")
    batch_omitted = _set_fault(system, "bank_error", "entry_omit")

    singles = {pid: system.submit(pid) for pid in (clean, reversed_, reversed_there, dearer,
                                                   revouchered)}
    batch = system.rt.bus.handle(c.SubmitDebits(tuple(
        c.SubmitDebit(payer_id=pid, levy_ids=system.levy_ids(pid), requested_by="e2e")
        for pid in (batch_clean, batch_omitted))))
    debits = {**singles, batch_clean: batch[0], batch_omitted: batch[1]}
    system.touched.update(debits)
    for d in debits.values():
        system.wait_debit(d.id, "SUCCEEDED")
    done = system.etsgw("debit", "reverse", str(singles[reversed_].id), "--reason", "操作失误")
    assert done.returncode == 0, done.stderr
    system.wait_debit(singles[reversed_].id, "REVERSED")
    _counter_payment(system, counter)
    (counter_debit,) = system.rows(select(DebitRecord).where(DebitRecord.payer_id == counter))
    # The other payers' faults are about 1001s; the asynchronous batch runs without them.
    for scenario in ("only_2001", "no_answer", "opstat20", "opstat21", "opstat98", "lost_1001",
                     "dup_2001", "counter_locked"):
        _set_fault(system, scenario, "")
    batch_paid = _async_batch(system)  # the reversed payer's levies are UNPAID again: in it
    assert reversed_ in batch_paid

    # The ETS day end: 9101, the 3122 (in sub-packages of 2 items), the 3128, 9101.
    switched = system.etsgw("sim", "day-switch", "--max-items", "2")
    assert switched.returncode == 0, switched.stderr

    def reconciled():
        rows = system.rows(select(ReconPackageRecord).where(ReconPackageRecord.tax_org_code == ORG))
        return rows and rows[0].state == "RECONCILED" and rows[0]
    package = system.wait(reconciled, 60, "the 3122 of the day to be reconciled")
    assert package.child_pack_num > 1  # it came in sub-packages

    # Every levy whose money reached the treasury (a clean 20 entry) is SETTLED …
    for pid in (clean, counter, batch_clean, *batch_paid):
        assert system.levy_states(pid) == ["SETTLED"] * 3, pid
    # … and only those whose entry disagrees stay PAID, until staff resolve them (the reversed
    # single debit agrees with its 97; its levies were paid again by the batch).
    still_paid = {pid for pid in system.data.payers if "PAID" in system.levy_states(pid)}
    assert still_paid == {reversed_there, dearer, revouchered, batch_omitted}

    lines = system.rows(select(ReconDiscrepancyRecord).order_by(ReconDiscrepancyRecord.id))
    assert sorted((r.kind, r.debit_id) for r in lines) == sorted([
        ("REVERSED_PAID", singles[reversed_there].id),
        ("AMOUNT", singles[dearer].id),
        ("VOUCHER", singles[revouchered].id),
        ("ABSENT", debits[batch_omitted].id),
        ("COUNTER_UNKNOWN", 0),
        ("UNKNOWN", 0),
    ])
    amount = next(r for r in lines if r.kind == "AMOUNT")
    assert amount.reported_amount - amount.held_amount == Decimal("0.01")
    unknown = {r.kind: r.ori_key for r in lines if r.debit_id == 0}
    assert unknown["COUNTER_UNKNOWN"].startswith("2108/")
    assert unknown["UNKNOWN"].startswith("1001/")
    assert counter_debit.kind == "COUNTER"

    # The 3128 arrived too, stored per special account, its balance identity holding.
    fund = system.wait(lambda: system.rows(select(FundReportLineRecord)), 30, "the 3128")
    assert fund and all(f.balanced for f in fund)

    # Re-running the date (the operator's CLI) changes nothing.
    again = system.etsgw("recon", "run", "--date", package.chk_date.strftime("%Y%m%d"))
    assert again.returncode == 0, again.stderr
    assert len(system.rows(select(ReconDiscrepancyRecord))) == len(lines)
    assert system.levy_states(clean) == ["SETTLED"] * 3
