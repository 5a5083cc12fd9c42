"""对账 (entry-detail reconciliation, ets-interface §6.8) and the fund entry report (§6.9).

The rules here are plain values the SQL of the reconciliation repository applies set-based:
which item is matched to which transaction, what counts as a discrepancy and of which kind,
when a package is complete, when a missing sub-package is alerted, and when "succeeded here but
absent there" may be said (after a grace of clearing days). A discrepancy is open until staff
resolve it with a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Iterable, Sequence

from gateway.domain import states
from gateway.domain.calendar import ClearingCalendar
from gateway.domain.commands import Command
from gateway.domain.debit import DebitKind, DebitState
from gateway.domain.errors import IllegalTransition
from gateway.domain.levy import LevyState

NO_PACK = "00000000"  # OriPackNo of a 1001 or 2108 item (ser0 "none")

#: OriMsgNo of an item → the kind of gateway transaction it names (§6.8 rule 3).
MSG_KIND: dict[str, DebitKind] = {"1001": DebitKind.SINGLE, "1102": DebitKind.BATCH_ITEM,
                                  "2108": DebitKind.COUNTER}

OP_ENTERED = "20"  # 入库
OP_REVERSED = "97"

#: Levies of a confirmed transaction go from this state to SETTLED (§8.1 PAID → SETTLED).
SETTLE_FROM = LevyState.PAID
SETTLE_TO = LevyState.SETTLED


class DiscrepancyKind(StrEnum):
    """§6.8 rule 5, as the console names them."""

    UNKNOWN = "UNKNOWN"  # (a) an item the gateway has no transaction for
    COUNTER_UNKNOWN = "COUNTER_UNKNOWN"  # (a) for an OriMsgNo 2108 item: a counter payment
    AMOUNT = "AMOUNT"  # (b) TraAmt differs
    VOUCHER = "VOUCHER"  # (c) OriTaxVouNo differs
    ABSENT = "ABSENT"  # (d) succeeded here, absent there (after the grace)
    REVERSED_PAID = "REVERSED_PAID"  # (e) reversed there (97), held as succeeded here
    # An OpStat 20 item for a transaction the gateway does not hold as succeeded (IN_DOUBT,
    # FAILED, REVERSED, still in flight): rule 4 calls for applying it as a (late) success; the
    # gateway lists it for staff instead of moving money states on its own. A reading (§6.8
    # rule 4/5 (f)): kept in this one place.
    STATE_DIFFERS = "STATE_DIFFERS"


KIND_LABELS: dict[DiscrepancyKind, str] = {
    DiscrepancyKind.UNKNOWN: "网关无此交易",
    DiscrepancyKind.COUNTER_UNKNOWN: "柜面缴款网关无记录",
    DiscrepancyKind.AMOUNT: "金额不符",
    DiscrepancyKind.VOUCHER: "费票号不符",
    DiscrepancyKind.ABSENT: "网关成功而对账无此笔",
    DiscrepancyKind.REVERSED_PAID: "对账已冲正而网关已缴",
    DiscrepancyKind.STATE_DIFFERS: "对账入库而网关未成功",
}

#: Item kinds that leave the transaction unsettled until staff resolve them (§6.8 rule 5).
HOLDS_SETTLEMENT = frozenset({DiscrepancyKind.AMOUNT, DiscrepancyKind.VOUCHER})


class ItemOutcome(StrEnum):
    """What matching made of one item; the discrepancy kinds plus the two clean outcomes."""

    SETTLED = "SETTLED"  # 20, equal values, held as succeeded: its levies SETTLED
    REVERSED = "REVERSED"  # 97 for a transaction held as reversed: agrees
    UNKNOWN = DiscrepancyKind.UNKNOWN.value
    COUNTER_UNKNOWN = DiscrepancyKind.COUNTER_UNKNOWN.value
    AMOUNT = DiscrepancyKind.AMOUNT.value
    VOUCHER = DiscrepancyKind.VOUCHER.value
    REVERSED_PAID = DiscrepancyKind.REVERSED_PAID.value
    STATE_DIFFERS = DiscrepancyKind.STATE_DIFFERS.value


@dataclass(frozen=True)
class EntryDetail:
    """One CompDeduct3122 item."""

    payee_org_code: str
    ori_msg_no: str
    ori_send_org_code: str
    ori_entrust_date: dt.date
    ori_pack_no: str
    ori_tra_no: str
    ori_tax_vou_no: str
    tra_amt: Decimal
    tax_date: dt.date
    op_stat: str


def classify(matched: bool, ori_msg_no: str, op_stat: str, amount_equal: bool,
             voucher_equal: bool, state: DebitState | None) -> ItemOutcome:
    """The outcome of one item; the SQL of the repository is this function as a CASE (the unit
    tests hold the two to the same table)."""
    if not matched:
        return ItemOutcome.COUNTER_UNKNOWN if ori_msg_no == "2108" else ItemOutcome.UNKNOWN
    if not amount_equal:
        return ItemOutcome.AMOUNT
    if not voucher_equal:
        return ItemOutcome.VOUCHER
    if op_stat == OP_REVERSED:
        return ItemOutcome.REVERSED_PAID if state is DebitState.SUCCEEDED else ItemOutcome.REVERSED
    return ItemOutcome.SETTLED if state is DebitState.SUCCEEDED else ItemOutcome.STATE_DIFFERS


@dataclass(frozen=True)
class SubPackage:
    """What a 3122 sub-package's head says about its package."""

    cur_pack_no: int
    child_pack_num: int
    all_num: int
    all_amt: Decimal
    cur_pack_num: int
    cur_pack_amt: Decimal


@dataclass(frozen=True)
class PackageView:
    """A 3122 package as stored: its key, state and the sub-packages that have arrived."""

    id: int
    tax_org_code: str
    chk_date: dt.date
    pack_no: str
    state: str  # RECEIVING, COMPLETE, RECONCILED
    subs: tuple[SubPackage, ...]
    alerted: bool


def package_complete(subs: Sequence[SubPackage]) -> bool:
    """§6.8 rule 2: all ChildPackNum sub-packages present, adding up to AllNum and AllAmt."""
    if not subs:
        return False
    first = subs[0]
    numbers = {s.cur_pack_no for s in subs}
    return (numbers == set(range(1, first.child_pack_num + 1))
            and sum(s.cur_pack_num for s in subs) == first.all_num
            and sum((s.cur_pack_amt for s in subs), Decimal("0.00")) == first.all_amt)


def missing_numbers(subs: Sequence[SubPackage]) -> list[int]:
    if not subs:
        return []
    return sorted(set(range(1, subs[0].child_pack_num + 1)) - {s.cur_pack_no for s in subs})


def completeness_deadline(chk_date: dt.date, calendar: ClearingCalendar, hour: int
                          ) -> dt.datetime:
    """§6.8 rule 2: by ``hour`` (12:00 by default) of the next clearing day after ChkDate."""
    day = calendar.nth_clearing_day_after(chk_date, 1)
    return dt.datetime.combine(day, dt.time(hour))


def absence_checkable(belongs_to: dt.date, reconciled: dt.date, calendar: ClearingCalendar,
                      grace_days: int) -> bool:
    """Whether a succeeded transaction of ``belongs_to`` that no 3122 listed may be called
    absent when ``reconciled`` has been reconciled: ``grace_days`` clearing days after it.

    A reading: the grace is counted in reconciled check dates, not on the wall clock, so that a
    re-run gives the same answer whenever it runs (grace 0 = at once)."""
    if reconciled < belongs_to:
        return False
    if grace_days <= 0:
        return True
    return calendar.nth_clearing_day_after(belongs_to, grace_days) <= reconciled


#: How far back a run looks for absences (a reading: a month of check dates is plenty for any
#: grace; a transaction older than that is beyond reconciliation's reach anyway).
ABSENCE_WINDOW_DAYS = 31


def checkable_dates(reconciled: Iterable[dt.date], upto: dt.date, calendar: ClearingCalendar,
                    grace_days: int) -> list[dt.date]:
    """The reconciled check dates whose absences may be listed once ``upto`` is reconciled."""
    return sorted(d for d in set(reconciled) if absence_checkable(d, upto, calendar, grace_days))


class DiscrepancyState(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


DISCREPANCY_TRANSITIONS: states.Table = {
    DiscrepancyState.OPEN: frozenset({DiscrepancyState.RESOLVED}),
    DiscrepancyState.RESOLVED: frozenset(),
}


@dataclass
class Discrepancy:
    id: int
    tax_org_code: str
    chk_date: dt.date
    kind: DiscrepancyKind
    state: DiscrepancyState = DiscrepancyState.OPEN
    debit_id: int | None = None
    note: str = ""
    resolved_by: str = ""
    resolved_at: dt.datetime | None = None

    def resolve(self, operator: str, note: str, at: dt.datetime) -> None:
        """OPEN → RESOLVED with who and why; a note is required."""
        if not note.strip():
            raise IllegalTransition("discrepancy", self.id, self.state.value, "RESOLVED",
                                    "处理说明不能为空")
        states.check(DISCREPANCY_TRANSITIONS, "discrepancy", self.id, self.state,
                     DiscrepancyState.RESOLVED, why="已处理的差异不能再次处理")
        self.state, self.note, self.resolved_by, self.resolved_at = (
            DiscrepancyState.RESOLVED, note.strip(), operator, at)

    @property
    def settles_on_resolve(self) -> bool:
        """An amount or voucher difference held the settlement; resolving releases it (a
        reading: staff resolve it once they have confirmed the money entered the treasury)."""
        return self.kind in HOLDS_SETTLEMENT and self.debit_id is not None


@dataclass(frozen=True)
class FundAccountLine:
    """One Stock3128 block."""

    tre_code: str
    acct_code: str
    acct_name: str
    acct_date: dt.date
    yesterday_balance: Decimal
    today_receipt: Decimal
    today_pay: Decimal
    today_balance: Decimal

    @property
    def balanced(self) -> bool:
        """§6.9: YesterdayBalance + TodayReceipt − TodayPay = TodayBalance, exactly."""
        return self.yesterday_balance + self.today_receipt - self.today_pay == self.today_balance

    @property
    def difference(self) -> Decimal:
        return self.yesterday_balance + self.today_receipt - self.today_pay - self.today_balance


@dataclass(frozen=True)
class ReconciliationSummary:
    """What one run of one (TaxOrgCode, ChkDate) found."""

    tax_org_code: str
    chk_date: dt.date
    items: int
    settled_items: int
    settled_levies: int
    discrepancies: int  # the date's discrepancy lines after the run (open and resolved)
    new_discrepancies: int


# Alert sources ops look up (`etsgw alerts list`, the alert table's ``source``).
ALERT_SUBPACKAGE_MISSING = "recon.subpackage_missing"
ALERT_DISCREPANCIES = "recon.discrepancies"
ALERT_FUND_UNBALANCED = "fund_report.unbalanced"


@dataclass(frozen=True)
class RunReconciliation(Command):
    """Reconcile ``chk_date`` (every TaxOrgCode whose package is complete), or with None every
    check date whose packages are complete and not yet reconciled; also raises the alert for
    packages still incomplete after their deadline. Idempotent."""

    chk_date: dt.date | None = None
    operator: str = "system"


@dataclass(frozen=True)
class ResolveDiscrepancy(Command):
    """Staff close one discrepancy with a note (audited by the caller's front end)."""

    discrepancy_id: int
    operator: str
    note: str
