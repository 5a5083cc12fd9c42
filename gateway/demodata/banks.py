"""Banks and treasuries of the demo: real bank names with 12-digit CNAPS-style codes, one clearing
bank per bank and city (PayBkCode) and one branch per district (PayOpBkCode), and the treasury
route (TurnAccount block) of every tax office.

A code is ``category(3) + PBOC city code(4) + branch(4) + check(1)``. The check digit here is a
demo rule (weights 5,6,4 repeated, mod 11) picked because it reproduces the interface's examples
102581000013, 102581002107 and 011581000016; it is not PBOC's algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from gateway.demodata.reference import CITIES, CITY_BY_CODE, PROVINCE_OFFICE_CODE, City

_CHECK_WEIGHTS = (5, 6, 4)
TREASURY_CATEGORY = "011"  # 国家金库
CLEARING_BRANCH = "0001"


def cnaps_code(category: str, area: str, branch: str) -> str:
    body = f"{category}{area}{branch}"
    assert len(body) == 11 and body.isdigit(), body
    s = sum(int(c) * _CHECK_WEIGHTS[i % 3] for i, c in enumerate(body))
    return body + str((11 - s % 11) % 11 % 10)


@dataclass(frozen=True)
class BankBrand:
    """A bank, with the shape of its account numbers (corporate accounts for units, debit cards
    with the bank's card BIN for persons)."""

    category: str
    name: str
    weight: int
    corporate_prefix: str
    corporate_length: int
    card_bin: str
    card_length: int = 19


@dataclass(frozen=True)
class BankBranch:
    code: str  # PayOpBkCode
    name: str
    clearing_code: str  # PayBkCode
    brand: BankBrand
    city_code: str = ""


NATIONAL_BANKS: tuple[BankBrand, ...] = (
    BankBrand("102", "中国工商银行", 18, "3602", 19, "622202"),
    BankBrand("103", "中国农业银行", 14, "44", 17, "622848"),
    BankBrand("104", "中国银行", 12, "7", 16, "621785"),
    BankBrand("105", "中国建设银行", 16, "4405", 19, "621700"),
    BankBrand("301", "交通银行", 6, "441", 19, "622262"),
    BankBrand("308", "招商银行", 8, "1209", 16, "622588", 16),
    BankBrand("306", "广发银行", 6, "9550", 19, "622568"),
    BankBrand("403", "中国邮政储蓄银行", 8, "944", 19, "621799"),
)
RURAL_CATEGORY = "314"  # 农村商业银行; each city has its own


def brands_for(city: City) -> tuple[BankBrand, ...]:
    """The national banks plus the city's own rural commercial bank (e.g. 广州农村商业银行)."""
    rural = BankBrand(RURAL_CATEGORY, f"{city.short}农村商业银行", 12, "8001", 17, "621058")
    return (*NATIONAL_BANKS, rural)


def branch_for(brand: BankBrand, city: City, district_index: int) -> BankBranch:
    """The brand's branch in a district; branch numbers NN10 put 广州天河 ICBC at 102581002107."""
    return _branch(brand, city.code, district_index)


@lru_cache(maxsize=None)  # asked once per agreement; there are only a few hundred branches
def _branch(brand: BankBrand, city_code: str, district_index: int) -> BankBranch:
    city = CITY_BY_CODE[city_code]
    district = city.districts[district_index]
    clearing = cnaps_code(brand.category, city.cnaps_area, CLEARING_BRANCH)
    code = cnaps_code(brand.category, city.cnaps_area, f"{district_index + 1:02d}10")
    place = district.short if brand.category == RURAL_CATEGORY else f"{city.short}{district.short}"
    return BankBranch(code, f"{brand.name}{place}支行", clearing, brand, city.code)


def clearing_for(brand: BankBrand, city: City) -> BankBranch:
    code = cnaps_code(brand.category, city.cnaps_area, CLEARING_BRANCH)
    name = f"{brand.name}营业部" if brand.category == RURAL_CATEGORY else f"{brand.name}{city.short}分行"
    return BankBranch(code, name, code, brand, city.code)


def all_bank_branches() -> list[BankBranch]:
    """Clearing banks first, then branches, city by city."""
    result = []
    for city in CITIES:
        for brand in brands_for(city):
            result.append(clearing_for(brand, city))
            result.extend(branch_for(brand, city, i) for i in range(len(city.districts)))
    return result


@dataclass(frozen=True)
class TreasuryRoute:
    """The TurnAccount block of one tax office: HandleType 1 (collect into the treasury)."""

    payee_bank_no: str
    payee_org_code: str
    payee_acct: str
    payee_name: str
    handle_type: str = "1"


def city_treasury(city: City) -> TreasuryRoute:
    """Every office of a city pays into the city's central sub-treasury (中心支库)."""
    org = f"{city.code}000000"
    return TreasuryRoute(cnaps_code(TREASURY_CATEGORY, city.cnaps_area, CLEARING_BRANCH), org,
                         f"{org}270001", f"国家金库{city.name}中心支库")


def province_treasury() -> TreasuryRoute:
    org = PROVINCE_OFFICE_CODE[1:5] + "000000"
    guangzhou = CITIES[0]
    return TreasuryRoute(cnaps_code(TREASURY_CATEGORY, guangzhou.cnaps_area, CLEARING_BRANCH), org,
                         f"{org}270001", "国家金库广东省分库")
