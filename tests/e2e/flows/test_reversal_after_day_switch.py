"""Reversal after the ETS work date moved on (§6.3 "same work date only", §6.11, §7.5).

Its own pair of processes: the day switch moves every later request to the next work date. The
simulator delays its 9101s (configured fault ``delay:9101:6``) so that both refusals are
reached: first the gateway still holds the old work date and sends the 1021, which the ETS
answers 2; once the 9101 has arrived the gateway refuses locally (NotSameWorkDate).
"""

from __future__ import annotations

from decimal import Decimal

from gateway.domain import commands as c
from tests.e2e.flows.harness import NEXT_WORK_DATE, WORK_DATE, System

SIM_FAULTS = ("delay:9101:6",)
AMOUNT = Decimal("12345.60")


def test_reversal_refused_by_the_ets_then_locally_after_the_day_switch(system: System):
    pid = system.payer("reverse_late")
    d = system.submit(pid)
    system.wait_debit(d.id, "SUCCEEDED")

    switched = system.etsgw("sim", "day-switch")
    assert switched.returncode == 0, switched.stderr
    assert f"work date now {NEXT_WORK_DATE}" in switched.stdout
    assert system.sim.status()["work_date"] == NEXT_WORK_DATE
    assert system.gateway_state("work_date") == WORK_DATE  # its 9101 is still on the way

    # The gateway still believes in the old date: it sends the 1021; the ETS answers 2.
    reversal_id = system.rt.bus.handle(c.ReverseDebit(debit_id=d.id, reason="操作失误",
                                                      requested_by="e2e"))
    (reversal,) = system.wait(
        lambda: [r for r in system.reversals_of(d.id) if r.id == reversal_id and r.answer],
        20, "the 2021 for the reversal", debit_id=d.id)
    assert (reversal.state, reversal.answer, reversal.entrust_date.strftime("%Y%m%d")) == (
        "REFUSED", "2", WORK_DATE)
    assert reversal.add_word  # the bank's reason
    row = system.debit(d.id)
    assert row.state == "SUCCEEDED"
    # PAID, or already SETTLED if the day's 3122 (not delayed) has been reconciled (§6.8)
    assert set(system.levy_states(pid)) <= {"PAID", "SETTLED"}
    totals = system.sim.ledger_totals(system.data.codes[pid])
    assert (totals["debited"], totals["returned"]) == (AMOUNT, Decimal("0.00"))

    # The 9101s arrive: the gateway adopts the new date and refuses the reversal itself.
    system.wait(lambda: (system.gateway_state("work_date"), system.gateway_state("sys_stat"))
                == (NEXT_WORK_DATE, "0"), 30, "the gateway to adopt the new work date",
                debit_id=d.id)
    refused = system.etsgw("debit", "reverse", str(d.id), "--reason", "操作失误")
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "reversal.same_work_date" in refused.stderr
    assert len(system.reversals_of(d.id)) == 1  # nothing was sent
    assert system.debit(d.id).state == "SUCCEEDED"
    system.wait_levies(pid, "SETTLED")  # the closed day's 3122 confirmed the money (§6.8)
