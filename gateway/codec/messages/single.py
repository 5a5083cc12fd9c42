"""Single real-time debit and its reversal: 1001 => 2001, 1021 => 2021 (§6.2, §6.3, ONLINE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from gateway.codec.messages.common import Choice12, Flag01, TaxTypeList


@dataclass(frozen=True, slots=True)
class RealHead1001:
    """Key of the debit: TaxOrgCode + EntrustDate + TraNo."""

    tax_org_code: str
    entrust_date: date
    tra_no: str


@dataclass(frozen=True, slots=True)
class TurnAccount1001:
    """Receiving treasury (configured per TaxOrgCode) and the payer's banks."""

    handle_type: Choice12
    payee_bank_no: str
    payee_org_code: str
    payee_acct: str
    payee_name: str
    pay_bk_code: str
    pay_op_bk_code: str


@dataclass(frozen=True, slots=True)
class TaxTypeList1001(TaxTypeList):
    """One levy of a 1001."""


@dataclass(frozen=True, slots=True)
class Payment1001:
    """The payer and the levies. ``tra_amt`` = sum of the lines, ``tax_type_num`` = their count."""

    pay_acct: str
    hand_org_name: str
    tra_amt: Decimal
    tax_vou_no: str
    tax_pay_code: str
    tax_pay_name: str
    protocol_no: str
    budget_type: Choice12
    trim_sign: Flag01
    remark: str | None
    tax_type_num: int
    tax_type_list1001: tuple[TaxTypeList1001, ...]


@dataclass(frozen=True, slots=True)
class Msg1001:
    """MSG of a 1001: RealHead1001, TurnAccount1001, Payment1001."""

    MSG_NO: ClassVar[str] = "1001"
    XML_TAG: ClassVar[str] = "MSG"

    real_head1001: RealHead1001
    turn_account1001: TurnAccount1001
    payment1001: Payment1001


@dataclass(frozen=True, slots=True)
class SingleReturn2001:
    """The debit result. ``tax_date`` is present iff ``result`` is 90000 or 94051."""

    ori_tax_org_code: str
    ori_entrust_date: date
    ori_tra_no: str
    tax_vou_no: str
    tax_date: date | None
    result: str
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg2001:
    """MSG of a 2001."""

    MSG_NO: ClassVar[str] = "2001"
    XML_TAG: ClassVar[str] = "MSG"

    single_return2001: SingleReturn2001


@dataclass(frozen=True, slots=True)
class RushApply1021:
    """Reversal of a 1001; ``entrust_date`` must equal ``ori_entrust_date``."""

    tax_org_code: str
    entrust_date: date
    cancel_no: str
    ori_entrust_date: date
    ori_tra_no: str
    cancel_reason: str


@dataclass(frozen=True, slots=True)
class Msg1021:
    """MSG of a 1021."""

    MSG_NO: ClassVar[str] = "1021"
    XML_TAG: ClassVar[str] = "MSG"

    rush_apply1021: RushApply1021


@dataclass(frozen=True, slots=True)
class RushReturn2021:
    """Reversal answer: 1 = reversed, 2 = refused (then ``add_word`` is mandatory)."""

    tax_org_code: str
    ori_cancel_no: str
    ori_cancel_date: date
    ori_entrust_date: date
    ori_tra_no: str
    cancel_answer: Choice12
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg2021:
    """MSG of a 2021."""

    MSG_NO: ClassVar[str] = "2021"
    XML_TAG: ClassVar[str] = "MSG"

    rush_return2021: RushReturn2021
