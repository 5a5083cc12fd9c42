"""Hostile refusals still get a sendable answer, or none (§3.1 rules 3 and 8, §11 row 3.1).

Whatever a refused message contains (element names with emoji, rare characters or 70+
characters, text with control characters, values of any shape) and whichever wire encoding the
gateway answers in, ``encoded_error_answer`` returns None or an answer that ``Codec.encode``
produced; an answerable message always gets one. The AddWord falls back to a text the encoding
can carry, and no copied ``Ori*`` value can break the answer.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.codec import ANSWERED_WHEN_INVALID, Codec, MessageRejected
from gateway.codec import contract_choices as choices
from gateway.codec.messages import Msg1009
from gateway.wire.rejects import encoded_error_answer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"
CODECS = {e: Codec(e) for e in ("GBK", "GB18030", "UTF-8")}
PY = {"GBK": "gbk", "GB18030": "gb18030", "UTF-8": "utf-8"}
TODAY = date(2024, 11, 7)
MSG_ID = "20241107090000000001"
HOSTILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Messages that are answered when invalid, one per answer form (9120, 9121, 1009).
BASES = {"2091": "1009", "1102": "9121", "3122": "9121", "2102": "9121", "2108": "9120", "9005": "9120",
         "1001": "9120"}
#: Characters that hurt: outside GBK (emoji, CJK extension B), combining marks, full-width and
#: other non-ASCII digits, format characters, XML specials, controls and blanks.
NASTY = "😀💥🙈𠮷𡈽é\u0301·ＡＺ１２٣\u200b\u2028\ufeff\u00a0\u3000&<>'\"\t\r\n\x01\x7f\x85 -._:"
#: Element names XML allows (so the message is well-formed and must be answered) but that
#: hurt: emoji and CJK extension B (not in GBK), combining marks, full-width and Arabic-Indic
#: digits, up to 90 characters (over what c(..60) can quote).
NAME_START = "AbZ_😀💥🙈𠮷𡈽éＡ广州ΩЖ"
NAME_CHARS = NAME_START + "-.·\u0301１２٣0129"
xml_names = st.builds(str.__add__, st.sampled_from(NAME_START), st.text(st.sampled_from(NAME_CHARS), max_size=89))
wild = st.characters(exclude_categories=("Cs",))
names = st.one_of(xml_names, xml_names, st.text(st.one_of(st.sampled_from(NASTY), wild), min_size=1, max_size=90))
texts = st.one_of(st.text(st.sampled_from(NAME_CHARS + "&<>'\" 0129"), max_size=80),
                  st.text(st.one_of(st.sampled_from(NASTY + "0129"), wild), max_size=80))


def base(msg_no: str) -> str:
    data = (FIXTURES / "valid" / f"{msg_no}.xml").read_bytes()
    encoding = "UTF-8" if b'encoding="UTF-8"' in data[:60] else "GBK"
    return data.decode(PY[encoding]).split("?>", 1)[1]


def document(body: str, encoding: str) -> bytes | None:
    try:
        return f'<?xml version="1.0" encoding="{encoding}"?>'.encode() + body.encode(PY[encoding])
    except UnicodeEncodeError:
        return None


def check(data: bytes, answer_encoding: str) -> MessageRejected:
    """Decode ``data`` (expected to be refused) and check the answer property on it."""
    with pytest.raises(MessageRejected) as caught:
        Codec().decode(data)
    rej = caught.value
    codec = CODECS[answer_encoding]
    built = encoded_error_answer(rej, TODAY, MSG_ID, codec)
    if not rej.answerable:
        assert built is None
        return rej
    assert built is not None, rej.reason
    assert codec.encode(built.message) == built.data
    back = codec.decode(built.data, ccsid=codec.ccsid)
    assert back == built.message and back.head.msg_ref == rej.msg_id
    block = getattr(back.body, dataclasses.fields(back.body)[0].name)  # MsgReturn9120/9121, RealHead1009
    assert block.add_word in (*rej.add_words, choices.FALLBACK_ADD_WORD, None)
    return rej


@HOSTILE
@given(msg_no=st.sampled_from(sorted(BASES)), name=names, text=texts, where=st.sampled_from(["first", "in-block", "last"]),
       doc_encoding=st.sampled_from(sorted(CODECS)), answer_encoding=st.sampled_from(sorted(CODECS)))
def test_an_unknown_element_of_any_name_and_text_gets_a_sendable_answer_or_none(
        msg_no: str, name: str, text: str, where: str, doc_encoding: str, answer_encoding: str) -> None:
    body = base(msg_no)
    element = f"<{name}>{escape(text)}</{name}>"
    if where == "first":
        body = body.replace("<MSG>", "<MSG>" + element, 1)
    elif where == "last":
        body = body.replace("</MSG>", element + "</MSG>", 1)
    else:  # inside the key block, before its first leaf
        start = body.index("<MSG>") + len("<MSG>")
        block_end = body.index(">", body.index("<", start)) + 1
        body = body[:block_end] + element + body[block_end:]
    data = document(body, doc_encoding)
    if data is None:
        return  # the sender could not have sent it in that encoding
    rej = check(data, answer_encoding)
    if rej.answerable and where != "in-block" and msg_no == "2091":
        # The key block is intact, only beside the hostile element: the 1009 carries its key.
        built = encoded_error_answer(rej, TODAY, MSG_ID, CODECS[answer_encoding])
        assert built is not None and built.message.body.real_head1009.ori_query_no == "00000311"


@HOSTILE
@given(msg_no=st.sampled_from(sorted(BASES)), value=texts, field=st.sampled_from(
    ["EntrustDate", "QueryNo", "BankNo", "PackNo", "TaxOrgCode", "PayBkCode", "ChkDate", "Information", "TraNo"]),
       doc_encoding=st.sampled_from(sorted(CODECS)), answer_encoding=st.sampled_from(sorted(CODECS)))
def test_a_key_value_of_any_shape_never_breaks_the_answer(
        msg_no: str, value: str, field: str, doc_encoding: str, answer_encoding: str) -> None:
    body = base(msg_no)
    start = body.find(f"<{field}>")
    if start < 0:
        body = body.replace("<MSG>", f"<MSG><{field}>{escape(value)}</{field}>", 1)
    else:
        end = body.index(f"</{field}>", start)
        body = body[:start] + f"<{field}>{escape(value)}" + body[end:]
    data = document(body, doc_encoding)
    if data is None:
        return
    try:
        Codec().decode(data)
    except MessageRejected:
        check(data, answer_encoding)


@HOSTILE
@given(msg_no=st.sampled_from(sorted(ANSWERED_WHEN_INVALID)), reason=texts,
       words=st.lists(texts, max_size=3), body_texts=st.dictionaries(st.sampled_from(
           ["BankNo", "EntrustDate", "QueryNo", "TaxOrgCode", "PackNo", "StopNo", "PayBkCode", "ChkDate",
            "ReportDate", "SendOrgCode", "VCNo"]), texts),
       answer_encoding=st.sampled_from(sorted(CODECS)), over_limit=st.booleans())
def test_any_rejection_gets_an_encodable_answer(msg_no: str, reason: str, words: list[str], body_texts: dict[str, str],
                                                answer_encoding: str, over_limit: bool) -> None:
    rej = MessageRejected("92005" if msg_no == "1102" and over_limit else "92004", reason, msg_no=msg_no,
                          msg_id="20241107085959000007", src="100000000000", des="244000000000",
                          body_texts=body_texts, add_words=tuple(words) or None)
    codec = CODECS[answer_encoding]
    built = encoded_error_answer(rej, TODAY, MSG_ID, codec)
    assert built is not None
    assert codec.encode(built.message) == built.data


def test_an_emoji_element_is_answered_in_gbk_without_its_name() -> None:
    data = (FIXTURES / "invalid" / "2091_emoji_element.xml").read_bytes()
    with pytest.raises(MessageRejected) as caught:
        Codec().decode(data)
    rej = caught.value
    assert "😀" in rej.reason and rej.add_word == "报文格式错误：含未知元素 😀（MSG）"
    gbk = encoded_error_answer(rej, TODAY, MSG_ID, CODECS["GBK"])
    assert gbk is not None and isinstance(gbk.message.body, Msg1009)
    assert gbk.message.body.real_head1009.add_word == "报文格式错误：含未知元素（MSG）"
    assert gbk.message.body.real_head1009.ori_query_no == "00000311"
    utf8 = encoded_error_answer(rej, TODAY, MSG_ID, CODECS["UTF-8"])
    assert utf8 is not None and utf8.message.body.real_head1009.add_word == rej.add_word


def test_the_fixed_text_is_used_when_nothing_more_precise_can_be_encoded() -> None:
    rej = MessageRejected("92004", "x", msg_no="9005", msg_id="20241107085959000007", src="100000000000",
                          des="244000000000", add_words=("报文格式错误：含未知元素 😀", "\x01bad", "长" * 61))
    built = encoded_error_answer(rej, TODAY, MSG_ID, CODECS["GBK"])
    assert built is not None and built.message.body.msg_return9120.add_word == choices.FALLBACK_ADD_WORD
