"""Answers to invalid inbound messages (§3.1 rule 8, §6.4 rule 1, §6.11, §11 row 3.1).

Which answer (9120 on ONLINE, 9121 on BATCH, a 1009 for a 2091 whose key can be read), which
``Ori*`` values it copies (from ``MessageRejected.body_texts``: the key block, found by name),
and its Chinese AddWord. A value is copied only when it has the exact format of the field it
fills (ASCII digits, a date from 19000101 to 20991231, a non-zero serial where ``ser`` is
required); otherwise the field takes the §3.1 zeros or our own work date. The AddWord is the
most precise of ``MessageRejected.add_words`` that the wire encoding can carry, else the fixed
``contract_choices.FALLBACK_ADD_WORD``.

:func:`encoded_error_answer` is what the runtime calls: it returns an answer together with the
bytes the codec made of it, or None; it never raises for anything the sender put in its message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import structlog

from gateway.codec import Codec
from gateway.codec import contract_choices as choices
from gateway.codec.charsets import PYTHON_CODEC, canonical_encoding
from gateway.codec.errors import MessageRejected
from gateway.codec.head import CfxMessage
from gateway.codec.messages import (
    Msg1009,
    Msg9120,
    Msg9121,
    MsgReturn9120,
    MsgReturn9121,
    RealHead1009,
)
from gateway.codec.routing import invalid_answer_msg_no

log = structlog.get_logger("gateway.rejects")

# [0-9] rather than \d: \d also matches non-ASCII digits (e.g. U+FF11), which no field takes.
_DIGITS12 = re.compile(r"[0-9]{1,12}")
_BANK = re.compile(r"[0-9]{12}")
_SER0 = re.compile(r"[0-9]{8}")
_SER = re.compile(r"(?!0{8})[0-9]{8}")
_DATE = re.compile(r"(19|20)[0-9]{6}")

# 9121 to an invalid batch message: (OriSendOrgCode, OriEntrustDate, OriRequestNo) element names;
# "SRC" means the sender's node (§6.11 table).
_KEY_ELEMENTS = {
    "1102": ("TaxOrgCode", "EntrustDate", "PackNo"),
    "1123": ("TaxOrgCode", "EntrustDate", "StopNo"),
    "2102": ("PayBkCode", "EntrustDate", "PackNo"),
    "3122": ("SRC", "ChkDate", "PackNo"),
    "3128": ("SRC", "ReportDate", None),
}


class EncodedAnswer(NamedTuple):
    """An error answer and the wire bytes the codec produced for it."""

    message: CfxMessage[Any]
    data: bytes


def _date(text: str | None) -> dt.date | None:
    """``text`` as a date if it is exactly a §4.1 date (yyyyMMdd, 19000101-20991231)."""
    if text is None or not _DATE.fullmatch(text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(PYTHON_CODEC[canonical_encoding(encoding)])
    except UnicodeError:
        return False
    return True


def add_word_for(rej: MessageRejected, encoding: str) -> str:
    """The most precise Chinese AddWord of ``rej`` that ``encoding`` can carry (§11 row 3.1)."""
    for text in rej.add_words:
        if _encodable(text, encoding):
            return text
    return choices.FALLBACK_ADD_WORD


def error_answer_body(rej: MessageRejected, work_date: dt.date, encoding: str = "GBK",
                      add_word: str | None = None, key_readable: bool | None = None) -> Any:
    """The body of the 92004/92005 answer, or None when the message is not answered.

    ``add_word`` overrides the AddWord (None: :func:`add_word_for`); ``key_readable`` forces
    the 2091 choice between 1009 and 9120 (None: whether BankNo, EntrustDate and QueryNo can
    be read)."""
    if not rej.answerable:
        return None
    texts = rej.body_texts
    word = add_word if add_word is not None else add_word_for(rej, encoding)
    bank, day, query = texts.get("BankNo", ""), _date(texts.get("EntrustDate")), texts.get("QueryNo", "")
    if key_readable is None:
        key_readable = bool(_BANK.fullmatch(bank) and day and _SER.fullmatch(query))
    answer_no = invalid_answer_msg_no(rej.msg_no or "", key_readable)
    if answer_no == "1009":
        return Msg1009(RealHead1009(bank_no=bank, ori_entrust_date=day, ori_query_no=query,  # type: ignore[arg-type]
                                    result=rej.code, add_word=word or None), None)  # type: ignore[arg-type]
    if answer_no == "9120":
        return Msg9120(MsgReturn9120(ori_msg_no=rej.msg_no or "0000", result=rej.code, add_word=word or None))
    if answer_no == "9121":
        org_el, date_el, no_el = _KEY_ELEMENTS.get(rej.msg_no or "", ("", "", None))
        org = rej.src if org_el == "SRC" else texts.get(org_el, "")
        request_no = texts.get(no_el, "") if no_el else ""
        return Msg9121(MsgReturn9121(
            ori_msg_no=rej.msg_no or "0000",
            ori_send_org_code=org if org and _DIGITS12.fullmatch(org) else "0",
            ori_entrust_date=_date(texts.get(date_el)) or work_date,
            ori_request_no=request_no if _SER0.fullmatch(request_no) else "00000000",
            result=rej.code, add_word=word or None))
    return None


def answer_message(rej: MessageRejected, body: Any, msg_id: str, work_date: dt.date) -> CfxMessage[Any]:
    return CfxMessage(head=rej.reply_head(body.MSG_NO, msg_id, work_date), body=body)


def encoded_error_answer(rej: MessageRejected, work_date: dt.date, msg_id: str,
                         codec: Codec) -> EncodedAnswer | None:
    """The answer to ``rej`` encoded by ``codec``, or None when it is not answered.

    Whatever the refused message contained, the result is either None or bytes that
    ``codec.encode`` produced (so valid and encodable in its wire encoding): when an answer
    cannot be encoded, a plainer one is tried (the fixed AddWord, then none; for a 2091, then
    the 9120 form), and only when none can be is the answer given up, with a log line.
    """
    if not rej.answerable:
        return None
    for body in _candidates(rej, work_date, codec.encoding):
        message = answer_message(rej, body, msg_id, work_date)
        try:
            return EncodedAnswer(message, codec.encode(message))
        except ValueError as exc:  # EncodeError, or a Head that cannot be built
            log.warning("error answer cannot be encoded; trying a plainer one", msg_id=rej.msg_id,
                        answer=body.MSG_NO, reason=str(exc)[:200])
    log.error("no error answer can be encoded; the message stays unanswered", msg_id=rej.msg_id)
    return None


def _candidates(rej: MessageRejected, work_date: dt.date, encoding: str) -> Iterator[Any]:
    first = error_answer_body(rej, work_date, encoding)
    if first is None:
        return
    yield first
    yield error_answer_body(rej, work_date, encoding, add_word=choices.FALLBACK_ADD_WORD)
    yield error_answer_body(rej, work_date, encoding, add_word="")
    if first.MSG_NO == "1009":  # §6.4 rule 1: a 2091 whose key cannot be used gets a 9120
        yield error_answer_body(rej, work_date, encoding, add_word=choices.FALLBACK_ADD_WORD, key_readable=False)
