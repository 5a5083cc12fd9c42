"""Day-end messages from the ETS: 3122 entry details and 3128 fund report (§6.8, §6.9, BATCH)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True)
class BatchHead3122:
    """One sub-package of the reconciliation package for (TaxOrgCode, ChkDate)."""

    chk_date: date
    pack_no: str
    tax_org_code: str
    all_num: int
    all_amt: Decimal
    child_pack_num: int
    cur_pack_no: int
    cur_pack_num: int
    cur_pack_amt: Decimal


@dataclass(frozen=True, slots=True)
class CompDeduct3122:
    """One transaction that belongs to ChkDate: 20 = entered the treasury, 97 = reversed."""

    payee_org_code: str
    ori_msg_no: Literal["1001", "1102", "2108"]
    ori_send_org_code: str
    ori_entrust_date: date
    ori_pack_no: str
    ori_tra_no: str
    ori_tax_vou_no: str
    tra_amt: Decimal
    tax_date: date
    op_stat: Literal["20", "97"]


@dataclass(frozen=True, slots=True)
class Msg3122:
    """MSG of a 3122: BatchHead3122, CurPackNum x CompDeduct3122 (0 to 3000)."""

    MSG_NO: ClassVar[str] = "3122"
    XML_TAG: ClassVar[str] = "MSG"

    batch_head3122: BatchHead3122
    comp_deduct3122: tuple[CompDeduct3122, ...]


@dataclass(frozen=True, slots=True)
class BillHead3128:
    """Report date and the number of accounts that follow."""

    report_date: date
    all_num: int


@dataclass(frozen=True, slots=True)
class Stock3128:
    """Figures of one fee special account. The balance identity is a business check (flag the
    report), not a validity rule, so the codec does not enforce it."""

    tre_code: str
    acct_code: str
    acct_name: str
    acct_date: date
    yesterday_balance: Decimal
    today_receipt: Decimal
    today_pay: Decimal
    today_balance: Decimal


@dataclass(frozen=True, slots=True)
class Msg3128:
    """MSG of a 3128: BillHead3128, AllNum x Stock3128."""

    MSG_NO: ClassVar[str] = "3128"
    XML_TAG: ClassVar[str] = "MSG"

    bill_head3128: BillHead3128
    stock3128: tuple[Stock3128, ...]
