"""Contribution computation for units (保底封顶): the declared wage is clamped to the city's
floor and ceiling, and the amount is base × rate per insurance type, rounded half-up to the fen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gateway.domain.errors import InvalidAmount
from gateway.domain.money import money, round_fen


@dataclass(frozen=True)
class CityParameters:
    """Per-city wage floor and ceiling and the unit's rate per insurance type (fractions)."""

    city_code: str
    wage_floor: Decimal
    wage_ceiling: Decimal
    rates: dict[str, Decimal]

    def __post_init__(self) -> None:
        if money(self.wage_floor) > money(self.wage_ceiling):
            raise InvalidAmount(f"city {self.city_code}: wage floor above ceiling")
        for code, rate in self.rates.items():
            if isinstance(rate, float) or not (Decimal(0) <= Decimal(rate) < 1):
                raise InvalidAmount(f"city {self.city_code}: rate for {code} must be a Decimal in [0, 1)")


def contribution_base(declared_wage: Decimal, params: CityParameters) -> Decimal:
    wage = money(declared_wage)
    if wage < 0:
        raise InvalidAmount("declared wage must not be negative")
    return min(max(wage, params.wage_floor), params.wage_ceiling)


def contribution(declared_wage: Decimal, insurance_code: str, params: CityParameters) -> Decimal:
    """The amount due for one person and one insurance type."""
    rate = params.rates.get(insurance_code)
    if rate is None:
        raise InvalidAmount(f"city {params.city_code} has no rate for {insurance_code}")
    return round_fen(contribution_base(declared_wage, params) * Decimal(rate))
