"""Agreement verification: 9114 => 9115 (ets-interface §6.1, ONLINE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from gateway.codec.messages.common import Flag01


@dataclass(frozen=True, slots=True)
class ProveInfo9114:
    """Verify (VCSign 0) or revoke (VCSign 1) a tripartite agreement.
    ``TaxPayName`` precedes ``TaxPayCode`` here on purpose (§6.1)."""

    send_org_code: str
    entrust_date: date
    vc_no: str
    vc_sign: Flag01
    tax_org_code: str
    tax_pay_name: str
    tax_pay_code: str
    pay_op_bk_code: str
    pay_bk_code: str
    pay_acct: str
    hand_org_name: str
    protocol_no: str


@dataclass(frozen=True, slots=True)
class Msg9114:
    """MSG of a 9114. Key: TaxOrgCode + EntrustDate + VCNo."""

    MSG_NO: ClassVar[str] = "9114"
    XML_TAG: ClassVar[str] = "MSG"

    prove_info9114: ProveInfo9114


@dataclass(frozen=True, slots=True)
class ProveReturn9115:
    """The bank's verdict; the agreement fields are echoed from the 9114.
    ``add_word`` is mandatory when ``vc_result`` is "1"."""

    ori_send_org_code: str
    ori_entrust_date: date
    ori_vc_no: str
    vc_sign: Flag01
    tax_org_code: str
    tax_pay_name: str
    tax_pay_code: str
    pay_op_bk_code: str
    pay_bk_code: str
    pay_acct: str
    hand_org_name: str
    protocol_no: str
    vc_result: Flag01
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg9115:
    """MSG of a 9115."""

    MSG_NO: ClassVar[str] = "9115"
    XML_TAG: ClassVar[str] = "MSG"

    prove_return9115: ProveReturn9115
