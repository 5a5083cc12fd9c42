"""The unit-declaration rules: line amounts equal the contribution rule, fee periods, the
pending-list message, and what voiding does with each kind of payment lock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.contribution import CityParameters, contribution
from gateway.domain.debit import DebitState
from gateway.domain.declaration import (LockResolution, PortalRefused, Scheme, check_person,
                                        fee_period, pending_message, resolve_lock, terms_of)
from gateway.domain.levy import LockKind

PARAMS = CityParameters("4401", Decimal("5284.00"), Decimal("26421.00"),
                        {"PENSION": Decimal("0.16"), "INJURY": Decimal("0.004"),
                         "MEDICAL": Decimal("0.055")},
                        bounds={"MEDICAL": (Decimal("6000.00"), Decimal("30000.00"))})
NOW = dt.datetime(2026, 11, 16, 10)


@pytest.mark.parametrize("wage", ["0.01", "5283.99", "5284.00", "7777.77", "12345.67", "26421.00",
                                  "26421.01", "99999.99", "1234.56"])
def test_line_amount_is_the_contribution_rule(wage):
    for terms in terms_of(PARAMS):
        assert terms.amount(Decimal(wage)) == contribution(Decimal(wage), terms.insurance_code, PARAMS)


def test_a_rate_with_more_than_four_places_is_refused():
    with pytest.raises(PortalRefused):
        terms_of(CityParameters("4401", Decimal("1"), Decimal("2"), {"PENSION": Decimal("0.12345")}))


def test_fee_period():
    assert fee_period("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert fee_period("2028-02") == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    for bad in ("2026-13", "2026/12", "", "abc"):
        with pytest.raises(PortalRefused):
            fee_period(bad)


def test_pending_message_has_the_figures():
    assert pending_message(Decimal("12345.6"), 3) == "你单位已有 12,345.60 元社保费待银行扣款；本次新增员申报 3 人。"


def test_part_time_injury_scheme_covers_injury_only():
    assert Scheme.INJURY_PT.covers("INJURY") and not Scheme.INJURY_PT.covers("PENSION")
    assert Scheme.FULL.covers("PENSION")


def test_person_checks():
    check_person("11010519491231002X", "张三", Decimal("5000"))
    with pytest.raises(PortalRefused):
        check_person("110105194912310021", "张三", Decimal("5000"))  # check digit
    with pytest.raises(PortalRefused):
        check_person("11010519491231002X", "张三", Decimal("0"))


@pytest.mark.parametrize("kind, state, until, expected", [
    (LockKind.DEBIT, DebitState.SENT, None, LockResolution.QUERY),
    (LockKind.DEBIT, DebitState.IN_DOUBT, None, LockResolution.QUERY),
    (LockKind.DEBIT, DebitState.FAILED, None, LockResolution.UNLOCK),
    (LockKind.DEBIT, DebitState.REVERSED, None, LockResolution.UNLOCK),
    (LockKind.DEBIT, DebitState.SUCCEEDED, None, LockResolution.PAID),
    (LockKind.BATCH_ITEM, DebitState.ACCEPTED, None, LockResolution.QUERY),
    (LockKind.COUNTER, None, NOW - dt.timedelta(minutes=1), LockResolution.UNLOCK),
    (LockKind.COUNTER, None, NOW + dt.timedelta(minutes=30), LockResolution.WAIT),
])
def test_what_voiding_does_with_a_lock(kind, state, until, expected):
    assert resolve_lock(kind, state, until, NOW) is expected
