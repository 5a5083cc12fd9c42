"""The one place where wire element names meet Python attribute names.

The rule is mechanical: an XML name becomes snake_case by cutting before every capital that
follows a lower-case letter or a digit, and before the last capital of an acronym that is
followed by a lower-case letter; digits stay attached (``TaxVouNo`` -> ``tax_vou_no``,
``MsgID`` -> ``msg_id``, ``VCNo`` -> ``vc_no``, ``RealHead1001`` -> ``real_head1001``).

Lower-casing loses information, so the way back needs the vocabulary of every element name the
interface uses. :data:`XML_NAME` is built from :data:`ELEMENT_NAMES` and refuses, at import
time, any two names that would map to the same attribute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(xml_name: str) -> str:
    """The Python attribute name of an XML element name."""
    return _BOUNDARY.sub("_", xml_name).lower()


#: Leaf element names of HEAD and of every body block (ets-interface §3.2, §4.2, §6).
ELEMENT_NAMES: tuple[str, ...] = (
    # HEAD
    "VER", "SRC", "DES", "APP", "MsgNo", "MsgID", "MsgRef", "WorkDate", "Reserve",
    # keys, serials and dates
    "TaxOrgCode", "SendOrgCode", "OriSendOrgCode", "OriTaxOrgCode", "EntrustDate",
    "OriEntrustDate", "TraNo", "OriTraNo", "PackNo", "OriPackNo", "VCNo", "OriVCNo", "CancelNo",
    "OriCancelNo", "OriCancelDate", "StopNo", "OriStopNo", "QueryNo", "OriQueryNo",
    "OriRequestNo", "OriMsgNo", "ChkDate", "ReportDate", "AcctDate", "TaxDate",
    "TaxStartDate", "TaxEndDate",
    # banks, accounts, parties
    "BankNo", "PayBkCode", "PayOpBkCode", "PayeeBankNo", "PayeeOrgCode", "PayeeAcct",
    "PayeeName", "PayAcct", "HandOrgName", "TaxPayCode", "TaxPayName", "ProtocolNo",
    "TreCode", "AcctCode", "AcctName",
    # payment content
    "HandleType", "BudgetType", "TrimSign", "Remark", "TraAmt", "TaxVouNo", "OriTaxVouNo",
    "TaxTypeNum", "ProjectId", "TaxTypeName", "TaxTypeAmt",
    # packages and reconciliation
    "ReturnTerm", "AllNum", "AllAmt", "SuccNum", "SuccAmt", "ChildPackNum", "CurPackNo",
    "CurPackNum", "CurPackAmt", "OpStat", "YesterdayBalance", "TodayReceipt", "TodayPay",
    "TodayBalance",
    # answers, flags, free text
    "Result", "AddWord", "Information", "VCSign", "VCResult", "CancelReason", "CancelAnswer",
    "StopType", "StopReason", "StopAnswer", "SearchType", "SysStat",
)


def _invert(names: tuple[str, ...]) -> Mapping[str, str]:
    table: dict[str, str] = {}
    for name in names:
        key = snake(name)
        if key in table:
            raise RuntimeError(f"{name} and {table[key]} both map to {key}")
        table[key] = name
    return MappingProxyType(table)


#: Python attribute name -> XML element name, for every leaf element.
XML_NAME: Mapping[str, str] = _invert(ELEMENT_NAMES)
