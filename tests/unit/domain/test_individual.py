"""The individual portal's domain rules: contact details, base bounds, insurance-type changes,
the grade-year rule, the name check of paying for others, and what a stop does with a lock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.individual import (IndividualProfile, IndividualRefused, LockedLevy,
                                       LockResolution, ProfileState, check_grade_year, check_person,
                                       grade_years, next_month, resolve_lock)
from gateway.domain.levy import LockKind

NOW = dt.datetime(2026, 11, 16, 10, 0)


def test_contact_details_are_checked():
    profile = IndividualProfile(1)
    with pytest.raises(IndividualRefused, match="手机号码"):
        profile.change_contact("0201234567", "广州市")
    profile.change_contact(" 13800138000 ", " 广州市天河区 ")
    assert (profile.phone, profile.address) == ("13800138000", "广州市天河区")


def test_base_within_floor_and_ceiling_from_next_month():
    profile = IndividualProfile(1)
    floor, ceiling = Decimal("4588.00"), Decimal("27501.00")
    with pytest.raises(IndividualRefused, match="4,588.00"):
        profile.adjust_base(Decimal("4587.99"), floor, ceiling, NOW.date())
    with pytest.raises(IndividualRefused):
        profile.adjust_base(Decimal("27501.01"), floor, ceiling, NOW.date())
    assert profile.adjust_base(Decimal("27501"), floor, ceiling, NOW.date()) == dt.date(2026, 12, 1)
    assert profile.base == Decimal("27501.00")
    assert next_month(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)


def test_medical_changes_directly_pension_is_dropped_at_the_office_only():
    profile = IndividualProfile(1)
    profile.change_types(("PENSION",))
    assert profile.insurance_codes == ("PENSION",)
    profile.change_types(("MEDICAL", "PENSION"))
    assert profile.insurance_codes == ("PENSION", "MEDICAL")
    with pytest.raises(IndividualRefused, match="社保经办机构"):
        profile.change_types(("MEDICAL",))
    with pytest.raises(IndividualRefused):
        profile.change_types(())


def test_a_stopped_person_changes_nothing_more():
    profile = IndividualProfile(1)
    profile.stop(NOW)
    assert profile.state is ProfileState.STOPPED
    for change in (lambda: profile.stop(NOW), lambda: profile.change_types(("PENSION",)),
                   lambda: profile.adjust_base(Decimal("5000"), Decimal("1"), Decimal("9999"), NOW.date())):
        with pytest.raises(IndividualRefused, match="已停保"):
            change()


@pytest.mark.parametrize("year,ok", [(2026, True), (2027, True), (2028, False), (2025, False)])
def test_grade_year_is_this_or_next(year, ok):
    assert grade_years(NOW.date()) == (2026, 2027)
    if ok:
        assert check_grade_year(year, NOW.date()) == year
    else:
        with pytest.raises(IndividualRefused, match="当年（2026）或次年（2027）"):
            check_grade_year(year, NOW.date())


def test_paying_for_another_needs_the_exact_name_and_does_not_say_which_part_was_wrong():
    check_person("440106199001011237", "张三", "张三")
    for stored, given in (("张三", "张四"), (None, "张三"), ("张三", "x")):
        with pytest.raises(IndividualRefused) as refused:
            check_person("440106199001011237", given, stored)
        assert str(refused.value) == "身份证号码与姓名不匹配，或该人员不是城乡居民参保人"


@pytest.mark.parametrize("lock,verdict", [
    (LockedLevy(1, LockKind.DEBIT, "FAILED"), LockResolution.RELEASE),
    (LockedLevy(1, LockKind.DEBIT, "REVERSED"), LockResolution.RELEASE),
    (LockedLevy(1, LockKind.DEBIT, "SUCCEEDED"), LockResolution.REFUSE),
    (LockedLevy(1, LockKind.DEBIT, "IN_DOUBT"), LockResolution.QUERY),
    (LockedLevy(1, LockKind.DEBIT, "SENT"), LockResolution.QUERY),
    (LockedLevy(1, LockKind.BATCH_ITEM, "SENT"), LockResolution.REFUSE),
    (LockedLevy(1, LockKind.COUNTER, None, NOW - dt.timedelta(minutes=1)), LockResolution.RELEASE),
    (LockedLevy(1, LockKind.COUNTER, None, NOW + dt.timedelta(hours=1)), LockResolution.REFUSE),
])
def test_what_a_stop_does_with_a_locked_levy(lock, verdict):
    assert resolve_lock(lock, NOW)[0] is verdict
