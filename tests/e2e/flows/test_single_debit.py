"""Single real-time debit end to end (§6.2, §7.2, §8): success, every bank refusal, lost and
duplicate answers, in-doubt resolution by status query, and the OpStat 98 resend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.persistence.records import AgreementRecord
from tests.e2e.flows.harness import System

AMOUNT = Decimal("12345.60")  # the seed's three levies: 8640.00 + 3086.40 + 619.20


def test_success_pays_the_levies_and_debits_the_bank_once(system: System):
    pid = system.payer("success")
    d = system.submit(pid)
    assert d.amount == AMOUNT and d.state.value == "SENT"
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED"))
    assert (row.state, row.result_code, row.tax_date) == ("SUCCEEDED", "90000",
                                                          d.entrust_date)
    assert system.levy_states(pid) == ["PAID"] * 3
    assert system.bank_debits(pid) == 1
    answers = system.sim_sent_about(row, "9120") + system.sim_sent_about(row, "2001")
    assert sorted(a["msg_no"] for a in answers) == ["2001", "9120"]
    assert len(system.inbox(a["msg_id"] for a in answers)) == 2  # both applied once


@pytest.mark.parametrize("scenario,code,suspends", [
    ("closed", "24001", True),
    ("frozen", "24004", False),
    ("poor", "24007", False),
    ("no_agreement", "24009", True),
    ("other_holder", "24011", True),
    ("bank_error", "99090", False),
])
def test_bank_refusal_fails_the_debit_and_unlocks(system: System, scenario, code, suspends):
    pid = system.payer(scenario)
    d = system.submit(pid)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED", "IN_DOUBT"))
    assert (row.state, row.result_code) == ("FAILED", code), system.diagnostics(debit_id=d.id)
    assert row.reason  # the bank's AddWord or the code's meaning, for the operator
    assert system.levy_states(pid) == ["UNPAID"] * 3
    assert system.bank_debits(pid) == 0
    state = system.rows(select(AgreementRecord.state).where(
        AgreementRecord.id == system.data.agreements[pid]))[0][0]
    assert state == ("SUSPENDED" if suspends else "ACTIVE")


def test_2001_without_9120_resolves_directly(system: System):
    """drop:9120 — the bank still answers: a final result implies acceptance (§2.3)."""
    pid = system.payer("only_2001")
    d = system.submit(pid)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED"))
    assert (row.state, row.result_code) == ("SUCCEEDED", "90000")
    assert [s["msg_no"] for s in system.sim_sent_about(row, "9120")] == ["9120"]  # put, dropped
    assert system.sent_by_gateway("9003", row) == []  # never in doubt
    assert system.levy_states(pid) == ["PAID"] * 3


def test_no_9120_goes_in_doubt_and_is_resolved_by_status_query(system: System):
    """drop:9120 and drop:2001 — no answer at all: IN_DOUBT after the 9120 timer, 9003, the ETS
    reports OpStat 20 (the bank did debit), SUCCEEDED."""
    pid = system.payer("no_answer")
    d = system.submit(pid)
    system.wait_debit(d.id, "IN_DOUBT", timeout=20)
    assert system.levy_states(pid) == ["LOCKED"] * 3  # the lock holds while in doubt
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED", "REVERSED"), timeout=30)
    assert (row.state, row.result_code) == ("SUCCEEDED", "90000")
    assert system.sent_by_gateway("9003", row)
    assert system.inbox(s["msg_id"] for s in system.sim_sent_about(row, "2001")) == []
    assert system.levy_states(pid) == ["PAID"] * 3
    assert system.bank_debits(pid) == 1


@pytest.mark.parametrize("scenario,state,levies,result", [
    ("opstat20", "SUCCEEDED", "PAID", "90000"),
    ("opstat21", "FAILED", "UNPAID", "OPSTAT21"),
])
def test_no_2001_then_status_query_decides(system: System, scenario, state, levies, result):
    """drop:2001 — accepted, no result within the 2001 timer: IN_DOUBT, 9003, OpStat 20 / 21."""
    pid = system.payer(scenario)
    d = system.submit(pid)
    system.wait_debit(d.id, "ACCEPTED", timeout=10)
    system.wait_debit(d.id, "IN_DOUBT", timeout=20)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED", "REVERSED"), timeout=30)
    assert (row.state, row.result_code) == (state, result)
    assert system.sent_by_gateway("9003", row)
    assert system.levy_states(pid) == [levies] * 3
    assert system.bank_debits(pid) == (1 if state == "SUCCEEDED" else 0)


def test_opstat_98_resends_the_same_1001_once_and_the_bank_answers_94051(system: System):
    """drop:2001*1, opstat:98*1 — the bank debited but its 2001 was lost and the ETS forgot the
    key: the gateway resends the identical 1001 (new MsgID); the bank answers 94051 without a
    second debit."""
    pid = system.payer("opstat98")
    d = system.submit(pid)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED", "REVERSED"), timeout=40)
    assert (row.state, row.result_code, row.resent) == ("SUCCEEDED", "94051", True)
    sent = system.sent_by_gateway("1001", row)
    assert len(sent) == 2
    (_, first), (_, again) = sent
    assert first.body == again.body  # same TraNo, EntrustDate, TaxVouNo and content
    assert first.head.msg_id != again.head.msg_id and again.head.msg_ref == again.head.msg_id
    assert system.levy_states(pid) == ["PAID"] * 3
    assert system.bank_debits(pid) == 1


def test_opstat_98_for_a_lost_1001_resends_and_the_bank_debits(system: System):
    """lose:1001*1 — the 1001 never reached the ETS: no 9120, IN_DOUBT, 9003 answered 98 (not
    found), the same 1001 resent once, debited now."""
    pid = system.payer("lost_1001")
    d = system.submit(pid)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED", "REVERSED"), timeout=40)
    assert (row.state, row.result_code, row.resent) == ("SUCCEEDED", "90000", True)
    assert len(system.sent_by_gateway("1001", row)) == 2
    assert system.sent_by_gateway("9003", row)
    assert system.levy_states(pid) == ["PAID"] * 3
    assert system.bank_debits(pid) == 1


def test_duplicate_2001_is_applied_once(system: System):
    """dup:2001 — the same 2001 (same MsgID) arrives twice: recognised by SRC+MsgID, ignored."""
    pid = system.payer("dup_2001")
    d = system.submit(pid)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED"))
    assert (row.state, row.result_code) == ("SUCCEEDED", "90000")
    (answer,) = system.sim_sent_about(row, "2001")
    gateway = next(p for p in system.procs if p.name == "gateway")
    system.wait(lambda: [e for e in gateway.events() if e.get("event") == "duplicate by MsgID"
                         and e.get("msg_id") == answer["msg_id"]], 20,
                f"the second copy of 2001 {answer['msg_id']} to be recognised", debit_id=d.id)
    assert len(system.inbox([answer["msg_id"]])) == 1
    assert system.reviews("DUPLICATE_PAYMENT") == []
    assert system.levy_states(pid) == ["PAID"] * 3
    assert system.bank_debits(pid) == 1


def test_late_2001_after_resolution_changes_nothing(system: System):
    """delay:2001:10 — longer than the 2001 timer (4 s): IN_DOUBT, resolved by the 9004, then the
    late 2001 arrives, is recorded in the inbox and changes nothing."""
    pid = system.payer("late_2001")
    d = system.submit(pid)
    system.wait_debit(d.id, "IN_DOUBT", timeout=20)
    row = system.wait_debit(d.id, ("SUCCEEDED", "FAILED", "REVERSED"), timeout=30)
    assert (row.state, row.result_code) == ("SUCCEEDED", "90000")
    assert system.sent_by_gateway("9003", row)
    (late,) = system.sim_sent_about(row, "2001")  # put on the simulator's job list
    (recorded,) = system.wait(lambda: system.inbox([late["msg_id"]]), 30,
                              f"the late 2001 {late['msg_id']}", debit_id=d.id)
    assert recorded.outcome == "PROCESSED"
    assert recorded.received_at > row.resolved_at  # it came after the 9004 had decided
    after = system.debit(d.id)
    assert (after.state, after.result_code, after.tax_date, after.resolved_at) == (
        row.state, row.result_code, row.tax_date, row.resolved_at)
    assert system.reviews("DUPLICATE_PAYMENT") == []
    assert system.levy_states(pid) == ["PAID"] * 3
    assert system.bank_debits(pid) == 1
