"""Reconciliation rules (§6.8, §6.9): classification, completeness, the grace, discrepancy states."""

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.calendar import ClearingCalendar
from gateway.domain.debit import DebitState
from gateway.domain.errors import IllegalTransition
from gateway.domain.reconciliation import (Discrepancy, DiscrepancyKind, DiscrepancyState,
                                           FundAccountLine, ItemOutcome, SubPackage,
                                           absence_checkable, checkable_dates, classify,
                                           completeness_deadline, missing_numbers,
                                           package_complete)

S = DebitState
TUE = dt.date(2024, 11, 5)
FRI = dt.date(2024, 11, 8)
CAL = ClearingCalendar()


@pytest.mark.parametrize("matched,msg,op,amount,voucher,state,outcome", [
    (False, "1001", "20", True, True, None, ItemOutcome.UNKNOWN),
    (False, "1102", "20", True, True, None, ItemOutcome.UNKNOWN),
    (False, "2108", "20", True, True, None, ItemOutcome.COUNTER_UNKNOWN),
    (True, "1001", "20", False, False, S.SUCCEEDED, ItemOutcome.AMOUNT),
    (True, "1001", "20", True, False, S.SUCCEEDED, ItemOutcome.VOUCHER),
    (True, "1001", "97", True, True, S.SUCCEEDED, ItemOutcome.REVERSED_PAID),
    (True, "1001", "97", True, True, S.REVERSED, ItemOutcome.REVERSED),
    (True, "1001", "20", True, True, S.SUCCEEDED, ItemOutcome.SETTLED),
    (True, "1102", "20", True, True, S.FAILED, ItemOutcome.STATE_DIFFERS),
    (True, "1001", "20", True, True, S.IN_DOUBT, ItemOutcome.STATE_DIFFERS),
])
def test_classify(matched, msg, op, amount, voucher, state, outcome):
    assert classify(matched, msg, op, amount, voucher, state) is outcome


def _sub(no, child=2, num=1, amt="10.00", all_num=2, all_amt="20.00"):
    return SubPackage(no, child, all_num, Decimal(all_amt), num, Decimal(amt))


def test_package_complete_needs_every_number_and_the_totals():
    assert not package_complete([])
    assert not package_complete([_sub(1)])
    assert missing_numbers([_sub(1)]) == [2]
    assert package_complete([_sub(1), _sub(2)])
    assert not package_complete([_sub(1), _sub(2, amt="9.99")])
    assert package_complete([SubPackage(1, 1, 0, Decimal("0.00"), 0, Decimal("0.00"))])


def test_completeness_deadline_is_noon_of_the_next_clearing_day():
    assert completeness_deadline(FRI, CAL, 12) == dt.datetime(2024, 11, 11, 12, 0)
    assert completeness_deadline(TUE, CAL, 9) == dt.datetime(2024, 11, 6, 9, 0)


def test_absence_waits_for_the_grace_in_clearing_days():
    assert absence_checkable(FRI, FRI, CAL, 0)
    assert not absence_checkable(FRI, FRI, CAL, 1)
    assert not absence_checkable(FRI, dt.date(2024, 11, 10), CAL, 1)  # Sunday
    assert absence_checkable(FRI, dt.date(2024, 11, 11), CAL, 1)
    assert not absence_checkable(FRI, TUE, CAL, 0)  # a later date is never checked early
    assert checkable_dates([TUE, FRI, TUE], FRI, CAL, 2) == [TUE]


def test_discrepancy_resolves_once_with_a_note():
    d = Discrepancy(1, "14401060000", TUE, DiscrepancyKind.AMOUNT, debit_id=7)
    with pytest.raises(IllegalTransition):
        d.resolve("staff", "  ", dt.datetime(2024, 11, 6, 10))
    d.resolve("staff", "已核实", dt.datetime(2024, 11, 6, 10))
    assert (d.state, d.note, d.resolved_by) == (DiscrepancyState.RESOLVED, "已核实", "staff")
    assert d.settles_on_resolve
    with pytest.raises(IllegalTransition):
        d.resolve("staff", "again", dt.datetime(2024, 11, 6, 11))
    assert not Discrepancy(2, "x", TUE, DiscrepancyKind.UNKNOWN).settles_on_resolve


def test_fund_line_balance_identity_is_exact():
    ok = FundAccountLine("4401000000", "1", "专户", TUE, Decimal("100.00"), Decimal("20.00"),
                         Decimal("5.00"), Decimal("115.00"))
    bad = FundAccountLine("4401000000", "1", "专户", TUE, Decimal("100.00"), Decimal("20.00"),
                          Decimal("5.00"), Decimal("115.01"))
    assert ok.balanced and not bad.balanced and bad.difference == Decimal("-0.01")
