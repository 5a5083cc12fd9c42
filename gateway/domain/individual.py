"""Individual payers' own rules (灵活就业人员, 城乡居民): contact details, the contribution base
within the city's floor and ceiling, which insurance-type changes a person may make directly,
the residents' grade-year rule, paying for another person, and what stopping insurance (停保)
does with a levy that a payment still holds.

Every rule here raises :class:`IndividualRefused` with the sentence the person reads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain.errors import DomainError
from gateway.domain.levy import LockKind
from gateway.domain.money import money


class IndividualRefused(DomainError):
    """A rule of the individual portal refused the request; the message says which, in Chinese."""

    rule = "individual.refused"


class ProfileState(StrEnum):
    ACTIVE = "ACTIVE"  # 正常参保
    STOPPED = "STOPPED"  # 已停保


# Reading of "change insurance types where the rule allows it directly" (险种变更): a
# flexible-employment person may add or drop medical insurance and add pension at any time;
# dropping pension is a stop of the employees' pension record, which the social-security office
# handles (社保经办机构办理), so the portal refuses it and points there. The one place this is decided.
FLEXIBLE_TYPES = ("PENSION", "MEDICAL")
OFFICE_ONLY_REMOVALS = frozenset({"PENSION"})

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,30}$")


@dataclass
class IndividualProfile:
    """What the portal keeps about a person beside the payer row: contact details, the declared
    monthly contribution base (flexible persons), the insurance types and the stop state."""

    payer_id: int
    phone: str = ""
    address: str = ""
    base: Decimal | None = None  # monthly base; None: the lowest choice in force (the demo's)
    base_from: dt.date | None = None  # first fee month the base applies to
    insurance_codes: tuple[str, ...] = FLEXIBLE_TYPES
    state: ProfileState = ProfileState.ACTIVE
    stopped_at: dt.datetime | None = None
    changes: list[str] = field(default_factory=list, repr=False)

    def change_contact(self, phone: str, address: str) -> None:
        phone, address = phone.strip(), address.strip()
        if not _MOBILE.match(phone):
            raise IndividualRefused("手机号码应为 11 位数字的大陆手机号")
        if not 2 <= len(address) <= 200:
            raise IndividualRefused("联系地址为 2 至 200 个字")
        self.phone, self.address = phone, address
        self.changes.append("contact")

    def adjust_base(self, base: Decimal, floor: Decimal, ceiling: Decimal, today: dt.date) -> dt.date:
        """The new base applies from next month's fee period (the current one may be declared
        already); returns that first month."""
        self._ensure_active()
        base = money(base)
        if not floor <= base <= ceiling:
            raise IndividualRefused(f"缴费基数须在本市下限 {floor:,.2f} 元与上限 {ceiling:,.2f} 元之间")
        first = next_month(today)
        self.base, self.base_from = base, first
        self.changes.append("base")
        return first

    def change_types(self, wanted: tuple[str, ...]) -> None:
        self._ensure_active()
        wanted = tuple(c for c in FLEXIBLE_TYPES if c in set(wanted))
        unknown = set(wanted) - set(FLEXIBLE_TYPES)
        if unknown or not wanted:
            raise IndividualRefused("请至少选择一个灵活就业人员可参保的险种")
        dropped = set(self.insurance_codes) - set(wanted)
        if dropped & OFFICE_ONLY_REMOVALS:
            raise IndividualRefused("停缴企业职工基本养老保险须到社保经办机构办理，不能在网上直接变更")
        self.insurance_codes = wanted
        self.changes.append("types")

    def stop(self, at: dt.datetime) -> None:
        self._ensure_active()
        self.state, self.stopped_at = ProfileState.STOPPED, at
        self.changes.append("stop")

    def _ensure_active(self) -> None:
        if self.state is ProfileState.STOPPED:
            raise IndividualRefused("您已停保，不能办理此业务")


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def grade_years(today: dt.date) -> tuple[int, int]:
    """The residents' grade-year rule of the requirements (默认当年，允许选次年): the current year
    (the default) or the next one, never a later or an earlier year."""
    return today.year, today.year + 1


def check_grade_year(year: int, today: dt.date) -> int:
    if year not in grade_years(today):
        this, following = grade_years(today)
        raise IndividualRefused(f"缴费年度只能选择当年（{this}）或次年（{following}）")
    return year


def check_person(id_number: str, name: str, stored_name: str | None) -> None:
    """Paying for another person: the ID number must name a resident contributor and the name
    must be theirs, exactly (no hint which of the two was wrong, so no one can probe names)."""
    if not _NAME.match(name.strip()) or stored_name is None or stored_name != name.strip():
        raise IndividualRefused("身份证号码与姓名不匹配，或该人员不是城乡居民参保人")


class LockResolution(StrEnum):
    RELEASE = "RELEASE"  # the payment did not happen: unlock, then void
    QUERY = "QUERY"  # the payment's outcome is unknown: ask the bank, refuse for now
    REFUSE = "REFUSE"  # money moved or may still move: refuse with the reason


@dataclass(frozen=True)
class LockedLevy:
    """A levy some payment holds, with what is known of that payment."""

    levy_id: int
    lock_kind: LockKind
    payment_state: str | None  # the debit's state (DEBIT, BATCH_ITEM); None when unknown
    lock_until: dt.datetime | None = None  # counter reservations


def resolve_lock(lock: LockedLevy, now: dt.datetime) -> tuple[LockResolution, str]:
    """What stopping insurance does with a levy a payment holds (as voiding a unit's
    declaration does): release an abandoned payment that did not happen, query a real-time debit
    whose outcome is unknown, refuse while money moved or may still move."""
    if lock.lock_kind is LockKind.COUNTER:
        if lock.lock_until is not None and lock.lock_until < now:
            return LockResolution.RELEASE, "柜台缴款凭证已过期未缴"
        return LockResolution.REFUSE, f"应征 {lock.levy_id} 已开具柜台缴款凭证，凭证有效期内不能停保"
    if lock.payment_state in ("FAILED", "REVERSED"):
        return LockResolution.RELEASE, "扣款未成功"
    if lock.payment_state == "SUCCEEDED":
        return LockResolution.REFUSE, f"应征 {lock.levy_id} 的款项已扣收，不能作废"
    if lock.lock_kind is LockKind.DEBIT:
        return LockResolution.QUERY, (f"应征 {lock.levy_id} 有一笔结果未明的扣款，已向银行查询扣款状态，"
                                      "请稍后再办理停保；若款项已扣收，将不能作废")
    return LockResolution.REFUSE, f"应征 {lock.levy_id} 正在批量扣款中，请待银行返回结果后再办理停保"


@dataclass(frozen=True)
class StopOutcome:
    """What a stop did (or, when refused, nothing: ``refusals`` says why)."""

    voided: tuple[int, ...] = ()
    released: tuple[int, ...] = ()
    agreements_terminated: tuple[int, ...] = ()
    agreements_revoking: tuple[int, ...] = ()  # ACTIVE ones: revoked with the bank (9114)
    queried: tuple[int, ...] = ()  # debits asked about (9003)
    refusals: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return not self.refusals


RESIDENT_PENSION = "RESIDENT_PENSION"
RESIDENT_MEDICAL = "RESIDENT_MEDICAL"
RESIDENT_TYPES = (RESIDENT_PENSION, RESIDENT_MEDICAL)
