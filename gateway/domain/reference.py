"""Reference parameters with effective periods (社保缴费参数): what they are, how they are keyed,
and the social-security year they are published for.

The social-security year — the one place this is decided
----------------------------------------------------------
Guangdong sets the contribution bases (缴费基数上下限, derived from the provincial average wage
社平工资 of the year before) once a year, from **1 July to 30 June of the next year**; that period
is the social-security year (社保年度), named by the calendar year it starts in: 社保年度 2024 is
2024-07-01 .. 2025-06-30. Rates, average and minimum wage and the flexible-employment base
choices are published with it.

The urban-rural residents' contributions (城乡居民缴费档次, 补贴, 医保个人缴费标准) are paid per
calendar year (缴费年度, the residents' grade-year rule of the requirements: "默认当年，允许选次年"),
collected from the September before. Their versions therefore run 1 January .. 31 December, and
they travel with the social-security year in which they start: the 2025 residents' standards
(valid from 2025-01-01) belong to 社保年度 2024. :func:`workbook_year` is that rule.

Both ends of a period are inclusive; an open end (``valid_to is None``) runs until superseded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from gateway.domain.parties import INSURANCE_BY_CODE, PayerKind
from gateway.domain.reference_errors import InvalidParameter

SOCIAL_SECURITY_YEAR_START_MONTH = 7  # July: see the module docstring
RATE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")


def social_security_year(year: int) -> tuple[dt.date, dt.date]:
    """First and last day of 社保年度 ``year`` (1 July ``year`` .. 30 June ``year + 1``)."""
    start = dt.date(year, SOCIAL_SECURITY_YEAR_START_MONTH, 1)
    return start, dt.date(year + 1, SOCIAL_SECURITY_YEAR_START_MONTH, 1) - dt.timedelta(days=1)


def social_security_year_of(day: dt.date) -> int:
    """The social-security year ``day`` falls in."""
    return day.year if day.month >= SOCIAL_SECURITY_YEAR_START_MONTH else day.year - 1


def workbook_year(valid_from: dt.date) -> int:
    """The social-security year whose parameter workbook carries a version starting on
    ``valid_from`` (residents' calendar years included, see the module docstring)."""
    return social_security_year_of(valid_from)


class Need(StrEnum):
    """Whether a key field is required, optional or must stay empty for a kind."""

    REQUIRED = "REQUIRED"
    OPTIONAL = "OPTIONAL"
    NONE = "NONE"


@dataclass(frozen=True)
class KindRule:
    label: str  # zh-CN, as the workbook and the pages show it
    is_rate: bool  # a fraction in [0, 1) with up to 4 places; otherwise money (yuan, 2 places)
    payer_kinds: frozenset[PayerKind]  # empty: the key has no payer kind
    insurance: Need
    item: Need  # grade number / base choice number


_ALL_EMPLOYED = frozenset({PayerKind.UNIT, PayerKind.FLEXIBLE})


class ParameterKind(StrEnum):
    BASE_FLOOR = "BASE_FLOOR"  # 缴费基数下限
    BASE_CEILING = "BASE_CEILING"  # 缴费基数上限
    RATE = "RATE"  # 缴费比例
    AVERAGE_WAGE = "AVERAGE_WAGE"  # 社平工资 (monthly)
    MINIMUM_WAGE = "MINIMUM_WAGE"  # 最低工资标准 (monthly)
    RESIDENT_GRADE = "RESIDENT_GRADE"  # 城乡居民缴费档次 / 医保个人缴费标准 (annual)
    RESIDENT_SUBSIDY = "RESIDENT_SUBSIDY"  # 城乡居民缴费补贴 per grade (annual)
    FLEXIBLE_BASE = "FLEXIBLE_BASE"  # 灵活就业人员可选缴费基数 (monthly)

    @property
    def rule(self) -> KindRule:
        return KIND_RULES[self]

    @property
    def label(self) -> str:
        return KIND_RULES[self].label


KIND_RULES: dict[ParameterKind, KindRule] = {
    ParameterKind.BASE_FLOOR: KindRule("缴费基数下限", False, _ALL_EMPLOYED, Need.OPTIONAL, Need.NONE),
    ParameterKind.BASE_CEILING: KindRule("缴费基数上限", False, _ALL_EMPLOYED, Need.OPTIONAL, Need.NONE),
    ParameterKind.RATE: KindRule("缴费比例", True, _ALL_EMPLOYED, Need.REQUIRED, Need.NONE),
    ParameterKind.AVERAGE_WAGE: KindRule("社平工资", False, frozenset(), Need.NONE, Need.NONE),
    ParameterKind.MINIMUM_WAGE: KindRule("最低工资标准", False, frozenset(), Need.NONE, Need.NONE),
    ParameterKind.RESIDENT_GRADE: KindRule("城乡居民缴费档次", False, frozenset({PayerKind.RESIDENT}),
                                           Need.REQUIRED, Need.REQUIRED),
    ParameterKind.RESIDENT_SUBSIDY: KindRule("城乡居民缴费补贴", False,
                                             frozenset({PayerKind.RESIDENT}), Need.REQUIRED,
                                             Need.REQUIRED),
    ParameterKind.FLEXIBLE_BASE: KindRule("灵活就业缴费基数档次", False,
                                          frozenset({PayerKind.FLEXIBLE}), Need.NONE, Need.REQUIRED),
}


@dataclass(frozen=True, order=True)
class ParameterKey:
    """What a value is for. Empty strings mean "not keyed by this": ``district_code`` "" is the
    whole city, ``insurance_code`` "" (floors and ceilings) every insurance type."""

    kind: ParameterKind
    city_code: str
    payer_kind: str = ""
    insurance_code: str = ""
    item: str = ""
    district_code: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", ParameterKind(self.kind))
        except ValueError:
            raise InvalidParameter(f"未知参数类别: {self.kind!r}") from None
        rule = KIND_RULES[self.kind]
        where = _Lazy(self.describe)
        if not (len(self.city_code) == 4 and self.city_code.isdigit()):
            raise InvalidParameter(f"{where}: 地市代码须为4位数字")
        if self.district_code and not (len(self.district_code) == 6 and self.district_code.isdigit()
                                       and self.district_code.startswith(self.city_code)):
            raise InvalidParameter(f"{where}: 区县代码须为本地市的6位行政区划代码")
        if rule.payer_kinds:
            if self.payer_kind not in {k.value for k in rule.payer_kinds}:
                allowed = "、".join(k.label for k in sorted(rule.payer_kinds))
                raise InvalidParameter(f"{where}: 缴费人类型须为 {allowed}")
        elif self.payer_kind:
            raise InvalidParameter(f"{where}: 不区分缴费人类型")
        _check_need(where, "险种", self.insurance_code, rule.insurance)
        _check_need(where, "项目（档次）", self.item, rule.item)
        if self.insurance_code:
            insurance = INSURANCE_BY_CODE.get(self.insurance_code)
            if insurance is None:
                raise InvalidParameter(f"{where}: 未知险种 {self.insurance_code}")
            if self.payer_kind and PayerKind(self.payer_kind) not in insurance.for_kinds:
                raise InvalidParameter(f"{where}: {insurance.name}不适用于{PayerKind(self.payer_kind).label}")
        if self.item and not (self.item.isdigit() and int(self.item) > 0 and self.item[0] != "0"):
            raise InvalidParameter(f"{where}: 项目（档次）须为正整数")

    def describe(self) -> str:
        """A readable name for messages: 广州 4401 缴费基数上限 单位 PENSION."""
        parts = [self.city_code + (f"/{self.district_code}" if self.district_code else ""),
                 KIND_RULES[self.kind].label]
        if self.payer_kind:
            parts.append(PayerKind(self.payer_kind).label if self.payer_kind in PayerKind.__members__
                         else self.payer_kind)
        if self.insurance_code:
            parts.append(self.insurance_code)
        if self.item:
            parts.append(f"第{self.item}档")
        return " ".join(parts)


class _Lazy:
    """A message part computed only when an error is raised (keys are made in lookups, often)."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __str__(self) -> str:
        return self._make()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _places(quantum: Decimal) -> int:
    """Decimal places of a quantum such as Decimal('0.01') (an exponent, never NaN here)."""
    exponent = quantum.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _check_need(where: object, field: str, value: str, need: Need) -> None:
    if need is Need.REQUIRED and not value:
        raise InvalidParameter(f"{where}: {field}不能为空")
    if need is Need.NONE and value:
        raise InvalidParameter(f"{where}: 不应填写{field}")


def parameter_value(kind: ParameterKind, value: Decimal | int | str) -> Decimal:
    """The value checked and normalised for its kind: a rate in [0, 1) with at most 4 places,
    or a non-negative amount with at most 2 places. Floats are refused, as for money."""
    if isinstance(value, (float, bool)):
        raise InvalidParameter(f"参数值不能是浮点数: {value!r}")
    try:
        d = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidParameter(f"参数值不是数字: {value!r}") from None
    if not d.is_finite():
        raise InvalidParameter(f"参数值不是有限数: {value!r}")
    places = RATE_PLACES if KIND_RULES[kind].is_rate else MONEY_PLACES
    q = d.quantize(places)
    if q != d:
        raise InvalidParameter(f"{KIND_RULES[kind].label}最多{_places(places)}位小数: {value}")
    if KIND_RULES[kind].is_rate and not (0 <= q < 1):
        raise InvalidParameter(f"缴费比例须在0到1之间（如 0.1600）: {value}")
    if q < 0 or q > Decimal("99999999.99"):
        raise InvalidParameter(f"金额须为非负数且不超过99999999.99: {value}")
    return q


@dataclass(frozen=True)
class ParameterVersion:
    """One value of one key over one period. ``id`` is None until stored; a stored version in
    force is never edited (only its end date may close, when a successor supersedes it)."""

    key: ParameterKey
    valid_from: dt.date
    valid_to: dt.date | None
    value: Decimal
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", parameter_value(self.key.kind, self.value))
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidParameter(f"{self.key.describe()}: 失效日期 {self.valid_to} 早于生效日期 "
                                   f"{self.valid_from}")

    def covers(self, day: dt.date) -> bool:
        """THE lookup rule: in force on ``day`` when valid_from <= day <= valid_to (or no end)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: "ParameterVersion") -> bool:
        return (self.valid_to is None or other.valid_from <= self.valid_to) and \
               (other.valid_to is None or self.valid_from <= other.valid_to)

    def period_text(self) -> str:
        return f"{self.valid_from} 至 {self.valid_to or '长期'}"

    def describe(self) -> str:
        ident = f"#{self.id} " if self.id is not None else ""
        return f"{ident}{self.key.describe()} {self.period_text()} = {self.value}"
