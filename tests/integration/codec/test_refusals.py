"""The answer to an invalid message, from golden fixtures (ets-interface §3.1 rule 8, §11 row 3.1).

* The ``Ori*`` values (and a 2091's BankNo/EntrustDate/QueryNo) come from the message's key
  block found by name, wherever it stands under MSG.
* A document that is not well-formed, or not valid in its declared encoding, is not answered.
* A key value that does not have the exact format of the field it would fill is not copied.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.codec import Codec, MessageRejected
from gateway.codec.messages import Msg1009, Msg9120, Msg9121
from gateway.wire.rejects import encoded_error_answer, error_answer_body
from tests.unit.codec.samples import message_1102

INVALID = Path(__file__).resolve().parents[2] / "fixtures" / "messages" / "invalid"
TODAY = date(2024, 11, 7)
MSG_ID = "20241107090000000001"


def rejected(name: str, codec: Codec | None = None) -> MessageRejected:
    with pytest.raises(MessageRejected) as caught:
        (codec or Codec()).decode((INVALID / f"{name}.xml").read_bytes())
    return caught.value


def answered(name: str) -> Msg1009 | Msg9120 | Msg9121:
    built = encoded_error_answer(rejected(name), TODAY, MSG_ID, Codec())
    assert built is not None
    assert Codec().decode(built.data) == built.message  # what goes on the wire reads back
    return built.message.body


# --- 1. the key block, found by name ----------------------------------------------------------


@pytest.mark.parametrize("name", ["2091_unknown_first", "2091_misnamed_block_after_unknown"])
def test_a_2091_behind_an_unknown_element_is_answered_1009_with_its_key(name: str) -> None:
    body = answered(name)
    assert isinstance(body, Msg1009) and body.payment1009 is None
    head = body.real_head1009
    assert (head.bank_no, head.ori_entrust_date, head.ori_query_no, head.result) == \
        ("102581000013", date(2024, 11, 5), "00000311", "92004")


def test_a_1102_behind_an_unknown_element_keeps_its_package_key() -> None:
    body = answered("1102_unknown_first")
    assert isinstance(body, Msg9121)
    r = body.msg_return9121
    assert (r.ori_msg_no, r.ori_send_org_code, r.ori_entrust_date, r.ori_request_no) == \
        ("1102", "14401060000", date(2024, 11, 5), "00000045")


def test_a_misplaced_batchhead2102_is_still_read() -> None:
    r = answered("2102_head_misplaced").msg_return9121
    assert (r.ori_send_org_code, r.ori_entrust_date, r.ori_request_no) == ("102581000013", date(2024, 11, 6), "00000789")


def test_a_block_wrapped_in_an_unknown_element_is_still_read() -> None:
    r = answered("1123_wrapped_block").msg_return9121
    assert (r.ori_send_org_code, r.ori_entrust_date, r.ori_request_no) == ("14401060000", date(2024, 11, 5), "00000002")


def test_a_decoy_leaf_in_an_unknown_block_does_not_win_over_the_key_block() -> None:
    # The unknown first block carries a ChkDate of its own; BatchHead3122's is the one.
    r = answered("3122_unknown_first").msg_return9121
    assert (r.ori_send_org_code, r.ori_entrust_date, r.ori_request_no) == ("100000000000", date(2024, 11, 5), "00000009")


def test_a_streamed_package_refused_after_decoding_keeps_its_key() -> None:
    # Over 256 KiB a 1102 streams and has no tree; its 92005 still names the package.
    data = Codec(max_package_items=500).encode(message_1102(500))
    assert len(data) > 256 * 1024
    with pytest.raises(MessageRejected) as caught:
        Codec(max_package_items=499).decode(data)
    error = caught.value
    assert error.code == "92005" and error.body_texts["PackNo"] == "00000045"
    r = error_answer_body(error, TODAY).msg_return9121
    assert (r.ori_send_org_code, r.ori_entrust_date, r.ori_request_no, r.result) == \
        ("14401060000", date(2024, 11, 5), "00000045", "92005")


# --- 2. not well-formed: unreadable, never answered -------------------------------------------


@pytest.mark.parametrize("name", ["2108_truncated", "1102_truncated_in_character", "truncated", "undeclared_entity",
                                  "declared_gbk_sent_utf8", "declared_utf8_sent_gbk"])
def test_a_document_that_is_not_well_formed_is_not_answered(name: str) -> None:
    error = rejected(name)
    assert not error.well_formed and not error.head_readable and not error.answerable
    assert error.head is None and error_answer_body(error, TODAY) is None
    assert encoded_error_answer(error, TODAY, MSG_ID, Codec()) is None
    # The error store still gets the technical reason and what HEAD the fragment showed.
    assert error.code == "92004" and error.msg_id is not None and error.reason


@pytest.mark.parametrize("name", ["no_declaration", "bom", "alias_gb2312", "no_encoding_in_declaration"])
def test_declaration_problems_are_invalid_not_unreadable(name: str) -> None:
    # §3.1 rule 2 calls these invalid: HEAD is readable, so they are answered.
    error = rejected(name)
    assert error.well_formed and error.answerable
    assert encoded_error_answer(error, TODAY, MSG_ID, Codec()) is not None


def test_a_ccsid_mismatch_is_still_answered() -> None:
    data = (INVALID.parent / "valid" / "1001.xml").read_bytes()
    with pytest.raises(MessageRejected) as caught:
        Codec().decode(data, ccsid=1208)
    assert caught.value.well_formed and caught.value.answerable


def test_a_parser_resource_limit_is_invalid_not_unreadable() -> None:
    data = (INVALID.parent / "valid" / "1001.xml").read_bytes()
    deep = data.replace(b"<MSG>", b"<MSG>" + b"<a>" * 300 + b"</a>" * 300, 1)
    with pytest.raises(MessageRejected) as caught:
        Codec().decode(deep)
    assert caught.value.well_formed and caught.value.answerable
    assert caught.value.reason.startswith("beyond a parser limit: Excessive depth")
    assert caught.value.add_word == "报文格式错误：报文超出解析限制（嵌套过深或名称、文本过长）"


# --- the 2091 key and the formats of copied values --------------------------------------------


@pytest.mark.parametrize("name", ["2091_entrust_date_2100", "2091_query_no_zero"])
def test_a_2091_whose_key_is_not_a_valid_key_is_answered_9120(name: str) -> None:
    body = answered(name)
    assert isinstance(body, Msg9120)
    assert (body.msg_return9120.ori_msg_no, body.msg_return9120.result) == ("2091", "92004")


@pytest.mark.parametrize("text", ["２０２４１１０５", "2024115", "20241131", "19991232", "21000101", " 20241105"])
def test_a_date_is_copied_only_when_it_is_exactly_a_wire_date(text: str) -> None:
    error = rejected("1102_unknown_first")
    error = MessageRejected(error.code, error.reason, msg_no=error.msg_no, msg_id=error.msg_id, src=error.src,
                            des=error.des, head=error.head, body_texts={**error.body_texts, "EntrustDate": text})
    assert error_answer_body(error, TODAY).msg_return9121.ori_entrust_date == TODAY  # our work date
