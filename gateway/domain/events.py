"""Events: facts that happened, mostly answers and notices from the ETS and the banks, in the
domain's own terms (the runtime translates wire messages into these). Past-tense names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from gateway.domain.reconciliation import EntryDetail


@dataclass(frozen=True)
class InboundRef:
    """Where an inbound message came from, for correlation and answers."""

    msg_no: str
    msg_id: str
    src: str
    queue_class: str  # ONLINE | BATCH


class Event:
    """Base class; events that arrived as messages carry ``ref`` (an :class:`InboundRef`)."""


@dataclass(frozen=True)
class RequestAcknowledged(Event):
    """9120 to one of our requests, matched by the wire edge through its MsgRef (the request's
    MsgID); each kind of request has its own subclass, so the bus routes it once."""

    ref: InboundRef
    request_msg_id: str
    result: str
    add_word: str = ""

    @property
    def accepted(self) -> bool:
        return self.result == "90000"


class DebitAcknowledged(RequestAcknowledged):
    """9120 to a 1001."""


class ReversalAcknowledged(RequestAcknowledged):
    """9120 to a 1021."""


class VerificationAcknowledged(RequestAcknowledged):
    """9120 to a 9114."""


class LinkTestAcknowledged(RequestAcknowledged):
    """9120 to a 9005."""


class StatusQueryAcknowledged(RequestAcknowledged):
    """9120 to a 9003 (the 9004 follows; a refusal moves to the next back-off step)."""


class AcknowledgementUnmatched(RequestAcknowledged):
    """9120 whose MsgRef names no request of ours."""


@dataclass(frozen=True)
class VerificationAnswered(Event):
    """9115."""

    ref: InboundRef
    tax_org_code: str
    entrust_date: dt.date
    vc_no: str
    vc_sign: str
    passed: bool
    reason: str
    protocol_no: str
    pay_acct: str


@dataclass(frozen=True)
class DebitAnswered(Event):
    """2001: the bank's result for a 1001."""

    ref: InboundRef
    tax_org_code: str
    entrust_date: dt.date
    tra_no: str
    tax_vou_no: str
    result: str
    add_word: str
    tax_date: dt.date | None


@dataclass(frozen=True)
class ReversalAnswered(Event):
    """2021."""

    ref: InboundRef
    tax_org_code: str
    cancel_no: str
    cancel_date: dt.date
    ori_entrust_date: dt.date
    ori_tra_no: str
    reversed: bool
    add_word: str


@dataclass(frozen=True)
class StatusReported(Event):
    """9004: the ETS's status of a single debit (search_type 0) or a package (1)."""

    ref: InboundRef
    tax_org_code: str
    search_type: str
    ori_entrust_date: dt.date
    ori_pack_no: str
    ori_tra_no: str
    chk_date: dt.date
    op_stat: str


@dataclass(frozen=True)
class CounterQueried(Event):
    """2091: a bank counter asks for a voucher; answered with a 1009."""

    ref: InboundRef
    bank_no: str
    entrust_date: dt.date
    query_no: str
    pay_op_bk_code: str
    tax_org_code: str
    tax_pay_code: str
    tax_vou_no: str


@dataclass(frozen=True)
class CounterPaid(Event):
    """2108: a bank reports a counter payment; answered with a 9120."""

    ref: InboundRef
    bank_no: str
    tax_vou_no: str
    entrust_date: dt.date
    tra_no: str
    tax_date: dt.date
    amount: Decimal
    result: str
    add_word: str
    work_date: dt.date  # HEAD WorkDate of this copy: the date the payment belongs to (§11 6.4)


@dataclass(frozen=True)
class LinkTested(Event):
    """9005 from the ETS; answered with 9120 90000."""

    ref: InboundRef


@dataclass(frozen=True)
class DayChanged(Event):
    """9101: the ETS work date and system state (0 intraday, 1 day switch, 2 maintenance)."""

    ref: InboundRef
    work_date: dt.date
    sys_stat: str


# Events raised by the gateway itself (for notifications, the portal and the console).

@dataclass(frozen=True)
class DebitResolved(Event):
    debit_id: int
    state: str
    reason: str


@dataclass(frozen=True)
class DuplicatePaymentFlagged(Event):
    """A success arrived for a levy that was already paid another way: the payer paid twice and
    is refunded (§8.1). Raised inside the payment's transaction, handled after it commits."""

    levy_id: int
    payment: str  # the lock owner whose success came second (e.g. DEBIT:12)
    amount: Decimal  # what that payment took for the levy
    debit_key: str
    tax_org_code: str
    paid_by: str  # the payment that had paid the levy first


# Batch-class notices from the ETS. The runtime keeps each message as received (for the
# reconciliation and batch flows); these events carry what the receipt needs.

@dataclass(frozen=True)
class ReconciliationReceived(Event):
    """A 3122 sub-package (entry details of one TaxOrgCode for ChkDate)."""

    ref: InboundRef
    tax_org_code: str
    chk_date: dt.date
    pack_no: str
    cur_pack_no: int
    child_pack_num: int
    cur_pack_num: int
    cur_pack_amt: Decimal
    all_num: int = 0
    all_amt: Decimal = Decimal("0.00")
    items: tuple[EntryDetail, ...] = ()


@dataclass(frozen=True)
class FundAccountFigures:
    tre_code: str
    acct_code: str
    yesterday_balance: Decimal
    today_receipt: Decimal
    today_pay: Decimal
    today_balance: Decimal
    acct_name: str = ""
    acct_date: dt.date | None = None

    @property
    def balanced(self) -> bool:
        """§6.9: YesterdayBalance + TodayReceipt − TodayPay = TodayBalance, exactly."""
        return self.yesterday_balance + self.today_receipt - self.today_pay == self.today_balance


@dataclass(frozen=True)
class FundReportReceived(Event):
    """A 3128 fund entry report."""

    ref: InboundRef
    report_date: dt.date
    accounts: tuple[FundAccountFigures, ...]


@dataclass(frozen=True)
class BatchResultReceived(Event):
    """A 2102: a bank's result for one of our 1102 packages."""

    ref: InboundRef
    pay_bk_code: str
    entrust_date: dt.date
    pack_no: str
    ori_tax_org_code: str
    ori_entrust_date: dt.date
    ori_pack_no: str
    all_num: int
    all_amt: Decimal
