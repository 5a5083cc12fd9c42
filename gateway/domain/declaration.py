"""社会保险费申报 for units (issue 15): enrolment schemes, the terms a line is computed with, the
declaration's states, the pending-list message and what voiding does with a locked levy.

A declaration covers one fee period (a calendar month). The first one of a period declares every
enrolled person; a later one (新增员申报, SUPPLEMENT) declares the persons enrolled since, and its
amounts are added to the period's UNPAID levies (one levy per payer, insurance type and period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gateway.domain.contribution import CityParameters
from gateway.domain.debit import UNRESOLVED, DebitState
from gateway.domain.errors import DomainError
from gateway.domain.identifiers import is_valid_id_number
from gateway.domain.levy import LockKind
from gateway.domain.money import money

# Reading: a unit's assessed insurance types (核定信息) are the five unit types for which its
# city has a rate in force; the gateway keeps no per-unit assessment of its own.
UNIT_INSURANCE_TYPES = ("PENSION", "MEDICAL", "UNEMPLOYMENT", "INJURY", "MATERNITY")
INJURY = "INJURY"
RATE_SCALE = 10_000  # rates have at most 4 places (reference.KindRule.is_rate)


class PortalRefused(DomainError):
    """A portal action the rules refuse; the message is the Chinese text shown to the user."""

    rule = "portal.refused"


class Scheme(StrEnum):
    FULL = "FULL"  # every assessed type
    INJURY_PT = "INJURY_PT"  # 非全日制用工工伤增员登记: work-injury insurance only

    @property
    def label(self) -> str:
        return "全险种" if self is Scheme.FULL else "非全日制工伤"

    def covers(self, insurance_code: str) -> bool:
        return self is Scheme.FULL or insurance_code == INJURY


class PersonState(StrEnum):
    ACTIVE = "ACTIVE"  # 在册
    REMOVED = "REMOVED"  # 已减员


class ChangeKind(StrEnum):
    ADD = "ADD"  # 增员
    ADD_INJURY = "ADD_INJURY"  # 非全日制工伤增员
    REMOVE = "REMOVE"  # 减员
    WAGE = "WAGE"  # 缴费工资调整


CHANGE_LABELS = {ChangeKind.ADD: "增员", ChangeKind.ADD_INJURY: "非全日制工伤增员",
                 ChangeKind.REMOVE: "减员", ChangeKind.WAGE: "缴费工资调整"}


class DeclarationKind(StrEnum):
    NORMAL = "NORMAL"
    SUPPLEMENT = "SUPPLEMENT"  # 新增员申报


class DeclarationState(StrEnum):
    DECLARED = "DECLARED"
    VOIDED = "VOIDED"


@dataclass(frozen=True)
class TypeTerms:
    """How one insurance type's line is computed: the base is the wage clamped to [floor,
    ceiling], the amount base × rate rounded half-up to the fen (contribution.contribution)."""

    insurance_code: str
    floor: Decimal
    ceiling: Decimal
    rate_e4: int  # rate × 10000

    def base(self, wage: Decimal) -> Decimal:
        return min(max(money(wage), self.floor), self.ceiling)

    def amount(self, wage: Decimal) -> Decimal:
        fen = (int(self.base(wage) * 100) * self.rate_e4 * 2 + RATE_SCALE) // (2 * RATE_SCALE)
        return money(Decimal(fen) / 100)


def terms_of(params: CityParameters) -> tuple[TypeTerms, ...]:
    out = []
    for code, rate in sorted(params.rates.items()):
        floor, ceiling = params.bounds.get(code, (params.wage_floor, params.wage_ceiling))
        scaled = Decimal(rate) * RATE_SCALE
        if scaled != scaled.to_integral_value():
            raise PortalRefused(f"险种 {code} 的费率超过 4 位小数，无法计算")
        out.append(TypeTerms(code, money(floor), money(ceiling), int(scaled)))
    return tuple(out)


def fee_period(text: str) -> tuple[dt.date, dt.date]:
    """'2026-12' → (2026-12-01, 2026-12-31)."""
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        start = dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise PortalRefused("费款所属期格式应为 YYYY-MM") from None
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def pending_message(pending_amount: Decimal, new_persons: int) -> str:
    """What a unit is told when its pending batch-deduction list could not be voided."""
    return f"你单位已有 {money(pending_amount):,.2f} 元社保费待银行扣款；本次新增员申报 {new_persons} 人。"


def check_person(id_number: str, name: str, wage: Decimal) -> None:
    if not is_valid_id_number(id_number.strip().upper()):
        raise PortalRefused("身份证号码不正确（18 位，校验位不符）")
    if not (1 <= len(name.strip()) <= 50):
        raise PortalRefused("姓名为 1 至 50 个字")
    check_wage(wage)


def check_wage(wage: Decimal) -> None:
    if money(wage) <= 0 or money(wage) > Decimal("9999999.99"):
        raise PortalRefused("缴费工资应大于 0 且不超过 9,999,999.99 元")


class LockResolution(StrEnum):
    UNLOCK = "UNLOCK"  # the payment did not happen: release the levy, then void
    QUERY = "QUERY"  # the payment is still in flight: ask the bank, void when it answers
    WAIT = "WAIT"  # a bank counter holds a live reservation: try again after it lapses
    PAID = "PAID"  # the money moved: refuse


def resolve_lock(kind: LockKind | None, debit_state: DebitState | None,
                 lock_until: dt.datetime | None, now: dt.datetime) -> LockResolution:
    """What voiding does with a LOCKED levy, from the payment that holds the lock."""
    if kind is LockKind.COUNTER:
        return LockResolution.UNLOCK if lock_until is not None and lock_until <= now \
            else LockResolution.WAIT
    if debit_state is None or debit_state in (DebitState.FAILED, DebitState.REVERSED):
        return LockResolution.UNLOCK
    if debit_state in UNRESOLVED:
        return LockResolution.QUERY
    return LockResolution.PAID


VOID_PAID_MESSAGE = ("本期申报已有费款缴入（{amount} 元），不能作废。款项已从账户划出，"
                     "如需更正请先办理退费。")
VOID_QUERY_MESSAGE = ("该申报有一笔扣款尚未确认结果（{key}），已向银行查询扣款状态。"
                      "确认未扣款后即可作废；若银行已扣款则不能作废。")
VOID_WAIT_MESSAGE = "该申报的费款正由银行柜台办理缴款（保留至 {until:%Y-%m-%d %H:%M}），请在此后再作废。"
