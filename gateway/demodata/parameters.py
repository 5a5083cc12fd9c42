"""The demo's reference parameters: the current and the previous social-security year of every
city, written as the year workbooks a bureau would receive and loaded through the same import
(workbook → reader → import proposal → approval by a second account) as a real file.

The figures of ``reference.CITIES`` are the current year's; the previous year's bases are 5 %
lower (whole yuan), its residents' medical standard 20 yuan lower. Then the parameter bases the
levies record are made: one per city, year, payer kind and insurance type (and residents' grade).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection

from gateway.demodata.reference import (CITIES, FLEXIBLE_PENSION_RATE, FLEXIBLE_TYPES,
                                        RESIDENT_PENSION_GRADES, UNIT_TYPES, City)
from gateway.domain.contribution import CityParameters, flexible_parameters_on, unit_parameters_on
from gateway.domain.parties import PayerKind
from gateway.domain.reference import (ParameterKey, ParameterKind, ParameterVersion,
                                      social_security_year, social_security_year_of)
from gateway.domain.reference_commands import ApproveParameterChange
from gateway.domain.reference_timeline import ParameterTable
from gateway.excel.parameter_workbook import read_workbook, write_workbook
from gateway.persistence.reference_unit_of_work import SqlReferenceUnitOfWork
from gateway.services import reference as reference_service

MAKER, CHECKER = "demodata", "demodata-checker"  # two accounts: maker-checker holds for the demo too
FLEXIBLE_CHOICE = "1"  # the demo's flexible-employment persons pay on the lowest base (the floor)
_MINIMUM_WAGE = {"4401": "2300.00", "4404": "1900.00", "4406": "1900.00", "4419": "1900.00",
                 "4420": "1900.00", "4405": "1720.00", "4407": "1720.00", "4412": "1720.00",
                 "4413": "1720.00"}
_SUBSIDY = ("30.00", "40.00", "50.00", "60.00", "80.00", "100.00", "120.00", "140.00", "160.00",
            "180.00")
K, U, F, R = ParameterKind, PayerKind.UNIT.value, PayerKind.FLEXIBLE.value, PayerKind.RESIDENT.value


def _yuan(amount: Decimal, age: int) -> Decimal:
    """A current amount as it was ``age`` years before (5 % a year, whole yuan)."""
    if age <= 0:
        return amount
    return (amount / Decimal("1.05") ** age).quantize(Decimal("1"), ROUND_HALF_UP).quantize(
        Decimal("0.01"))


def city_year_versions(city: City, year: int, as_of: dt.date) -> list[ParameterVersion]:
    """One city's parameters of social-security year ``year`` (residents': calendar ``year + 1``);
    the current year of ``as_of`` has the figures of ``reference.CITIES``."""
    start, end = social_security_year(year)
    age = social_security_year_of(as_of) - year
    floor, ceiling = _yuan(city.wage_floor, age), _yuan(city.wage_ceiling, age)
    average = (ceiling / 3).quantize(Decimal("0.01"))
    rows: list[tuple[ParameterKey, Decimal]] = []
    for kind in (U, F):
        rows += [(ParameterKey(K.BASE_FLOOR, city.code, kind), floor),
                 (ParameterKey(K.BASE_CEILING, city.code, kind), ceiling)]
    rows += [(ParameterKey(K.RATE, city.code, U, code), rate) for code, rate in city.unit_rates.items()]
    rows += [(ParameterKey(K.RATE, city.code, F, "PENSION"), FLEXIBLE_PENSION_RATE),
             (ParameterKey(K.RATE, city.code, F, "MEDICAL"), city.medical_rate),
             (ParameterKey(K.AVERAGE_WAGE, city.code), average),
             (ParameterKey(K.MINIMUM_WAGE, city.code), Decimal(_MINIMUM_WAGE.get(city.code, "1620.00")))]
    for n, base in enumerate((floor, average, average * 2, ceiling), start=1):
        rows.append((ParameterKey(K.FLEXIBLE_BASE, city.code, F, item=str(n)), base))
    versions = [ParameterVersion(key, start, end, value) for key, value in rows]
    r_start, r_end = dt.date(year + 1, 1, 1), dt.date(year + 1, 12, 31)
    medical = city.resident_medical - Decimal("20.00") * max(0, as_of.year - (year + 1))
    resident = [(ParameterKey(K.RESIDENT_GRADE, city.code, R, "RESIDENT_MEDICAL", "1"), medical)]
    for n, ((grade, _), subsidy) in enumerate(zip(RESIDENT_PENSION_GRADES, _SUBSIDY), start=1):
        resident += [(ParameterKey(K.RESIDENT_GRADE, city.code, R, "RESIDENT_PENSION", str(n)), grade),
                     (ParameterKey(K.RESIDENT_SUBSIDY, city.code, R, "RESIDENT_PENSION", str(n)),
                      Decimal(subsidy))]
    return versions + [ParameterVersion(key, r_start, r_end, value) for key, value in resident]


def demo_years(as_of: dt.date, oldest_period: dt.date | None = None) -> list[int]:
    """The social-security years to load: the previous and the current one of ``as_of``, and
    back to the year of the oldest levy period."""
    current = social_security_year_of(as_of)
    first = min(current - 1, social_security_year_of(oldest_period or as_of))
    return list(range(first, current + 1))


def year_versions(year: int, as_of: dt.date) -> list[ParameterVersion]:
    return [v for city in CITIES for v in city_year_versions(city, year, as_of)]


def year_workbook(year: int, as_of: dt.date) -> bytes:
    out = io.BytesIO()
    write_workbook(year_versions(year, as_of), year, out, {c.code: c.name for c in CITIES})
    return out.getvalue()


def tariff_key(kind: PayerKind, period_start: dt.date) -> int:
    """Which year's values a levy period uses: the social-security year for monthly levies, the
    calendar year for residents."""
    return period_start.year if kind is PayerKind.RESIDENT else social_security_year_of(period_start)


@dataclass
class DemoParameters:
    """What the population needs: the loaded table, one period start per tariff year (the date
    its values are looked up on) and the basis id per (kind, city, year, insurance, grade)."""

    table: ParameterTable
    unit_dates: dict[int, dt.date]
    resident_dates: dict[int, dt.date]
    bases: dict[tuple, int] = field(default_factory=dict)
    versions: int = 0

    @classmethod
    def in_memory(cls, as_of: dt.date, months: int = 120) -> "DemoParameters":
        """Without a database (no version ids, no bases): for building payers in unit tests."""
        monthly = [_month_start(as_of, age) for age in range(months)]
        years = demo_years(as_of, monthly[-1])
        table = ParameterTable(v for y in years for v in year_versions(y, as_of))
        return cls(table, *_dates(monthly, dt.date(as_of.year, 1, 1)))

    def unit(self, city: City, on: dt.date) -> CityParameters:
        return unit_parameters_on(self.table, city.code, on, UNIT_TYPES)

    def flexible(self, city: City, on: dt.date) -> CityParameters:
        return flexible_parameters_on(self.table, city.code, on, FLEXIBLE_CHOICE, FLEXIBLE_TYPES)

    def resident(self, city: City, on: dt.date, code: str, item: str) -> ParameterVersion:
        return self.table.lookup(K.RESIDENT_GRADE, city.code, on, payer_kind=R,
                                 insurance_code=code, item=item)


def _month_start(as_of: dt.date, age: int) -> dt.date:
    index = as_of.year * 12 + as_of.month - 1 - age
    return dt.date(index // 12, index % 12 + 1, 1)


def _dates(monthly: list[dt.date], resident_start: dt.date) -> tuple[dict, dict]:
    unit: dict[int, dt.date] = {}
    for start in sorted(monthly):
        unit.setdefault(tariff_key(PayerKind.UNIT, start), start)
    return unit, {resident_start.year: resident_start}


def load_parameters(conn: Connection, as_of: dt.date, monthly: list[dt.date],
                    resident_start: dt.date) -> DemoParameters:
    """Import the year workbooks inside the caller's transaction, then make the bases of the
    levies of the given period starts."""
    now = dt.datetime.combine(as_of, dt.time(8, 0))
    versions = 0
    for year in demo_years(as_of, min(monthly, default=as_of)):
        parsed = read_workbook(io.BytesIO(year_workbook(year, as_of)))
        with SqlReferenceUnitOfWork.on_connection(conn) as uow:
            proposal = reference_service.import_versions(
                uow, parsed.rows, parsed.errors, MAKER, f"演示数据 社保年度{year}.xlsx", now)
            if proposal is not None:
                approved = reference_service.approve(
                    ApproveParameterChange(proposal.id, CHECKER), uow, now)  # type: ignore[arg-type]
                versions += approved.applied.get("added", 0)
            uow.commit()
    with SqlReferenceUnitOfWork.on_connection(conn) as uow:
        params = DemoParameters(uow.parameters.table([c.code for c in CITIES]),
                                *_dates(monthly, resident_start), versions=versions)
        _make_bases(params, uow)
        uow.commit()
    return params


def _make_bases(params: DemoParameters, uow: SqlReferenceUnitOfWork) -> None:
    grades = [("RESIDENT_MEDICAL", "1")] + [("RESIDENT_PENSION", str(n))
                                            for n in range(1, len(RESIDENT_PENSION_GRADES) + 1)]
    used: dict[tuple, frozenset[int]] = {}
    for city in CITIES:
        for year, on in params.unit_dates.items():
            for code in UNIT_TYPES:
                used[(U, city.code, year, code, "")] = unit_parameters_on(
                    params.table, city.code, on, (code,)).version_ids
            for code in FLEXIBLE_TYPES:
                used[(F, city.code, year, code, "")] = flexible_parameters_on(
                    params.table, city.code, on, FLEXIBLE_CHOICE, (code,)).version_ids
        for year, on in params.resident_dates.items():
            for code, item in grades:
                used[(R, city.code, year, code, item)] = frozenset(
                    {params.resident(city, on, code, item).id})  # type: ignore[arg-type]
    ids = uow.bases.bases_for(used.values())
    params.bases = {key: ids[versions] for key, versions in used.items()}
