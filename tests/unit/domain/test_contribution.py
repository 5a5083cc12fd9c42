from decimal import Decimal

import pytest

from gateway.domain.contribution import CityParameters, contribution, contribution_base
from gateway.domain.errors import InvalidAmount

GZ = CityParameters(city_code="4401", wage_floor=Decimal("5284.00"), wage_ceiling=Decimal("26421.00"),
                    rates={"PENSION": Decimal("0.16"), "MEDICAL": Decimal("0.055"),
                           "UNEMPLOYMENT": Decimal("0.0032"), "INJURY": Decimal("0.0026")})


def test_floor_applies_below_minimum():
    assert contribution_base(Decimal("3000.00"), GZ) == Decimal("5284.00")
    assert contribution(Decimal("3000.00"), "PENSION", GZ) == Decimal("845.44")


def test_ceiling_applies_above_maximum():
    assert contribution_base(Decimal("50000.00"), GZ) == Decimal("26421.00")
    assert contribution(Decimal("50000.00"), "PENSION", GZ) == Decimal("4227.36")


def test_wage_between_is_used_as_is():
    assert contribution_base(Decimal("8000.00"), GZ) == Decimal("8000.00")


def test_boundaries_are_inclusive():
    assert contribution_base(Decimal("5284.00"), GZ) == Decimal("5284.00")
    assert contribution_base(Decimal("26421.00"), GZ) == Decimal("26421.00")


def test_rounding_half_up_to_the_fen():
    # 8001.00 × 0.0026 = 20.8026 → 20.80; 8125.00 × 0.0026 = 21.125 → 21.13 (half-up, not banker's)
    assert contribution(Decimal("8001.00"), "INJURY", GZ) == Decimal("20.80")
    assert contribution(Decimal("8125.00"), "INJURY", GZ) == Decimal("21.13")
    # 8125.00 × 0.0032 = 26.0000 exactly
    assert contribution(Decimal("8125.00"), "UNEMPLOYMENT", GZ) == Decimal("26.00")
    # 6250.00 × 0.055 = 343.75 exactly; 6250.10 × 0.055 = 343.7555 → 343.76
    assert contribution(Decimal("6250.10"), "MEDICAL", GZ) == Decimal("343.76")


def test_result_has_exactly_two_places():
    assert contribution(Decimal("7777.77"), "MEDICAL", GZ).as_tuple().exponent == -2


def test_errors():
    with pytest.raises(InvalidAmount):
        contribution(Decimal("1000.00"), "MATERNITY", GZ)
    with pytest.raises(InvalidAmount):
        contribution(1000.5, "PENSION", GZ)  # never float
    with pytest.raises(InvalidAmount):
        CityParameters("4401", Decimal("9"), Decimal("1"), {})
    with pytest.raises(InvalidAmount):
        CityParameters("4401", Decimal("1"), Decimal("9"), {"PENSION": 0.16})
