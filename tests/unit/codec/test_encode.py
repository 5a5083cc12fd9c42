"""Sending: bytes, encodings, escaping and every reason a message must not leave (§3.1)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest

from gateway.codec import (
    Codec, EncodeError, InvalidOutgoingMessage, UnencodableCharacter, originating_head, reply_head,
)
from gateway.codec.messages import Msg2001, SingleReturn2001
from tests.unit.codec.samples import COMPANY, ETS, GW, head, message_1001, message_1102


def test_gbk_bytes_with_the_declaration_and_no_bom() -> None:
    data = Codec().encode(message_1001())
    assert data.startswith(b'<?xml version="1.0" encoding="GBK"?>\n<CFX><HEAD><VER>1.0</VER>')
    assert COMPANY.encode("gbk") in data
    assert COMPANY.encode("utf-8") not in data
    assert data.endswith(b"</MSG></CFX>")


@pytest.mark.parametrize(("encoding", "codec"), [("GB18030", "gb18030"), ("UTF-8", "utf-8")])
def test_other_configured_encodings(encoding: str, codec: str) -> None:
    data = Codec(encoding).encode(message_1001())
    assert data.startswith(f'<?xml version="1.0" encoding="{encoding}"?>'.encode())
    assert COMPANY.encode(codec) in data
    assert Codec().decode(data) == message_1001()


def test_only_amp_lt_gt_are_escaped_and_no_cdata_or_references() -> None:
    name = "A&B <贸易> \"有限\" '公司'"
    data = Codec().encode(message_1001(hand_org_name=name))
    text = data.decode("gbk")
    assert "<HandOrgName>A&amp;B &lt;贸易&gt; \"有限\" '公司'</HandOrgName>" in text
    assert "CDATA" not in text and "&#" not in text and "<!--" not in text
    assert Codec().decode(data).body.payment1001.hand_org_name == name


def test_a_character_outside_gbk_fails_before_anything_is_sent() -> None:
    message = message_1001(hand_org_name="王𠮷")
    with pytest.raises(UnencodableCharacter) as caught:
        Codec("GBK").encode(message)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.path == "/CFX/MSG/Payment1001/HandOrgName"
    assert error.character == "𠮷" and error.encoding == "GBK" and error.msg_no == "1001"
    assert "U+20BB7" in str(error)
    assert "𠮷".encode("gb18030") in Codec("GB18030").encode(message)


def test_unencodable_character_names_the_repeated_block() -> None:
    message = message_1102(3)
    items = list(message.body.payment1102)
    line = dataclasses.replace(items[1].tax_type_list1102[0], tax_type_name="工伤𡈽保险费")
    items[1] = dataclasses.replace(items[1], tax_type_list1102=(line,))
    message = dataclasses.replace(message, body=dataclasses.replace(message.body, payment1102=tuple(items)))
    with pytest.raises(UnencodableCharacter) as caught:
        Codec().encode(message)
    assert caught.value.path == "/CFX/MSG/Payment1102[2]/TaxTypeList1102[1]/TaxTypeName"


def test_unencodable_character_in_head() -> None:
    message = message_1001()
    message = dataclasses.replace(message, head=dataclasses.replace(message.head, reserve="备注𠮷"))
    with pytest.raises(UnencodableCharacter, match="/CFX/HEAD/Reserve"):
        Codec().encode(message)


def test_a_broken_cross_field_rule_is_refused_unless_validation_is_off() -> None:
    message = message_1001(tra_amt=Decimal("12345.50"))
    with pytest.raises(InvalidOutgoingMessage) as caught:
        Codec().encode(message)
    assert caught.value.code == "92004"
    assert caught.value.path == "/CFX/MSG/Payment1001/TraAmt"
    data = Codec(validate=False).encode(message)
    assert b"<TraAmt>12345.50</TraAmt>" in data


def test_a_format_violation_is_refused_with_its_path() -> None:
    message = message_1001()
    body = dataclasses.replace(message.body, real_head1001=dataclasses.replace(message.body.real_head1001, tra_no="123"))
    with pytest.raises(InvalidOutgoingMessage, match="/CFX/MSG/RealHead1001/TraNo"):
        Codec().encode(dataclasses.replace(message, body=body))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"tra_amt": Decimal("12345.605")}, "/CFX/MSG/Payment1001/TraAmt: more than two decimal places"),
        ({"tra_amt": 12345.6}, "/CFX/MSG/Payment1001/TraAmt: amounts are never float"),
        ({"tra_amt": Decimal("-1.00")}, "/CFX/MSG/Payment1001/TraAmt: wire amounts have no sign"),
        ({"tax_vou_no": None}, "/CFX/MSG/Payment1001/TaxVouNo: mandatory element is None"),
        ({"tax_vou_no": 344010624110500123}, "/CFX/MSG/Payment1001/TaxVouNo: expected str, got int"),
        ({"tax_type_num": "3"}, "/CFX/MSG/Payment1001/TaxTypeNum: expected int, got str"),
        ({"tax_type_list1001": ()}, "/CFX/MSG/Payment1001: The content of element 'Payment1001' is not complete"),
        ({"tax_type_list1001": 7}, "/CFX/MSG/Payment1001/TaxTypeList1001: expected a tuple"),
    ],
)
def test_wrong_values_are_named(change: dict, fragment: str) -> None:
    with pytest.raises(InvalidOutgoingMessage) as caught:
        Codec().encode(message_1001(**change))
    assert fragment in str(caught.value)


def test_a_datetime_is_not_a_date() -> None:
    message = message_1001()
    real = dataclasses.replace(message.body.real_head1001, entrust_date=datetime(2024, 11, 5, 9, 30))
    with pytest.raises(InvalidOutgoingMessage, match="/CFX/MSG/RealHead1001/EntrustDate: expected a date"):
        Codec().encode(dataclasses.replace(message, body=dataclasses.replace(message.body, real_head1001=real)))


def test_amounts_are_normalised_to_two_places_without_rounding() -> None:
    line = dataclasses.replace(message_1001().body.payment1001.tax_type_list1001[0], tax_type_amt=Decimal("8640"))
    lines = (line, *message_1001().body.payment1001.tax_type_list1001[1:])
    data = Codec().encode(message_1001(tax_type_list1001=lines))
    assert b"<TaxTypeAmt>8640.00</TaxTypeAmt>" in data


def test_a_control_character_is_refused() -> None:
    with pytest.raises(InvalidOutgoingMessage):
        Codec().encode(message_1001(remark="2024年\x0110月"))
    with pytest.raises(InvalidOutgoingMessage, match="/CFX/MSG/Payment1001/Remark"):
        Codec().encode(message_1001(remark="2024年\t10月"))


def test_head_and_body_must_agree() -> None:
    message = message_1001()
    with pytest.raises(InvalidOutgoingMessage, match="MsgNo"):
        Codec().encode(dataclasses.replace(message, head=dataclasses.replace(message.head, msg_no="1021")))
    with pytest.raises(InvalidOutgoingMessage, match="not a message body"):
        Codec().encode(dataclasses.replace(message, body=message.body.payment1001))


def test_originating_message_needs_msgref_equal_to_msgid() -> None:
    message = message_1001()
    bad = dataclasses.replace(message, head=dataclasses.replace(message.head, msg_ref="20241105093015000122"))
    with pytest.raises(InvalidOutgoingMessage, match="/CFX/HEAD/MsgRef"):
        Codec().encode(bad)


def test_size_limit_on_sending() -> None:
    with pytest.raises(InvalidOutgoingMessage) as caught:
        Codec(max_bytes=1000).encode(message_1001())
    assert caught.value.too_large and "split it" in str(caught.value)


def test_item_limit_on_sending_is_92005() -> None:
    with pytest.raises(InvalidOutgoingMessage) as caught:
        Codec(max_package_items=2).encode(message_1102(3))
    assert caught.value.code == "92005"
    assert Codec(max_package_items=3).encode(message_1102(3))


def test_block_size_is_the_encoded_length_of_the_block() -> None:
    message = message_1102(1)
    item = message.body.payment1102[0]
    data = Codec().encode(message)
    start, end = data.index(b"<Payment1102>"), data.index(b"</Payment1102>") + len(b"</Payment1102>")
    assert Codec().block_size(item) == end - start
    chinese = sum(1 for ch in item.hand_org_name + item.tax_pay_name + "工伤保险费" if ord(ch) > 127)
    assert Codec("UTF-8").block_size(item) - Codec().block_size(item) == chinese  # 3 bytes instead of 2
    with pytest.raises(UnencodableCharacter, match="/Payment1102/HandOrgName"):
        Codec().block_size(dataclasses.replace(item, hand_org_name="𠮷"))


def test_encode_errors_share_a_base_class() -> None:
    assert issubclass(UnencodableCharacter, EncodeError) and issubclass(InvalidOutgoingMessage, EncodeError)


def test_reply_and_originating_heads() -> None:
    original = head("1001")
    answer = reply_head(original, "9120", "20241105093016004002", date(2024, 11, 6))
    assert (answer.src, answer.des) == (ETS, GW)
    assert answer.msg_ref == original.msg_id and answer.msg_id == "20241105093016004002"
    assert answer.work_date == date(2024, 11, 6) and answer.msg_no == "9120"
    fresh = originating_head(GW, ETS, "9005", "20241105120000000200", date(2024, 11, 5))
    assert fresh.msg_ref == fresh.msg_id and fresh.ver == "1.0" and fresh.app == "ETS"


def test_a_reply_encodes_with_a_foreign_msgref() -> None:
    body = Msg2001(SingleReturn2001("14401060000", date(2024, 11, 5), "00000123", "344010624110500123",
                                    date(2024, 11, 5), "90000", None))
    answer = reply_head(head("1001", src=GW, des=ETS), "2001", "20241105093020004001", date(2024, 11, 5))
    data = Codec().encode(dataclasses.replace(message_1001(), head=answer, body=body))
    assert Codec().decode(data).head.msg_ref == "20241105093015000123"


# A package of PARALLEL_MIN_ITEMS or more items is validated in chunks on worker threads; the
# verdict and the report must be those of validating the whole message.
BIG = 2 * 750 + 1


def _replace_item(message, number: int, **changes):  # type: ignore[no-untyped-def]
    items = list(message.body.payment1102)
    items[number - 1] = dataclasses.replace(items[number - 1], **changes)
    return dataclasses.replace(message, body=dataclasses.replace(message.body, payment1102=tuple(items)))


def test_chunked_validation_sends_the_same_bytes() -> None:
    message = message_1102(BIG)
    assert Codec(max_package_items=BIG).encode(message) == Codec(validate=False).encode(message)


@pytest.mark.parametrize("number", [1, 750, 751, BIG])
def test_chunked_validation_reports_like_the_whole_message(number: int) -> None:
    message = _replace_item(message_1102(BIG), number, pay_acct="6222_0202")
    with pytest.raises(InvalidOutgoingMessage) as caught:
        Codec(max_package_items=BIG).encode(message)
    assert caught.value.path.startswith(f"/CFX/MSG/Payment1102[{number}]/PayAcct")


def test_chunked_validation_puts_the_xsd_before_the_rules() -> None:
    message = _replace_item(message_1102(BIG), BIG, tax_pay_name=" leading blank", tax_type_num=2)
    with pytest.raises(InvalidOutgoingMessage, match="TaxPayName"):
        Codec(max_package_items=BIG).encode(message)
    message = _replace_item(message_1102(BIG), BIG, tax_type_num=2)
    with pytest.raises(InvalidOutgoingMessage, match=rf"Payment1102\[{BIG}\]/TaxTypeNum"):
        Codec(max_package_items=BIG).encode(message)


def test_chunked_validation_applies_the_item_count_of_the_xsd(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.codec.schemas import SchemaSet

    monkeypatch.setattr(SchemaSet, "occurs", lambda self, *args: (1, BIG - 1))
    # The real XSD accepts the count, so the whole-message check that follows passes: what
    # matters is that the chunks alone did not decide (no chunk is submitted at all).
    from gateway.codec import codec as codec_module

    submitted: list[object] = []
    monkeypatch.setattr(codec_module, "_valid_1102", lambda *args: submitted.append(args) or True)
    assert Codec(max_package_items=BIG).encode(message_1102(BIG))
    assert submitted == []
