"""The rules of one package's answers: a 2102 applied item by item (§6.6 rule 4–6), the totals
check of a 2102, and a stop request (1123 ⇒ 2123, §6.7) with its states.

A 2102 item is judged against the item the gateway sent (TraNo, amount, voucher): a mismatch is
never applied; a success pays, a listed failure fails, any other code leaves the item IN_DOUBT
for the 3122 to decide. Applying the verdict to the levies is the service's work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Sequence

from gateway.domain import states
from gateway.domain.debit import Debit
from gateway.domain.errors import DomainError
from gateway.domain.money import money, total
from gateway.domain.results import ResultClass, classify


@dataclass(frozen=True)
class ItemReturn:
    """One BatchReturn2102."""

    ori_tra_no: str
    tra_amt: Decimal
    tax_vou_no: str
    tax_date: dt.date | None
    result: str
    add_word: str = ""


class ItemVerdict(StrEnum):
    PAID = "PAID"
    FAILED = "FAILED"
    IN_DOUBT = "IN_DOUBT"
    MISMATCH = "MISMATCH"  # TraNo unknown, or amount / voucher differ: recorded for review only


def judge(item: Debit | None, ret: ItemReturn) -> ItemVerdict:
    if item is None or money(ret.tra_amt) != item.amount or ret.tax_vou_no != item.tax_vou_no:
        return ItemVerdict.MISMATCH
    klass = classify(ret.result)
    if klass is ResultClass.SUCCESS:
        return ItemVerdict.PAID
    if klass is ResultClass.FAILURE:
        return ItemVerdict.FAILED
    return ItemVerdict.IN_DOUBT


def totals_problem(returns: Sequence[ItemReturn], all_num: int, all_amt: Decimal,
                   succ_num: int, succ_amt: Decimal, item_count: int,
                   package_total: Decimal) -> str:
    """Why a 2102's counts or sums do not add up (answered 92004), or "" when they do."""
    if all_num != len(returns) or all_num != item_count:
        return f"AllNum {all_num} 与明细 {len(returns)} 笔或原包 {item_count} 笔不符"
    if money(all_amt) != money(package_total) or total(r.tra_amt for r in returns) != money(all_amt):
        return f"AllAmt {all_amt} 与原包金额 {package_total} 或明细合计不符"
    won = [r for r in returns if classify(r.result) is ResultClass.SUCCESS]
    if succ_num != len(won) or money(succ_amt) != total(r.tra_amt for r in won):
        return f"SuccNum/SuccAmt {succ_num}/{succ_amt} 与成功明细不符"
    return ""


class StopType(StrEnum):
    ITEM = "0"
    PACKAGE = "1"


class StopState(StrEnum):
    SENT = "SENT"  # 1123 in the outbox; the levies stay LOCKED
    STOPPED = "STOPPED"  # 2123 StopAnswer 1
    REFUSED = "REFUSED"  # 2123 StopAnswer 2 (or a 9121 refusal): nothing changes


STOP_TRANSITIONS: states.Table = {
    StopState.SENT: frozenset({StopState.STOPPED, StopState.REFUSED}),
    StopState.STOPPED: frozenset(),
    StopState.REFUSED: frozenset(),
}
NO_ITEM = "00000000"


@dataclass
class StopRequest:
    id: int | None
    package_id: int
    tax_org_code: str
    entrust_date: dt.date
    stop_no: str
    stop_type: StopType
    ori_entrust_date: dt.date
    ori_pack_no: str
    ori_tra_no: str
    reason: str
    requested_by: str = ""
    state: StopState = StopState.SENT
    add_word: str = ""
    msg_id: str = ""
    next_check_at: dt.datetime | None = None
    resends: int = 0
    history: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if (self.stop_type is StopType.PACKAGE) != (self.ori_tra_no == NO_ITEM):
            raise ValueError("OriTraNo is 00000000 exactly for a whole-package stop")

    @property
    def key(self) -> str:
        return f"{self.tax_org_code}/{self.entrust_date:%Y%m%d}/{self.stop_no}"

    def _go(self, target: StopState, why: str) -> None:
        states.check(STOP_TRANSITIONS, "stop", self.key, self.state, target, why=why)
        self.history.append(f"{self.state.value}->{target.value} {why}".strip())
        self.state = target
        self.next_check_at = None

    def sent(self, msg_id: str, answer_due: dt.datetime) -> None:
        self.msg_id, self.next_check_at = msg_id, answer_due

    def resent(self, msg_id: str, answer_due: dt.datetime) -> None:
        """No 2123 in time: the same 1123 (same StopNo) with a new MsgID (§6.7)."""
        self.resends += 1
        self.sent(msg_id, answer_due)

    def answered(self, stopped: bool, add_word: str) -> bool:
        """Apply a 2123; False when the stop had already been answered (a repeat)."""
        if self.state is not StopState.SENT:
            return False
        self._go(StopState.STOPPED if stopped else StopState.REFUSED, f"2123 {add_word}")
        self.add_word = add_word
        return True


class DraftLine(NamedTuple):
    """One levy of an item: its TaxTypeList1102 line. (Named tuples, not frozen dataclasses:
    a month's batch builds a million of them, and a frozen dataclass's ``__init__`` costs
    several times a tuple's.)"""

    levy_id: int
    insurance_code: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal


class ItemDraft(NamedTuple):
    """One item before it is written: a payer, the agreement it is debited under, ≤ 99 levies."""

    payer_id: int
    tax_pay_code: str
    tax_pay_name: str
    agreement_id: int
    protocol_no: str
    pay_op_bk_code: str
    pay_acct: str
    hand_org_name: str
    lines: tuple[DraftLine, ...]

    @property
    def amount(self) -> Decimal:
        return total(line.amount for line in self.lines)


class PackageTooLarge(DomainError):
    """The encoded 1102 would pass the message size limit: split the package."""
