import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.calendar import ClearingCalendar, CutoffRule
from gateway.domain.errors import InvalidAmount
from gateway.domain.identifiers import (id_check_char, is_valid_id_number, is_valid_uscc,
                                        uscc_check_char)
from gateway.domain.money import money, parse_amount, round_fen, to_wire, total
from gateway.domain.batch import chunk_levies, split_packages


def test_money_is_exact():
    assert money("12.30") == Decimal("12.30") and str(money(5)) == "5.00"
    with pytest.raises(InvalidAmount):
        money(0.1)
    with pytest.raises(InvalidAmount):
        money("1.001")
    with pytest.raises(InvalidAmount):
        money("NaN")
    assert total([Decimal("0.10")] * 3) == Decimal("0.30")
    assert round_fen(Decimal("2.675")) == Decimal("2.68")


def test_wire_amounts():
    assert to_wire(Decimal("12345.6")) == "12345.60"
    assert parse_amount("0.01") == Decimal("0.01")
    assert parse_amount("0.00", allow_zero=True) == 0
    for bad in ("0.00", "01.00", "1.0", "-1.00", "1,000.00", " 1.00", "1234567890123456.00"):
        with pytest.raises(InvalidAmount):
            parse_amount(bad)
    assert parse_amount("999999999999999.99") == Decimal("999999999999999.99")


def test_id_number_and_uscc_check_digits():
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number("110105194912310021")
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_clearing_days_and_deadline():
    cal = ClearingCalendar(holidays=frozenset(dt.date(2024, 10, d) for d in range(1, 8)),
                           extra_workdays=frozenset({dt.date(2024, 10, 12)}), years=frozenset({2024}))
    assert not cal.is_clearing_day(dt.date(2024, 10, 7))  # Monday holiday
    assert cal.is_clearing_day(dt.date(2024, 10, 12))  # Saturday working day (调休)
    assert cal.is_clearing_day(dt.date(2025, 3, 3)) and not cal.is_clearing_day(dt.date(2025, 3, 1))
    # The interface's example: Tuesday 20241105 with ReturnTerm 1 expires at the end of 20241106.
    assert cal.package_deadline(dt.date(2024, 11, 5), 1) == dt.datetime(2024, 11, 7, 0, 0)
    # Friday + 1 clearing day = Monday
    assert cal.nth_clearing_day_after(dt.date(2024, 11, 8), 1) == dt.date(2024, 11, 11)
    assert cal.nth_clearing_day_after(dt.date(2024, 9, 30), 1) == dt.date(2024, 10, 8)


def test_monthly_cutoff():
    rule = CutoffRule()
    assert rule.cutoff_of(2024, 2) == dt.datetime(2024, 2, 24, 18)
    assert rule.cutoff_of(2024, 3) == dt.datetime(2024, 3, 26, 18)
    run = dt.datetime(2024, 11, 10, 9)
    assert rule.eligible(dt.datetime(2024, 10, 26, 18, 0), run)
    assert not rule.eligible(dt.datetime(2024, 10, 26, 18, 1), run)
    assert rule.after_cutoff(dt.datetime(2024, 2, 24, 18, 1))
    assert not rule.after_cutoff(dt.datetime(2024, 3, 24, 18, 1))
    assert rule.first_batch_month(dt.datetime(2024, 12, 27, 9)) == (2025, 2)
    assert rule.first_batch_month(dt.datetime(2024, 11, 10, 9)) == (2024, 12)


def test_grouping_rules():
    assert [len(c) for c in chunk_levies(list(range(250)))] == [99, 99, 52]
    assert [len(p) for p in split_packages(range(7001), 3000)] == [3000, 3000, 1001]
