"""Tax offices, payers (units, flexible-employment persons, urban-rural residents), insured
persons and insurance types (险种)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.domain.errors import InvalidIdentifier
from gateway.domain.identifiers import is_valid_id_number, is_valid_uscc


class OfficeLevel(StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    DISTRICT = "DISTRICT"
    BRANCH = "BRANCH"


_PARENT_LEVEL = {OfficeLevel.CITY: OfficeLevel.PROVINCE, OfficeLevel.DISTRICT: OfficeLevel.CITY,
                 OfficeLevel.BRANCH: OfficeLevel.DISTRICT}


@dataclass(frozen=True)
class TaxOffice:
    """征收机关. ``code`` is the TaxOrgCode, n(..12)."""

    code: str
    name: str
    level: OfficeLevel
    parent_code: str | None
    city_code: str  # 4-digit administrative prefix (e.g. 4401 Guangzhou), for city parameters

    def __post_init__(self) -> None:
        if not (self.code.isdigit() and 1 <= len(self.code) <= 12):
            raise InvalidIdentifier(f"TaxOrgCode must be 1-12 digits: {self.code!r}")
        if (self.level is OfficeLevel.PROVINCE) != (self.parent_code is None):
            raise InvalidIdentifier(f"office {self.code}: only the province has no parent")

    @staticmethod
    def parent_level(level: OfficeLevel) -> OfficeLevel | None:
        return _PARENT_LEVEL.get(level)


class PayerKind(StrEnum):
    UNIT = "UNIT"  # 单位
    FLEXIBLE = "FLEXIBLE"  # 灵活就业人员
    RESIDENT = "RESIDENT"  # 城乡居民

    @property
    def label(self) -> str:
        return {"UNIT": "单位", "FLEXIBLE": "灵活就业人员", "RESIDENT": "城乡居民"}[self.value]


@dataclass(frozen=True)
class Payer:
    """缴费人. ``tax_pay_code`` is the unified social credit code (units) or ID number (persons)."""

    id: int | None
    kind: PayerKind
    tax_pay_code: str
    name: str
    tax_org_code: str
    social_security_no: str = ""  # 单位社保号, units only

    def __post_init__(self) -> None:
        if self.kind is PayerKind.UNIT:
            if not is_valid_uscc(self.tax_pay_code):
                raise InvalidIdentifier(f"统一社会信用代码无效: {self.tax_pay_code}")
            if not self.social_security_no:
                raise InvalidIdentifier("单位社保号不能为空")
        elif not is_valid_id_number(self.tax_pay_code):
            raise InvalidIdentifier(f"身份证号码无效: {self.tax_pay_code}")


@dataclass(frozen=True)
class InsuredPerson:
    """An employee insured through a unit."""

    id: int | None
    unit_id: int
    id_number: str
    name: str

    def __post_init__(self) -> None:
        if not is_valid_id_number(self.id_number):
            raise InvalidIdentifier(f"身份证号码无效: {self.id_number}")


@dataclass(frozen=True)
class InsuranceType:
    code: str
    name: str  # TaxTypeName on the wire
    for_kinds: frozenset[PayerKind]
    budget_type: str = "1"


INSURANCE_TYPES: tuple[InsuranceType, ...] = (
    InsuranceType("PENSION", "企业职工基本养老保险费", frozenset({PayerKind.UNIT, PayerKind.FLEXIBLE})),
    InsuranceType("MEDICAL", "职工基本医疗保险费", frozenset({PayerKind.UNIT, PayerKind.FLEXIBLE})),
    InsuranceType("UNEMPLOYMENT", "失业保险费", frozenset({PayerKind.UNIT})),
    InsuranceType("INJURY", "工伤保险费", frozenset({PayerKind.UNIT})),
    InsuranceType("MATERNITY", "生育保险费", frozenset({PayerKind.UNIT})),
    InsuranceType("RESIDENT_PENSION", "城乡居民基本养老保险费", frozenset({PayerKind.RESIDENT})),
    InsuranceType("RESIDENT_MEDICAL", "城乡居民基本医疗保险费", frozenset({PayerKind.RESIDENT})),
)
INSURANCE_BY_CODE = {t.code: t for t in INSURANCE_TYPES}


@dataclass(frozen=True)
class TreasuryRoute:
    """Per-TaxOrgCode TurnAccount values of a 1001/1102 (§9): collection mode and treasury."""

    tax_org_code: str
    handle_type: str
    payee_bank_no: str
    payee_org_code: str
    payee_acct: str
    payee_name: str
