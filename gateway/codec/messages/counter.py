"""Bank-counter payment: 2091 => 1009, then 2108 => 9120 (ets-interface §6.4, ONLINE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from gateway.codec.messages.common import TaxTypeList


@dataclass(frozen=True, slots=True)
class DeclareQuery2091:
    """A bank asks for a printed counter voucher. Key: BankNo + EntrustDate + QueryNo."""

    bank_no: str
    entrust_date: date
    query_no: str
    pay_op_bk_code: str
    tax_org_code: str
    tax_pay_code: str
    tax_vou_no: str


@dataclass(frozen=True, slots=True)
class Msg2091:
    """MSG of a 2091."""

    MSG_NO: ClassVar[str] = "2091"
    XML_TAG: ClassVar[str] = "MSG"

    declare_query2091: DeclareQuery2091


@dataclass(frozen=True, slots=True)
class RealHead1009:
    """Key of the 2091 answered, and the gateway's verdict."""

    bank_no: str
    ori_entrust_date: date
    ori_query_no: str
    result: Literal["90000", "24021", "24023", "92004"]
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class TaxTypeList1009(TaxTypeList):
    """One levy on the counter voucher."""


@dataclass(frozen=True, slots=True)
class Payment1009:
    """The voucher; present iff the result is 90000."""

    tax_org_code: str
    tax_pay_code: str
    tax_pay_name: str
    tax_vou_no: str
    tra_amt: Decimal
    tax_type_num: int
    tax_type_list1009: tuple[TaxTypeList1009, ...]


@dataclass(frozen=True, slots=True)
class Msg1009:
    """MSG of a 1009: RealHead1009 and, on success, Payment1009."""

    MSG_NO: ClassVar[str] = "1009"
    XML_TAG: ClassVar[str] = "MSG"

    real_head1009: RealHead1009
    payment1009: Payment1009 | None = None


@dataclass(frozen=True, slots=True)
class SingleReturn2108:
    """A counter payment made at a bank. Key: BankNo + EntrustDate + TraNo."""

    bank_no: str
    tax_vou_no: str
    entrust_date: date
    tra_no: str
    tax_date: date
    tra_amt: Decimal
    result: str
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg2108:
    """MSG of a 2108."""

    MSG_NO: ClassVar[str] = "2108"
    XML_TAG: ClassVar[str] = "MSG"

    single_return2108: SingleReturn2108
