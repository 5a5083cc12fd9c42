"""The tax offices (征收机关) of the demo: the province office, one office per city, one per district
and one or two branch offices (税务分局) under each district, with their TaxOrgCodes.

Codes follow the interface examples: ``1`` + 6-digit administrative code + ``0000`` (广州市天河区
→ 14401060000); branches replace the last four digits by ``01NN``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.demodata.reference import (CITIES, PROVINCE_CODE, PROVINCE_OFFICE_CODE,
                                        PROVINCE_OFFICE_NAME, City, District)
from gateway.domain.parties import OfficeLevel, TaxOffice

_ORDINALS = "一二三四"


@dataclass(frozen=True)
class DistrictOffices:
    """A district with the offices payers there may belong to (district office first)."""

    city: City
    district: District
    index: int  # position of the district in ``city.districts`` (bank branches are numbered so)
    codes: tuple[str, ...]

    @property
    def office_code(self) -> str:
        return self.codes[0]


def city_office_code(city: City) -> str:
    return f"1{city.code}000000"


def district_office_code(city: City, district: District) -> str:
    if district.office_no:
        # Towns share the city's administrative code; their number keeps the codes apart.
        return f"1{city.code}{district.office_no:02d}0000"
    return f"1{district.admin_code}0000"


def _district_office_name(city: City, district: District) -> str:
    if district.is_town:
        return f"国家税务总局{city.name}税务局{district.short}税务分局"
    if district.name.endswith("区"):
        return f"国家税务总局{city.name}{district.name}税务局"
    return f"国家税务总局{district.name}税务局"  # county and county-level city offices drop the city


def _branch_count(index: int) -> int:
    return 2 if index % 2 == 0 else 1


def district_offices() -> list[DistrictOffices]:
    """Every district in CITIES order, with its office codes."""
    result = []
    for city in CITIES:
        for index, district in enumerate(city.districts):
            code = district_office_code(city, district)
            branches = tuple(f"{code[:-4]}01{n:02d}" for n in range(1, _branch_count(index) + 1))
            result.append(DistrictOffices(city, district, index, (code, *branches)))
    return result


def tax_offices() -> list[TaxOffice]:
    """All offices, parents before children (the table's foreign key needs that order)."""
    offices = [TaxOffice(PROVINCE_OFFICE_CODE, PROVINCE_OFFICE_NAME, OfficeLevel.PROVINCE, None,
                         PROVINCE_CODE)]
    for city in CITIES:
        offices.append(TaxOffice(city_office_code(city), f"国家税务总局{city.name}税务局",
                                 OfficeLevel.CITY, PROVINCE_OFFICE_CODE, city.code))
    for entry in district_offices():
        city, district = entry.city, entry.district
        name = _district_office_name(city, district)
        offices.append(TaxOffice(entry.office_code, name, OfficeLevel.DISTRICT,
                                 city_office_code(city), city.code))
        # Town offices are already 税务分局; what they oversee are 税务所.
        unit = "税务所" if district.is_town else "税务分局"
        for n, code in enumerate(entry.codes[1:]):
            offices.append(TaxOffice(code, f"{name}第{_ORDINALS[n]}{unit}", OfficeLevel.BRANCH,
                                     entry.office_code, city.code))
    return offices


def district_codes() -> dict[str, str]:
    """TaxOrgCode → the 6-digit administrative code of its district, for district offices and
    their branches (district-specific reference parameters are keyed by it)."""
    return {code: entry.district.admin_code for entry in district_offices() for code in entry.codes}
