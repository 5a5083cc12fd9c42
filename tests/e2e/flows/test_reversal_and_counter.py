"""Reversal (§6.3) and bank-counter payment (§6.4) end to end."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from gateway.persistence.records import CounterVoucherRecord, DebitRecord
from tests.e2e.flows.harness import System
from tests.support.seed import BANK

AMOUNT = Decimal("12345.60")


def test_reversal_accepted_returns_the_money_and_unpays_the_levies(system: System):
    """``etsgw debit reverse``: 1021 ⇒ 9120 ⇒ 2021 answer 1; debit REVERSED, levies UNPAID, the
    bank returned the money."""
    pid = system.payer("reverse")
    d = system.submit(pid)
    system.wait_debit(d.id, "SUCCEEDED")
    assert system.sim.ledger_totals(system.data.codes[pid])["net"] == AMOUNT
    done = system.etsgw("debit", "reverse", str(d.id), "--reason", "操作失误")
    assert done.returncode == 0, done.stderr
    assert f"sent for debit {d.id}" in done.stdout
    row = system.wait_debit(d.id, ("REVERSED",), timeout=30)
    assert row.state == "REVERSED"
    (reversal,) = system.reversals_of(d.id)
    assert (reversal.state, reversal.answer) == ("DONE", "1")
    assert system.levy_states(pid) == ["UNPAID"] * 3
    totals = system.sim.ledger_totals(system.data.codes[pid])
    assert (totals["debited"], totals["returned"], totals["net"]) == (AMOUNT, AMOUNT, Decimal("0.00"))
    assert system.sim_key("1001", system.debit_key(row))["op_stat"] == "97"


def _voucher_total(system: System, voucher: str) -> Decimal:
    return system.rows(select(CounterVoucherRecord.total_amount)
                       .where(CounterVoucherRecord.tax_vou_no == voucher))[0][0]


def _answered(system: System, kind: str, key: str, pid: int, timeout: float = 20.0) -> str:
    """The gateway's answer (1009 Result / 9120 Result) as the simulator recorded it."""
    row = system.wait(lambda: (k := system.sim_key(kind, key)) and k["answer"] and k, timeout,
                      f"the gateway's answer to {kind} {key}", pid=pid)
    return row["answer"]


def test_counter_payment_success(system: System):
    """Voucher printed (locks nothing); 2091 ⇒ 1009 90000 reserves the levies; 2108 ⇒ 9120
    90000 pays them."""
    pid = system.payer("counter_ok")
    voucher = system.issue_voucher(pid)
    assert system.levy_states(pid) == ["UNPAID"] * 3
    assert _voucher_total(system, voucher) == AMOUNT
    query = system.counter_query(pid, voucher)
    assert _answered(system, "2091", query, pid) == "90000"
    assert system.levy_states(pid) == ["LOCKED"] * 3
    pay = system.sim.counter_pay(BANK, voucher, AMOUNT,
                                 acct=system.data.accounts[pid])
    assert _answered(system, "2108", pay, pid) == "90000"
    system.wait_levies(pid, "PAID")
    (debit,) = system.rows(select(DebitRecord).where(DebitRecord.payer_id == pid))
    assert (debit.kind, debit.state, debit.amount, debit.tax_vou_no) == (
        "COUNTER", "SUCCEEDED", AMOUNT, voucher)
    assert system.bank_debits(pid) == 1


def test_counter_amount_mismatch_is_refused_and_recorded(system: System):
    """A 2108 for another amount ⇒ 9120 24022, recorded for review; the bank returns the money."""
    pid = system.payer("counter_mismatch")
    voucher = system.issue_voucher(pid)
    query = system.counter_query(pid, voucher)
    assert _answered(system, "2091", query, pid) == "90000"
    pay = system.sim.counter_pay(BANK, voucher, AMOUNT - 1,
                                 acct=system.data.accounts[pid])
    assert _answered(system, "2108", pay, pid) == "24022"
    reviews = [r for r in system.reviews("REFUSED_2108") if r.ref == voucher]
    assert len(reviews) == 1 and "24022" in reviews[0].detail
    assert system.levy_states(pid) == ["LOCKED"] * 3  # still reserved for the right payment
    assert system.rows(select(DebitRecord).where(DebitRecord.payer_id == pid)) == []
    totals = system.sim.ledger_totals(system.data.codes[pid])
    assert (totals["debited"], totals["returned"]) == (AMOUNT - 1, AMOUNT - 1)


def test_counter_reservation_expires(system: System):
    """No 2108 within the reservation (8 s here): the levies return to UNPAID; a payment that
    comes after the lapse, while they are still UNPAID, is accepted (§6.4 rule 2 (iv))."""
    pid = system.payer("counter_expiry")
    voucher = system.issue_voucher(pid)
    query = system.counter_query(pid, voucher)
    assert _answered(system, "2091", query, pid) == "90000"
    assert system.levy_states(pid) == ["LOCKED"] * 3
    system.wait_levies(pid, "UNPAID", timeout=30)
    (reserved_until,) = system.rows(select(CounterVoucherRecord.reserved_until)
                                    .where(CounterVoucherRecord.tax_vou_no == voucher))[0]
    assert reserved_until is None
    pay = system.sim.counter_pay(BANK, voucher, AMOUNT)  # cash
    assert _answered(system, "2108", pay, pid) == "90000"
    system.wait_levies(pid, "PAID")


def test_counter_query_on_levies_locked_by_a_debit(system: System):
    """A debit in flight (drop:2001, opstat:10: the ETS keeps saying "no answer yet") holds the
    levies: the 2091 is answered 1009 24021 and a 2108 9120 24021 (the bank returns it). Once the
    ETS reports the debit (fault cleared: OpStat 20) it succeeds."""
    pid = system.payer("counter_locked")
    voucher = system.issue_voucher(pid)
    d = system.submit(pid)
    system.wait_debit(d.id, "ACCEPTED", timeout=10)
    query = system.counter_query(pid, voucher)
    assert _answered(system, "2091", query, pid) == "24021"
    pay = system.sim.counter_pay(BANK, voucher, AMOUNT)  # cash
    assert _answered(system, "2108", pay, pid) == "24021"
    assert [r for r in system.reviews("REFUSED_2108") if r.ref == voucher]
    row = system.wait_debit(d.id, "IN_DOUBT", timeout=20)
    system.wait(lambda: len(system.sent_by_gateway("9003", row)) >= 2, 20,
                "two status queries answered OpStat 10", debit_id=d.id)
    assert system.debit(d.id).state == "IN_DOUBT"
    assert system.levy_states(pid) == ["LOCKED"] * 3
    system.sim.change_account(system.data.accounts[pid], fault=None)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED"), timeout=30)
    assert row.state == "SUCCEEDED"
    assert system.levy_states(pid) == ["PAID"] * 3
