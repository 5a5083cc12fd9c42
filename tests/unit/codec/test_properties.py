"""Property tests: encode -> decode is the identity for every message number, in every wire
encoding, with values drawn from the XSD types (Chinese and rare characters, boundary amounts)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.codec import BODY_CLASSES, Codec, UnencodableCharacter
from gateway.codec.messages import TaxTypeList1001
from tests.unit.codec.samples import message_1001
from tests.unit.codec.strategies import RARE_CHARS, messages

CODECS = {e: Codec(e) for e in ("GBK", "GB18030", "UTF-8")}
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("msg_no", sorted(BODY_CLASSES))
@PROPERTY
@given(data=st.data())
def test_encode_then_decode_is_identity(msg_no: str, data: st.DataObject) -> None:
    encoding = data.draw(st.sampled_from(sorted(CODECS)), label="encoding")
    codec = CODECS[encoding]
    message = data.draw(messages(msg_no, encoding), label="message")
    wire = codec.encode(message)
    back = codec.decode(wire, ccsid=codec.ccsid)
    assert back == message
    assert codec.encode(back) == wire  # deterministic: same object, same bytes


@PROPERTY
@given(name=st.text(alphabet=st.sampled_from("广州市有限公司" + RARE_CHARS), min_size=1, max_size=30),
       position=st.integers(0, 30))
def test_rare_characters_need_gb18030_or_utf8(name: str, position: int) -> None:
    name = name[:position] + RARE_CHARS[0] + name[position:]
    message = message_1001(hand_org_name=name, tax_pay_name=name)
    for encoding in ("GB18030", "UTF-8"):
        assert CODECS[encoding].decode(CODECS[encoding].encode(message)).body.payment1001.hand_org_name == name
    with pytest.raises(UnencodableCharacter) as caught:
        CODECS["GBK"].encode(message)
    assert caught.value.path == "/CFX/MSG/Payment1001/HandOrgName"
    assert caught.value.character in RARE_CHARS


@pytest.mark.parametrize("amount", ["0.01", "999999999999999.99", "100000000000000.00", "10.10"])
def test_boundary_amounts(amount: str) -> None:
    line = TaxTypeList1001(1, "企业职工基本养老保险费", date(2024, 10, 1), date(2024, 10, 31), Decimal(amount))
    message = message_1001(tra_amt=Decimal(amount), tax_type_num=1, tax_type_list1001=(line,))
    wire = CODECS["GBK"].encode(message)
    assert f"<TraAmt>{amount}</TraAmt>".encode() in wire
    decoded = CODECS["GBK"].decode(wire).body.payment1001
    assert decoded.tra_amt == Decimal(amount) and str(decoded.tra_amt) == amount


def test_boundary_dates_round_trip() -> None:
    line = TaxTypeList1001(1, "养老", date(1900, 1, 1), date(2099, 12, 31), Decimal("619.20"))
    leap = dataclasses.replace(line, project_id=2, tax_start_date=date(2000, 2, 29), tax_end_date=date(2000, 2, 29))
    message = message_1001(tra_amt=Decimal("1238.40"), tax_type_num=2, tax_type_list1001=(line, leap))
    assert CODECS["GBK"].decode(CODECS["GBK"].encode(message)) == message
