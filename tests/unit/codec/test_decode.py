"""Receiving: typed values, CCSID, limits and what a rejection carries (§3.1 rule 8)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from gateway.codec import Codec, Head, MessageRejected
from gateway.codec.schemas import SchemaSet
from tests.unit.codec.samples import ETS, GW, message_1001, message_1102


def rejected(data: bytes, codec: Codec | None = None, **kwargs: object) -> MessageRejected:
    with pytest.raises(MessageRejected) as caught:
        (codec or Codec()).decode(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_decoded_values_have_the_documented_types() -> None:
    message = Codec().decode(Codec().encode(message_1001()), ccsid=1386)
    real, pay = message.body.real_head1001, message.body.payment1001
    assert real.tra_no == "00000123" and real.entrust_date == date(2024, 11, 5)
    assert pay.tra_amt == Decimal("12345.60") and pay.tra_amt.as_tuple().exponent == -2
    assert pay.tax_type_num == 3 and isinstance(pay.tax_type_list1001, tuple)
    assert pay.tax_type_list1001[2].tax_type_amt.as_tuple().exponent == -2
    assert message.head == Head("1.0", GW, ETS, "ETS", "1001", "20241105093015000123", "20241105093015000123",
                                date(2024, 11, 5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        pay.tra_amt = Decimal("1.00")  # type: ignore[misc]


def test_bytes_like_input_is_accepted() -> None:
    data = Codec().encode(message_1001())
    assert Codec().decode(bytearray(data)) == Codec().decode(memoryview(data)) == message_1001()


def test_reserve_round_trips() -> None:
    message = message_1001()
    message = dataclasses.replace(message, head=dataclasses.replace(message.head, reserve="备注 reserve"))
    assert Codec().decode(Codec().encode(message)).head.reserve == "备注 reserve"


@pytest.mark.parametrize(("encoding", "ccsid"), [("GBK", 1386), ("GB18030", 5488), ("UTF-8", 1208)])
def test_ccsid_must_match_the_declaration(encoding: str, ccsid: int) -> None:
    data = Codec(encoding).encode(message_1001())
    assert Codec().decode(data, ccsid=ccsid) == message_1001()
    other = 1208 if ccsid != 1208 else 1386
    error = rejected(data, ccsid=other)
    assert error.code == "92004" and "does not match the declared encoding" in error.reason
    assert error.answerable and error.head == message_1001().head


def test_the_declared_name_is_matched_case_insensitively() -> None:
    data = Codec().encode(message_1001()).replace(b'encoding="GBK"', b'encoding="gbk"', 1)
    assert Codec().decode(data, ccsid=1386) == message_1001()


def test_package_over_the_item_limit_is_92005_and_answered() -> None:
    data = Codec().encode(message_1102(4))
    error = rejected(data, Codec(max_package_items=3))
    assert error.code == "92005" and error.answerable
    assert error.head is not None and error.head.msg_no == "1102"
    assert error.body_texts["PackNo"] == "00000045" and error.body_texts["TaxOrgCode"] == "14401060000"
    assert len(Codec(max_package_items=4).decode(data).body.payment1102) == 4


def test_an_invalid_package_is_92004_even_when_also_too_big() -> None:
    data = Codec().encode(message_1102(4)).replace(b"<AllNum>4</AllNum>", b"<AllNum>5</AllNum>")
    assert rejected(data, Codec(max_package_items=3)).code == "92004"


def test_rejection_reply_head_and_body_texts() -> None:
    data = Codec().encode(message_1001()).replace(b"<TraNo>00000123</TraNo>", b"<TraNo>0000012</TraNo>")
    error = rejected(data)
    assert error.answerable and error.head_readable
    assert error.body_texts == {"TaxOrgCode": "14401060000", "EntrustDate": "20241105", "TraNo": "0000012"}
    answer = error.reply_head("9120", "20241105093016004002", date(2024, 11, 6))
    assert (answer.src, answer.des, answer.msg_ref) == (ETS, GW, "20241105093015000123")


def test_unreadable_head_cannot_be_answered() -> None:
    data = Codec().encode(message_1001()).replace(b"<SRC>244000000000</SRC>", b"<SRC>24400000000</SRC>")
    error = rejected(data)
    assert not error.head_readable and not error.answerable and error.head is None
    assert error.msg_no == "1001" and error.msg_id == "20241105093015000123" and error.src is None
    with pytest.raises(ValueError, match="not readable"):
        error.reply_head("9120", "20241105093016004002", date(2024, 11, 6))


def test_readable_keys_with_a_bad_work_date_still_answer() -> None:
    data = Codec().encode(message_1001()).replace(b"<WorkDate>20241105</WorkDate>", b"<WorkDate>2024110</WorkDate>")
    error = rejected(data)
    assert error.answerable and error.head is None
    assert error.reply_head("9120", "20241105093016004002", date(2024, 11, 6)).des == GW


def test_reasons_are_one_line() -> None:
    data = Codec().encode(message_1001()).replace(b"<TaxVouNo>344010624110500123</TaxVouNo>",
                                                  b"<TaxVouNo>34401062411\n0500123</TaxVouNo>")
    error = rejected(data)
    assert "\n" not in error.reason and "\n" not in str(error)
    assert error.reason.startswith("/CFX/MSG/Payment1001/TaxVouNo")


def test_read_head_is_best_effort() -> None:
    codec = Codec()
    data = codec.encode(message_1001())
    assert codec.read_head(data) == message_1001().head
    assert codec.read_head(data[: len(data) // 2]) == message_1001().head
    assert codec.read_head(b"garbage") is None
    assert codec.read_head(data.replace(b"\n<CFX>", b"\n<!DOCTYPE CFX [<!ENTITY x 'y'>]><CFX>")) is None


def test_a_valid_message_never_runs_xmlschema(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(self: SchemaSet, msg_no: str) -> object:
        raise AssertionError("xmlschema ran for a valid message")

    monkeypatch.setattr(SchemaSet, "_precise", forbidden)
    codec = Codec()
    assert codec.decode(codec.encode(message_1001())) == message_1001()
    assert codec.decode(codec.encode(message_1102(2))) == message_1102(2)
