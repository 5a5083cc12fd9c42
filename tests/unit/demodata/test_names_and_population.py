"""Seeded generators of names and identifiers, and the population without a database."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gateway.calendar_table import official_calendar
from gateway.demodata import expected_levy_count, names
from gateway.demodata.banks import NATIONAL_BANKS
from gateway.demodata.levies import levy_rows, monthly_periods, resident_year
from gateway.demodata.population import PopulationBuilder
from gateway.domain.identifiers import USCC_ALPHABET, is_valid_id_number, is_valid_uscc

AS_OF = dt.date(2024, 11, 5)


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def test_credit_codes_are_valid_and_use_the_alphabet():
    rng = random.Random(1)
    codes = [names.uscc(rng, "440106") for _ in range(2000)]
    assert all(is_valid_uscc(c) and c.startswith("91440106") for c in codes)
    assert all(set(c) <= set(USCC_ALPHABET) for c in codes)
    assert any(c[8:10] == "MA" for c in codes) and any(c[8:10].isdigit() for c in codes)


def test_id_numbers_are_valid_and_carry_birth_and_sex():
    rng = random.Random(2)
    for _ in range(2000):
        female = rng.random() < 0.5
        birth = names.birth_date(rng, AS_OF, 16, 59)
        number = names.id_number(rng, "441900", birth, female)
        assert is_valid_id_number(number)
        assert number[:6] == "441900" and number[6:14] == birth.strftime("%Y%m%d")
        assert int(number[16]) % 2 == (0 if female else 1)
        age = (AS_OF - birth).days / 365.25
        assert 16 <= age < 60


def test_accounts_and_protocol_numbers():
    rng = random.Random(3)
    for brand in NATIONAL_BANKS:
        card = names.card_number(rng, brand)
        assert card.startswith(brand.card_bin) and _luhn_ok(card) and 16 <= len(card) <= 19
        account = names.corporate_account(rng, brand)
        assert account.startswith(brand.corporate_prefix) and 16 <= len(account) <= 19
    assert names.protocol_no("440106", 2024, 456) == "4401062024000000456"


def test_person_names_are_chinese():
    rng = random.Random(4)
    for _ in range(200):
        name = names.person_name(rng, rng.random() < 0.5)
        assert 2 <= len(name) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name)


def test_draw_unique_reports_an_exhausted_space():
    used: set[str] = set()
    assert names.draw_unique(lambda: "A", used) == "A"
    with pytest.raises(ValueError):
        names.draw_unique(lambda: "A", used, attempts=5)


@pytest.mark.parametrize("units,flexible,residents,periods", [
    (0, 0, 0, 1), (1, 0, 1, 1), (2, 1, 2, 3), (3, 2, 3, 6), (4, 3, 4, 2), (5, 1, 5, 12),
])
def test_expected_levy_count_matches_the_rows(units, flexible, residents, periods):
    builder = PopulationBuilder(9, AS_OF, 1, 1)
    payers = builder.units(units, 2) + builder.flexible(flexible) + builder.residents(residents)
    rows = list(levy_rows(payers, monthly_periods(AS_OF, periods), resident_year(AS_OF), 9, 1))
    assert len(rows) == expected_levy_count(units, flexible, residents, periods)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))


def test_monthly_periods_end_with_the_current_month():
    periods = monthly_periods(dt.date(2024, 2, 29), 3)
    assert [(p.start, p.end) for p in periods] == [
        (dt.date(2023, 12, 1), dt.date(2023, 12, 31)), (dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29))]
    assert periods[-1].paid_share == 0
    calendar = official_calendar()  # adjusted weekend working days (调休) are clearing days too
    assert all(calendar.is_clearing_day(dt.date.fromisoformat(d)) for p in periods for d in p.pay_days)
    assert "2024-02-12" not in periods[-1].pay_days  # Spring Festival


def test_same_seed_same_population_and_kinds_draw_independently():
    def residents(units: int) -> list[tuple[str, str]]:
        builder = PopulationBuilder(5, AS_OF, 1, 1)
        builder.units(units, 2)
        return [(p.tax_pay_code, p.name) for p in builder.residents(10)]

    assert residents(3) == residents(3)
    assert residents(3) == residents(4)  # more units do not reshuffle the residents
    other = PopulationBuilder(6, AS_OF, 1, 1).residents(10)
    assert [p.tax_pay_code for p in other] != [code for code, _ in residents(3)]
