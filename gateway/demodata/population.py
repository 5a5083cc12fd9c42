"""The demo's payers (units with their insured employees, flexible-employment persons, urban-rural
residents) and what each owes per fee period, computed with the domain's contribution rules from
the parameters in force (``parameters.DemoParameters``): a unit owes different amounts in June and
in July when the social-security year changes its floor and ceiling."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from gateway.demodata import names
from gateway.demodata.offices import DistrictOffices, district_offices
from gateway.demodata.parameters import DemoParameters
from gateway.demodata.reference import (FLEXIBLE_TYPES, RESIDENT_PENSION_GRADES, UNIT_TYPES, City,
                                        District)
from gateway.domain.contribution import CityParameters, contribution, contribution_base
from gateway.domain.money import money
from gateway.domain.parties import PayerKind
from gateway.persistence.types import FEN_PER_YUAN

# The demo login accounts are bound to the first payer of each kind; putting those in 广州天河
# lets the demo staff account (14401060000) see them.
SHOWCASE_ADMIN_CODE = "440106"


def to_fen(amount: Decimal) -> int:
    """Integer fen for a raw insert into a Money column (persistence.types.Money does the same)."""
    return int(money(amount) * FEN_PER_YUAN)


Dues = tuple[tuple[str, int, str], ...]  # (insurance code, fen, residents' grade or "")


@dataclass(slots=True)
class DemoPayer:
    """One payer as generated; ``dues`` maps a tariff year (parameters.tariff_key: the
    social-security year of a monthly period, the calendar year of residents) to what is owed
    per period of that year."""

    id: int
    kind: PayerKind
    tax_pay_code: str
    name: str
    tax_org_code: str
    city: City
    district_index: int
    social_security_no: str
    created_at: str
    dues: dict[int, Dues]

    @property
    def district(self) -> District:
        return self.city.districts[self.district_index]

    def row(self) -> tuple:
        return (self.id, self.kind.value, self.tax_pay_code, self.name, self.tax_org_code,
                self.social_security_no, self.created_at)


PAYER_COLUMNS = ("id", "kind", "tax_pay_code", "name", "tax_org_code", "social_security_no",
                 "created_at")
PERSON_COLUMNS = ("id", "unit_id", "id_number", "name", "declared_wage")


def timestamp(value: dt.datetime) -> str:
    """The text SQLAlchemy itself stores for a DateTime on SQLite; PostgreSQL's COPY reads it too."""
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}")


class PopulationBuilder:
    """Draws payers and persons from one seeded stream per kind, so that changing how many of one
    kind are made does not change the others."""

    def __init__(self, seed: int, as_of: dt.date, first_payer_id: int, first_person_id: int,
                 params: DemoParameters | None = None) -> None:
        self._seed, self._as_of = seed, as_of
        self._params = params or DemoParameters.in_memory(as_of)
        self._next_payer, self._next_person = first_payer_id, first_person_id
        self._entries = district_offices()
        weights = [e.city.weight for e in self._entries]
        self._cum = [sum(weights[: i + 1]) for i in range(len(weights))]
        self._showcase = next(e for e in self._entries if e.district.admin_code == SHOWCASE_ADMIN_CODE)
        self._used_ids: set[str] = set()  # ID numbers are unique across payers and employees
        self._unit_params: dict[str, dict[int, CityParameters]] = {}
        self._regions = sorted({e.district.admin_code for e in self._entries})
        self.person_rows: list[tuple] = []
        self._dues_cache: dict[tuple[str, int, Decimal], tuple[Decimal, ...]] = {}

    def _unit_years(self, city: City) -> dict[int, CityParameters]:
        found = self._unit_params.get(city.code)
        if found is None:
            found = self._unit_params[city.code] = {
                year: self._params.unit(city, on) for year, on in self._params.unit_dates.items()}
        return found

    def _rng(self, stream: str) -> random.Random:
        return random.Random(f"{self._seed}:{stream}")

    def _place(self, rng: random.Random, first: bool) -> tuple[DistrictOffices, str]:
        # A city weighted by size, a district in it, then the district office or one of its branches.
        entry = self._showcase if first else rng.choices(self._entries, cum_weights=self._cum)[0]
        return entry, entry.office_code if first else rng.choice(entry.codes)

    def _created(self, rng: random.Random, min_days: int, max_days: int) -> str:
        day = self._as_of - dt.timedelta(days=rng.randint(min_days, max_days))
        return timestamp(dt.datetime(day.year, day.month, day.day, rng.randint(9, 17),
                                     rng.randrange(60), rng.randrange(60)))

    def _payer_id(self) -> int:
        self._next_payer += 1
        return self._next_payer - 1

    def _person(self, rng: random.Random, region: str, min_age: int, max_age: int) -> tuple[str, str]:
        female = rng.random() < 0.5

        def draw() -> str:
            # A fresh birthday on every draw: one region and day have only 500 numbers per sex.
            birth = names.birth_date(rng, self._as_of, min_age, max_age)
            return names.id_number(rng, region, birth, female)

        return names.draw_unique(draw, self._used_ids), names.person_name(rng, female)

    def units(self, count: int, persons_per_unit: int) -> list[DemoPayer]:
        rng, used_codes, used_ss = self._rng("units"), set(), set()
        result = []
        for i in range(count):
            entry, office = self._place(rng, i == 0)
            city, district = entry.city, entry.district
            payer_id = self._payer_id()
            years = self._unit_years(city)
            totals = {year: [Decimal("0.00")] * len(UNIT_TYPES) for year in years}
            for _ in range(persons_per_unit):
                # Many employees were born elsewhere in the province; their ID shows where.
                region = district.admin_code if rng.random() < 0.6 else rng.choice(self._regions)
                id_no, name = self._person(rng, region, 18, 59)
                wage_fen = self._wage_fen(rng, city)
                for year, params in years.items():
                    for n, amount in enumerate(self._person_dues(year, params, wage_fen)):
                        totals[year][n] += amount
                self.person_rows.append((self._next_person, payer_id, id_no, name, wage_fen))
                self._next_person += 1
            admin = district.admin_code
            code = names.draw_unique(lambda a=admin: names.uscc(rng, a), used_codes)
            ss_no = names.draw_unique(lambda a=admin: names.social_security_no(rng, a), used_ss)
            result.append(DemoPayer(payer_id, PayerKind.UNIT, code, names.company_name(rng, city, district),
                                    office, city, entry.index, ss_no,
                                    self._created(rng, 200, 3650),
                                    {year: tuple((c, to_fen(t), "") for c, t in zip(UNIT_TYPES, sums))
                                     for year, sums in totals.items()}))
        return result

    def _person_dues(self, year: int, params: CityParameters, wage_fen: int) -> tuple[Decimal, ...]:
        """One person's amount per unit insurance type, rounded per person and type as the
        declaration is. Cached by contribution base: all wages below the floor (or above the
        ceiling) of a city owe the same, and so do the many whole-yuan wages that repeat."""
        base = contribution_base(Decimal(wage_fen).scaleb(-2), params)
        key = (params.city_code, year, base)
        dues = self._dues_cache.get(key)
        if dues is None:
            dues = self._dues_cache[key] = tuple(contribution(base, c, params) for c in UNIT_TYPES)
        return dues

    @staticmethod
    def _wage_fen(rng: random.Random, city: City) -> int:
        """A declared monthly wage: some below the floor, most between floor and twice the floor,
        a few above the ceiling, so that clamping both ways is exercised."""
        floor, ceiling = int(city.wage_floor), int(city.wage_ceiling)
        r = rng.random()
        low, high = ((floor // 2, floor) if r < 0.15 else (floor, floor * 2) if r < 0.75
                     else (floor * 2, ceiling) if r < 0.95 else (ceiling, ceiling * 2))
        cents = rng.randrange(100) if rng.random() < 0.3 else 0
        return rng.randint(low, high) * 100 + cents

    def flexible(self, count: int) -> list[DemoPayer]:
        rng = self._rng("flexible")
        dues: dict[str, dict[int, Dues]] = {}
        for entry in self._entries:
            city = entry.city
            if city.code not in dues:
                years = {y: self._params.flexible(city, on) for y, on in self._params.unit_dates.items()}
                dues[city.code] = {y: tuple((t, to_fen(contribution(p.wage_floor, t, p)), "")
                                            for t in FLEXIBLE_TYPES) for y, p in years.items()}
        result = []
        for i in range(count):
            entry, office = self._place(rng, i == 0)
            code, name = self._person(rng, entry.district.admin_code, 22, 59)
            result.append(DemoPayer(self._payer_id(), PayerKind.FLEXIBLE, code, name, office, entry.city,
                                    entry.index, "", self._created(rng, 30, 2000),
                                    dues[entry.city.code]))
        return result

    def residents(self, count: int) -> list[DemoPayer]:
        """Every third resident is a child or an elderly person who pays medical insurance only;
        the others (16-59) pay a pension grade too. The rule is by position so that the number of
        levies is known in advance (see ``generator.expected_levy_count``)."""
        rng = self._rng("residents")
        grades = [str(n) for n in range(1, len(RESIDENT_PENSION_GRADES) + 1)]
        grade_weights = [w for _, w in RESIDENT_PENSION_GRADES]
        years = self._params.resident_dates
        result = []
        for i in range(count):
            entry, office = self._place(rng, i == 0)
            city = entry.city
            wanted = [("RESIDENT_MEDICAL", "1")]
            if i % 3 == 2:
                ages = (0, 15) if rng.random() < 0.5 else (60, 85)
            else:
                ages = (16, 59)
                wanted.insert(0, ("RESIDENT_PENSION", rng.choices(grades, weights=grade_weights)[0]))
            dues = {year: tuple((code, to_fen(self._params.resident(city, on, code, item).value), item)
                                for code, item in wanted) for year, on in years.items()}
            code, name = self._person(rng, entry.district.admin_code, *ages)
            result.append(DemoPayer(self._payer_id(), PayerKind.RESIDENT, code, name, office, city,
                                    entry.index, "", self._created(rng, 30, 3000), dues))
        return result
