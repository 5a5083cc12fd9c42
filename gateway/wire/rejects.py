"""Answers to invalid inbound messages (§3.1 rule 8): which Ori* values to copy and from where."""

from __future__ import annotations

import datetime as dt
import re

from gateway.codec.errors import MessageRejected
from gateway.codec.head import CfxMessage
from gateway.codec.messages import Msg1009, Msg9120, Msg9121, MsgReturn9120, MsgReturn9121, RealHead1009
from gateway.codec.routing import invalid_answer_msg_no
from gateway.domain.text import wire_text

#: §11: the AddWord of a 92004 whose own diagnostic cannot be carried by the wire encoding.
FIXED_ADD_WORD = "报文格式错误"

_DIGITS12 = re.compile(r"[0-9]{1,12}")
_SER = re.compile(r"[0-9]{8}")

# 9121 to an invalid batch message: (OriSendOrgCode, OriEntrustDate, OriRequestNo) element names;
# "SRC" means the sender's node (§6.11 table).
_KEY_ELEMENTS = {
    "1102": ("TaxOrgCode", "EntrustDate", "PackNo"),
    "1123": ("TaxOrgCode", "EntrustDate", "StopNo"),
    "2102": ("PayBkCode", "EntrustDate", "PackNo"),
    "3122": ("SRC", "ChkDate", "PackNo"),
    "3128": ("SRC", "ReportDate", None),
}


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text or "", "%Y%m%d").date()
    except ValueError:
        return None


def error_answer_body(rej: MessageRejected, work_date: dt.date):
    """The body of the 92004 answer, or None when the message is not answered."""
    if not rej.answerable:
        return None
    texts = rej.body_texts
    bank, day, query = texts.get("BankNo", ""), _date(texts.get("EntrustDate")), texts.get("QueryNo", "")
    key_readable = bool(re.fullmatch(r"[0-9]{12}", bank) and day and _SER.fullmatch(query))
    answer_no = invalid_answer_msg_no(rej.msg_no or "", key_readable)
    reason = wire_text(rej.reason, 60) or "报文无法解析或不合法"
    if answer_no == "1009":
        return Msg1009(RealHead1009(bank_no=bank, ori_entrust_date=day, ori_query_no=query,
                                    result=rej.code, add_word=reason), None)
    if answer_no == "9120":
        return Msg9120(MsgReturn9120(ori_msg_no=rej.msg_no or "0000", result=rej.code, add_word=reason))
    if answer_no == "9121":
        org_el, date_el, no_el = _KEY_ELEMENTS.get(rej.msg_no or "", ("", "", None))
        org = rej.src if org_el == "SRC" else texts.get(org_el, "")
        org = org if org and _DIGITS12.fullmatch(org) else "0"
        request_no = texts.get(no_el, "") if no_el else ""
        return Msg9121(MsgReturn9121(
            ori_msg_no=rej.msg_no or "0000", ori_send_org_code=org,
            ori_entrust_date=_date(texts.get(date_el, "")) or work_date,
            ori_request_no=request_no if _SER.fullmatch(request_no) else "00000000",
            result=rej.code, add_word=reason))
    return None


def answer_message(rej: MessageRejected, body, msg_id: str, work_date: dt.date) -> CfxMessage:
    return CfxMessage(head=rej.reply_head(body.MSG_NO, msg_id, work_date), body=body)


def with_fixed_add_word(body):
    """The same answer with the fixed Chinese AddWord (§11), for when the diagnostic text
    cannot be encoded in the wire encoding."""
    import dataclasses

    block_name = next(f.name for f in dataclasses.fields(body))
    block = getattr(body, block_name)
    return dataclasses.replace(body, **{block_name: dataclasses.replace(
        block, add_word=FIXED_ADD_WORD)})
