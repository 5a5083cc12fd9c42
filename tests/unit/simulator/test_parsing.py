"""Pure parts of the simulator: fault syntax, key parsing, money conversions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.simulator.admin import AdminError, to_fen
from gateway.simulator.context import fen, yuan
from gateway.simulator.faults import Fault, Faults, FaultSyntaxError, parse_fault, parse_faults
from gateway.simulator.keys import business_key_from_texts, key_of
from gateway.simulator.outbound import corrupt, garble


@pytest.mark.parametrize("text, expected", [
    ("drop:2001", Fault("drop:2001", "drop", msg_no="2001")),
    ("delay:9120:30", Fault("delay:9120:30", "delay", msg_no="9120", seconds=30.0)),
    ("late:2001:1.5", Fault("late:2001:1.5", "late", msg_no="2001", seconds=1.5)),
    ("dup:2102", Fault("dup:2102", "dup", msg_no="2102")),
    ("corrupt:2001*2", Fault("corrupt:2001", "corrupt", msg_no="2001", limit=2)),
    ("garble:9120", Fault("garble:9120", "garble", msg_no="9120")),
    ("lose:1001*1", Fault("lose:1001", "lose", msg_no="1001", limit=1)),
    ("opstat:98", Fault("opstat:98", "opstat", code="98")),
    ("ets_refuse:92006", Fault("ets_refuse:92006", "ets_refuse", msg_no="1001", code="92006")),
    ("ets_refuse:99090:9005", Fault("ets_refuse:99090:9005", "ets_refuse", msg_no="9005",
                                    code="99090")),
    ("bank_error", Fault("bank_error", "bank_error")),
    ("entry_omit*2", Fault("entry_omit", "entry_omit", limit=2)),
    ("entry_extra:2108", Fault("entry_extra:2108", "entry_extra", msg_no="2108")),
    ("undeliverable:102581000013", Fault("undeliverable:102581000013", "undeliverable",
                                         bank="102581000013")),
])
def test_fault_syntax(text, expected):
    assert parse_fault(text) == expected


@pytest.mark.parametrize("text", [
    "drop", "drop:20011", "delay:9120", "delay:9120:-1", "dup:2001:3", "opstat:42",
    "ets_refuse:9200", "bank_error:1025", "explode:2001", "drop:2001*0", "drop:2001*x",
    "entry_omit:1001", "entry_extra", "entry_extra:9120",
])
def test_bad_fault_syntax_is_refused(text):
    with pytest.raises(FaultSyntaxError):
        parse_fault(text)


def test_fault_lists_and_matching():
    assert parse_faults(" drop:2001, ,dup:9120 ") == (parse_fault("drop:2001"),
                                                      parse_fault("dup:9120"))
    assert parse_faults(None) == () and parse_faults(("opstat:20",))[0].code == "20"
    faults = Faults.configured(("drop:2001",)).plus_account("102581000013", "1", "bank_error")
    assert [f.kind for _, f in faults.matching("bank_error", bank="102581000013")] == \
        ["bank_error"]
    assert faults.accounts_only().items[0][0] == "acct:102581000013:1"
    assert faults.matching("drop", "2001") and not faults.matching("drop", "9120")


def test_business_key_from_texts():
    texts = {"TaxOrgCode": "14401060000", "EntrustDate": "20241105", "TraNo": "00000123"}
    assert business_key_from_texts("1001", texts) == key_of("14401060000", "20241105", "00000123")
    assert business_key_from_texts("1001", {**texts, "EntrustDate": "20241131"}) is None
    assert business_key_from_texts("1001", {**texts, "TraNo": "00000000"}) is None
    assert business_key_from_texts("1001", {**texts, "TaxOrgCode": " 1"}) is None
    assert business_key_from_texts("9003", texts) is None


def test_money_is_integer_fen():
    assert fen(Decimal("12345.60")) == 1234560 and yuan(1234560) == Decimal("12345.60")
    assert str(yuan(0)) == "0.00"
    with pytest.raises(TypeError):
        fen(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fen(Decimal("0.001"))
    assert to_fen("100.5") == 10050 and to_fen(7) == 700 and to_fen(Decimal("1.23")) == 123
    with pytest.raises(AdminError):
        to_fen(1.1)
    with pytest.raises(AdminError):
        to_fen("1.234")


def test_corrupt_and_garble():
    data = b'<?xml version="1.0" encoding="GBK"?>\n<CFX><HEAD><MsgID>1</MsgID></HEAD><MSG></MSG></CFX>'
    assert b"<MSG><Corrupt>1</Corrupt>" in corrupt(data)
    assert b"</HEAD>" not in garble(data)
