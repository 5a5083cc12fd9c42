"""Contribution computation for units (保底封顶): the declared wage is clamped to the city's
floor and ceiling, and the amount is base × rate per insurance type, rounded half-up to the fen.

:func:`unit_parameters_on` and :func:`flexible_parameters_on` take the values in force on a date
from a :class:`~gateway.domain.reference_timeline.ParameterTable` and remember which versions
they used (``version_ids``), so that a levy can record what it was computed with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from gateway.domain.errors import InvalidAmount
from gateway.domain.money import money, round_fen
from gateway.domain.parties import PayerKind
from gateway.domain.reference import ParameterKind
from gateway.domain.reference_timeline import ParameterTable


@dataclass(frozen=True)
class CityParameters:
    """Per-city wage floor and ceiling and the unit's rate per insurance type (fractions).
    ``bounds`` holds an insurance type's own (floor, ceiling) where it differs."""

    city_code: str
    wage_floor: Decimal
    wage_ceiling: Decimal
    rates: dict[str, Decimal]
    bounds: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    version_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        for code, (floor, ceiling) in {"": (self.wage_floor, self.wage_ceiling), **self.bounds}.items():
            if money(floor) > money(ceiling):
                raise InvalidAmount(f"city {self.city_code}: wage floor above ceiling {code}".rstrip())
        for code, rate in self.rates.items():
            if isinstance(rate, float) or not (Decimal(0) <= Decimal(rate) < 1):
                raise InvalidAmount(f"city {self.city_code}: rate for {code} must be a Decimal in [0, 1)")


def contribution_base(declared_wage: Decimal, params: CityParameters,
                      insurance_code: str = "") -> Decimal:
    wage = money(declared_wage)
    if wage < 0:
        raise InvalidAmount("declared wage must not be negative")
    floor, ceiling = params.bounds.get(insurance_code, (params.wage_floor, params.wage_ceiling))
    return min(max(wage, floor), ceiling)


def contribution(declared_wage: Decimal, insurance_code: str, params: CityParameters) -> Decimal:
    """The amount due for one person and one insurance type."""
    rate = params.rates.get(insurance_code)
    if rate is None:
        raise InvalidAmount(f"city {params.city_code} has no rate for {insurance_code}")
    return round_fen(contribution_base(declared_wage, params, insurance_code) * Decimal(rate))


def unit_parameters_on(table: ParameterTable, city_code: str, on: dt.date,
                       insurance_codes: Iterable[str], district_code: str = "",
                       payer_kind: PayerKind = PayerKind.UNIT) -> CityParameters:
    """Floors, ceilings and rates in force on ``on`` (raises NoValueInForce where one is missing)."""
    kind, used, rates, bounds = payer_kind.value, set(), {}, {}
    for code in insurance_codes:
        pair = []
        for what in (ParameterKind.BASE_FLOOR, ParameterKind.BASE_CEILING, ParameterKind.RATE):
            v = table.lookup(what, city_code, on, payer_kind=kind, insurance_code=code,
                             district_code=district_code)
            used.add(v.id)
            if what is ParameterKind.RATE:
                rates[code] = v.value
            else:
                pair.append(v.value)
        bounds[code] = (pair[0], pair[1])
    floor, ceiling = next(iter(bounds.values()), (Decimal("0.00"), Decimal("0.00")))
    other = {c: b for c, b in bounds.items() if b != (floor, ceiling)}
    return CityParameters(city_code, floor, ceiling, rates, other,
                          frozenset(i for i in used if i is not None))


def flexible_parameters_on(table: ParameterTable, city_code: str, on: dt.date, choice: str,
                           insurance_codes: Iterable[str], district_code: str = "") -> CityParameters:
    """A flexible-employment person pays on the base choice they made (灵活就业缴费基数档次),
    at the flexible rates."""
    base = table.lookup(ParameterKind.FLEXIBLE_BASE, city_code, on, payer_kind=PayerKind.FLEXIBLE.value,
                        item=choice, district_code=district_code)
    used, rates = {base.id}, {}
    for code in insurance_codes:
        v = table.lookup(ParameterKind.RATE, city_code, on, payer_kind=PayerKind.FLEXIBLE.value,
                         insurance_code=code, district_code=district_code)
        used.add(v.id)
        rates[code] = v.value
    return CityParameters(city_code, base.value, base.value, rates,
                          version_ids=frozenset(i for i in used if i is not None))
