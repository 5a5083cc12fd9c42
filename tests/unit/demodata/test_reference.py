"""Static reference data of the demo: cities, offices, banks, treasury routes."""

from __future__ import annotations

from decimal import Decimal

from gateway.demodata.banks import (NATIONAL_BANKS, all_bank_branches, city_treasury, cnaps_code,
                                    province_treasury)
from gateway.demodata.offices import district_offices, tax_offices
from gateway.demodata.reference import CITIES, CITY_BY_CODE, RESIDENT_PENSION_GRADES
from gateway.domain.parties import OfficeLevel

GUANGDONG_WITHOUT_SHENZHEN = {
    "4401", "4402", "4404", "4405", "4406", "4407", "4408", "4409", "4412", "4413", "4414",
    "4415", "4416", "4417", "4418", "4419", "4420", "4451", "4452", "4453",
}


def test_the_twenty_cities_outside_shenzhen():
    assert {c.code for c in CITIES} == GUANGDONG_WITHOUT_SHENZHEN
    assert len(CITIES) == 20
    assert all(2 <= len(c.districts) <= 4 for c in CITIES)
    assert len({c.cnaps_area for c in CITIES}) == 20


def test_parameters_are_decimal_and_plausible():
    for city in CITIES:
        values = [city.wage_floor, city.wage_ceiling, city.resident_medical, *city.unit_rates.values()]
        assert all(type(v) is Decimal for v in values), city.name
        assert city.wage_floor < city.wage_ceiling <= CITY_BY_CODE["4401"].wage_ceiling
        rates = city.unit_rates
        assert rates["PENSION"] in (Decimal("0.1400"), Decimal("0.1600"))
        assert Decimal("0.05") <= rates["MEDICAL"] <= Decimal("0.065")
        assert rates["UNEMPLOYMENT"] == Decimal("0.0080")
        assert Decimal("0.002") <= rates["INJURY"] <= Decimal("0.005")
        assert Decimal("0.0085") <= rates["MATERNITY"] <= Decimal("0.01")
    assert CITY_BY_CODE["4401"].wage_floor == max(c.wage_floor for c in CITIES)
    assert all(type(g) is Decimal for g, _ in RESIDENT_PENSION_GRADES)


def test_offices_form_a_tree_with_the_interface_codes():
    offices = tax_offices()
    codes = [o.code for o in offices]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 11 and c.isdigit() for c in codes)
    seen: set[str] = set()
    for office in offices:  # parents come first, as the foreign key needs
        assert office.parent_code is None or office.parent_code in seen
        seen.add(office.code)
    by_code = {o.code: o for o in offices}
    assert by_code["14401060000"].name == "国家税务总局广州市天河区税务局"
    assert by_code["14401060000"].level is OfficeLevel.DISTRICT
    assert by_code["14400000000"].level is OfficeLevel.PROVINCE
    assert not any(c.startswith("14403") for c in codes)
    for entry in district_offices():
        assert 2 <= len(entry.codes) <= 3  # the district office and one or two branches
        assert all(by_code[c].city_code == entry.city.code for c in entry.codes)
        assert all(by_code[c].level is OfficeLevel.BRANCH for c in entry.codes[1:])


def test_bank_codes_reproduce_the_interface_examples():
    assert cnaps_code("102", "5810", "0001") == "102581000013"
    assert cnaps_code("102", "5810", "0210") == "102581002107"
    assert cnaps_code("011", "5810", "0001") == "011581000016"


def test_banks_are_twelve_digit_and_belong_to_a_clearing_bank():
    branches = all_bank_branches()
    codes = {b.code for b in branches}
    assert len(codes) == len(branches)
    assert all(len(b.code) == 12 and b.code.isdigit() for b in branches)
    assert {b.clearing_code for b in branches} <= codes
    assert all(b.name.startswith(b.brand.name) for b in branches)
    names = {b.brand.name for b in branches}
    assert {n.name for n in NATIONAL_BANKS} <= names and "广州农村商业银行" in names


def test_treasury_routes_match_the_interface_example():
    gz = city_treasury(CITY_BY_CODE["4401"])
    assert (gz.handle_type, gz.payee_bank_no, gz.payee_org_code, gz.payee_acct, gz.payee_name) == (
        "1", "011581000016", "4401000000", "4401000000270001", "国家金库广州市中心支库")
    assert len(province_treasury().payee_org_code) == 10
