"""The one lookup rule of reference parameters (value in force on a date), overlaps refused with
both versions named, gaps reported, and the edits a bureau may make without touching the past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.reference import (ParameterKey, ParameterKind, ParameterVersion,
                                      social_security_year, social_security_year_of, workbook_year)
from gateway.domain.reference_errors import (InvalidParameter, NoValueInForce, NotInFuture,
                                             OverlappingPeriods, VersionInForce)
from gateway.domain.reference_timeline import ParameterTable, Timeline

D, d = Decimal, dt.date
CEILING = ParameterKey(ParameterKind.BASE_CEILING, "4401", "UNIT")
Y2024 = ParameterVersion(CEILING, d(2024, 7, 1), d(2025, 6, 30), D("26421.00"), id=1)
Y2025 = ParameterVersion(CEILING, d(2025, 7, 1), None, D("27500.00"), id=2)


def test_the_value_in_force_on_each_boundary():
    t = Timeline(CEILING, [Y2025, Y2024])  # any order in, date order kept
    assert t.in_force(d(2024, 6, 30)) is None  # the day before the first start
    assert t.in_force(d(2024, 7, 1)) == Y2024  # first day, inclusive
    assert t.in_force(d(2025, 6, 30)) == Y2024  # last day, inclusive
    assert t.in_force(d(2025, 7, 1)) == Y2025  # the successor's first day
    assert t.in_force(d(2099, 1, 1)) == Y2025  # an open end runs on
    with pytest.raises(NoValueInForce, match="2024-06-30"):
        t.value_on(d(2024, 6, 30))


def test_overlapping_periods_are_refused_naming_both():
    clash = ParameterVersion(CEILING, d(2025, 6, 30), None, D("27000.00"), id=3)
    with pytest.raises(OverlappingPeriods) as err:
        Timeline(CEILING, [Y2024, clash])
    assert "#1" in str(err.value) and "#3" in str(err.value)
    assert "2025-06-30" in err.value.first and "27000.00" in err.value.second
    # Sharing a boundary day is an overlap too; the next day is not.
    Timeline(CEILING, [Y2024, ParameterVersion(CEILING, d(2025, 7, 1), None, D("1.00"))])


def test_a_gap_is_reported_and_has_no_value():
    later = ParameterVersion(CEILING, d(2025, 8, 1), None, D("27500.00"), id=2)
    t = Timeline(CEILING, [Y2024, later])
    assert t.gaps() == [(d(2025, 7, 1), d(2025, 7, 31))]
    with pytest.raises(NoValueInForce):
        t.value_on(d(2025, 7, 15))
    # Within a window: before the first version, the hole, and nothing after an open end.
    assert t.gaps(d(2024, 1, 1), d(2026, 1, 1)) == [(d(2024, 1, 1), d(2024, 6, 30)),
                                                    (d(2025, 7, 1), d(2025, 7, 31))]
    assert Timeline(CEILING, [Y2024]).gaps(d(2025, 1, 1), d(2025, 12, 31)) == [
        (d(2025, 7, 1), d(2025, 12, 31))]
    assert Timeline(CEILING).gaps(d(2025, 1, 1), d(2025, 1, 31)) == [(d(2025, 1, 1), d(2025, 1, 31))]


def test_table_lookup_prefers_the_district_then_the_insurance_type():
    city = ParameterVersion(CEILING, d(2024, 7, 1), None, D("26421.00"), id=1)
    district = ParameterVersion(ParameterKey(ParameterKind.BASE_CEILING, "4401", "UNIT",
                                             district_code="440106"), d(2025, 1, 1), None,
                                D("28000.00"), id=2)
    pension = ParameterVersion(ParameterKey(ParameterKind.BASE_CEILING, "4401", "UNIT", "PENSION"),
                               d(2024, 7, 1), None, D("25000.00"), id=3)
    table = ParameterTable([city, district, pension])
    look = lambda on, **kw: table.lookup(ParameterKind.BASE_CEILING, "4401", on, payer_kind="UNIT", **kw)  # noqa: E731
    assert look(d(2025, 2, 1), insurance_code="MEDICAL").id == 1  # no MEDICAL value: every type
    assert look(d(2025, 2, 1), insurance_code="PENSION").id == 3
    assert look(d(2025, 2, 1), insurance_code="MEDICAL", district_code="440106").id == 2
    assert look(d(2024, 12, 31), district_code="440106").id == 1  # district value not yet in force
    with pytest.raises(NoValueInForce):
        table.lookup(ParameterKind.RATE, "4401", d(2025, 1, 1), payer_kind="UNIT",
                     insurance_code="PENSION")


def test_schedule_supersedes_the_value_in_force_from_a_future_date_only():
    t = Timeline(CEILING, [Y2024])
    today = d(2024, 12, 1)
    with pytest.raises(NotInFuture):
        t.schedule(D("30000.00"), today, None, today)
    edit = t.schedule(D("30000.00"), d(2025, 1, 1), None, today)
    assert edit.changed == (ParameterVersion(CEILING, d(2024, 7, 1), d(2024, 12, 31), D("26421.00"), id=1),)
    assert [(v.valid_from, v.valid_to, v.value) for v in edit.added] == [(d(2025, 1, 1), None, D("30000.00"))]
    # A bounded new value: the old one comes back after it.
    edit = t.schedule(D("30000.00"), d(2025, 1, 1), d(2025, 3, 31), today)
    after = t.apply(edit)
    assert [(v.valid_from, v.valid_to, v.value) for v in after.versions] == [
        (d(2024, 7, 1), d(2024, 12, 31), D("26421.00")), (d(2025, 1, 1), d(2025, 3, 31), D("30000.00")),
        (d(2025, 4, 1), d(2025, 6, 30), D("26421.00"))]


def test_a_value_in_force_is_never_edited_a_future_one_is_corrected_or_withdrawn():
    t = Timeline(CEILING, [Y2024])
    today = d(2024, 12, 1)
    with pytest.raises(VersionInForce, match="只能自未来某日起以新值取代"):
        t.correct(1, D("1.00"), d(2025, 1, 1), None, today)
    from dataclasses import replace
    future = ParameterVersion(CEILING, d(2025, 1, 1), None, D("30000.00"), id=5)
    t = Timeline(CEILING, [replace(Y2024, valid_to=d(2024, 12, 31)), future])  # as scheduled
    t2 = t.apply(t.correct(5, D("29000.00"), d(2025, 2, 1), None, today))
    assert [(v.valid_from, v.valid_to, v.value) for v in t2.versions] == [
        (d(2024, 7, 1), d(2025, 1, 31), D("26421.00")), (d(2025, 2, 1), None, D("29000.00"))]
    restored = t2.apply(t2.withdraw(5, today))
    assert [(v.valid_from, v.valid_to) for v in restored.versions] == [(d(2024, 7, 1), None)]
    with pytest.raises(NotInFuture):
        t2.correct(5, D("1.00"), today, None, today)
    with pytest.raises(VersionInForce):
        t2.withdraw(5, d(2025, 2, 1))  # on its first day it is in force


def test_import_accepts_identical_refuses_a_past_overlap_supersedes_in_the_future():
    t = Timeline(CEILING, [Y2024])
    today = d(2025, 3, 1)
    assert not t.add_imported(ParameterVersion(CEILING, Y2024.valid_from, Y2024.valid_to, Y2024.value), today)
    with pytest.raises(OverlappingPeriods):
        t.add_imported(ParameterVersion(CEILING, d(2025, 1, 1), None, D("1.00")), today)
    edit = t.add_imported(ParameterVersion(CEILING, d(2025, 6, 1), None, D("2.00")), today)
    assert edit.changed[0].valid_to == d(2025, 5, 31)


@pytest.mark.parametrize("key,value,message", [
    (dict(kind=ParameterKind.RATE, city_code="4401", payer_kind="UNIT"), "0.16", "险种不能为空"),
    (dict(kind=ParameterKind.RATE, city_code="4401", payer_kind="UNIT", insurance_code="PENSION"),
     "1.20", "0到1"),
    (dict(kind=ParameterKind.RATE, city_code="4401", payer_kind="UNIT", insurance_code="PENSION"),
     "0.12345", "4位小数"),
    (dict(kind=ParameterKind.RATE, city_code="4401", payer_kind="UNIT",
          insurance_code="RESIDENT_MEDICAL"), "0.1", "不适用"),
    (dict(kind=ParameterKind.AVERAGE_WAGE, city_code="4401", payer_kind="UNIT"), "1.00", "不区分"),
    (dict(kind=ParameterKind.BASE_FLOOR, city_code="4401", payer_kind="UNIT",
          district_code="440606"), "1.00", "区县代码"),
    (dict(kind=ParameterKind.RESIDENT_GRADE, city_code="4401", payer_kind="RESIDENT",
          insurance_code="RESIDENT_PENSION"), "180.00", "项目"),
    (dict(kind="NOT_A_KIND", city_code="4401"), "1", "未知参数类别"),
])
def test_bad_keys_and_values_are_refused(key, value, message):
    with pytest.raises(InvalidParameter, match=message):
        ParameterVersion(ParameterKey(**key), d(2025, 1, 1), None, D(value))


def test_values_are_never_float_and_periods_run_forward():
    with pytest.raises(InvalidParameter, match="浮点"):
        ParameterVersion(CEILING, d(2025, 1, 1), None, 26421.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter, match="早于"):
        ParameterVersion(CEILING, d(2025, 1, 1), d(2024, 12, 31), D("1.00"))
    one_day = ParameterVersion(CEILING, d(2025, 1, 1), d(2025, 1, 1), D("1.00"))
    assert one_day.covers(d(2025, 1, 1)) and not one_day.covers(d(2025, 1, 2))


def test_the_social_security_year_runs_july_to_june():
    assert social_security_year(2024) == (d(2024, 7, 1), d(2025, 6, 30))
    assert social_security_year_of(d(2024, 6, 30)) == 2023
    assert social_security_year_of(d(2024, 7, 1)) == 2024
    assert workbook_year(d(2025, 1, 1)) == 2024  # the residents' 2025 standards travel with 2024
