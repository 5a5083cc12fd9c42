"""Asynchronous batch debit and its stop: 1102 => 9121, 2102 => 9121, 1123 => 2123
(ets-interface §6.6, §6.7, BATCH)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from gateway.codec.messages.common import Choice12, Flag01, TaxTypeList


@dataclass(frozen=True, slots=True)
class BatchHead1102:
    """Key of the package (TaxOrgCode + EntrustDate + PackNo), its deadline and its totals."""

    tax_org_code: str
    entrust_date: date
    pack_no: str
    return_term: int
    all_num: int
    all_amt: Decimal


@dataclass(frozen=True, slots=True)
class TurnAccount1102:
    """Like TurnAccount1001 without PayOpBkCode (that one is per item)."""

    handle_type: Choice12
    payee_bank_no: str
    payee_org_code: str
    payee_acct: str
    payee_name: str
    pay_bk_code: str


@dataclass(frozen=True, slots=True)
class TaxTypeList1102(TaxTypeList):
    """One levy of a package item."""


@dataclass(frozen=True, slots=True)
class Payment1102:
    """One item (one payer). Item key = package key + TraNo."""

    tra_no: str
    pay_op_bk_code: str
    pay_acct: str
    hand_org_name: str
    tra_amt: Decimal
    tax_vou_no: str
    tax_pay_code: str
    tax_pay_name: str
    protocol_no: str
    tax_type_num: int
    tax_type_list1102: tuple[TaxTypeList1102, ...]


@dataclass(frozen=True, slots=True)
class Msg1102:
    """MSG of a 1102: BatchHead1102, TurnAccount1102, AllNum x Payment1102."""

    MSG_NO: ClassVar[str] = "1102"
    XML_TAG: ClassVar[str] = "MSG"

    batch_head1102: BatchHead1102
    turn_account1102: TurnAccount1102
    payment1102: tuple[Payment1102, ...]


@dataclass(frozen=True, slots=True)
class BatchHead2102:
    """The bank's own key (PayBkCode + EntrustDate + PackNo), the 1102's key and the totals."""

    pay_bk_code: str
    entrust_date: date
    pack_no: str
    ori_tax_org_code: str
    ori_entrust_date: date
    ori_pack_no: str
    all_num: int
    all_amt: Decimal
    succ_num: int
    succ_amt: Decimal
    result: str
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class BatchReturn2102:
    """Result of one item; ``tax_date`` is present iff ``result`` is 90000 or 94051."""

    ori_tra_no: str
    tra_amt: Decimal
    tax_vou_no: str
    tax_date: date | None
    result: str
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg2102:
    """MSG of a 2102: BatchHead2102, AllNum x BatchReturn2102."""

    MSG_NO: ClassVar[str] = "2102"
    XML_TAG: ClassVar[str] = "MSG"

    batch_head2102: BatchHead2102
    batch_return2102: tuple[BatchReturn2102, ...]


@dataclass(frozen=True, slots=True)
class StopApply1123:
    """Stop one item (StopType 0) or a whole package (StopType 1, OriTraNo 00000000)."""

    tax_org_code: str
    entrust_date: date
    stop_no: str
    stop_type: Flag01
    ori_entrust_date: date
    ori_pack_no: str
    ori_tra_no: str
    stop_reason: str


@dataclass(frozen=True, slots=True)
class Msg1123:
    """MSG of a 1123."""

    MSG_NO: ClassVar[str] = "1123"
    XML_TAG: ClassVar[str] = "MSG"

    stop_apply1123: StopApply1123


@dataclass(frozen=True, slots=True)
class StopReturn2123:
    """Stop answer: 1 = stopped, 2 = refused (then ``add_word`` is mandatory)."""

    tax_org_code: str
    entrust_date: date
    ori_stop_no: str
    ori_entrust_date: date
    ori_pack_no: str
    ori_tra_no: str
    stop_answer: Choice12
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg2123:
    """MSG of a 2123."""

    MSG_NO: ClassVar[str] = "2123"
    XML_TAG: ClassVar[str] = "MSG"

    stop_return2123: StopReturn2123
