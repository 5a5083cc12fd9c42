"""Golden messages written by hand from ets-interface.md (tests/fixtures/messages).

valid/: every message number decodes, and encoding the result gives the same document
(canonical XML, whitespace between elements and comments aside).
invalid/: every rejection rule, with the expected code, whether it is answered, and a reason
fragment (invalid/INDEX.txt).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from lxml import etree

from gateway.codec import BODY_CLASSES, PYTHON_CODEC, Codec, MessageRejected, msg_id_to_mqmd

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"
VALID = sorted((FIXTURES / "valid").glob("*.xml"))


def declared(data: bytes) -> str:
    match = re.match(rb'<\?xml version="1.0" encoding="([^"]+)"\?>', data)
    assert match, "golden files carry the declaration"
    return match.group(1).decode()


def canonical(data: bytes) -> bytes:
    """C14N of a document with comments and whitespace-only text between elements removed."""
    root = etree.fromstring(data, etree.XMLParser(remove_comments=True, resolve_entities=False))
    for element in root.iter():
        if len(element):
            if element.text is not None and not element.text.strip():
                element.text = None
            for child in element:
                if child.tail is not None and not child.tail.strip():
                    child.tail = None
    return etree.tostring(root, method="c14n")


def test_every_message_number_has_a_golden_message() -> None:
    numbers = {p.stem.split("_")[0] for p in VALID}
    assert numbers == set(BODY_CLASSES)


def test_golden_files_use_all_three_encodings_as_real_bytes() -> None:
    encodings = {p.name: declared(p.read_bytes()) for p in VALID}
    assert set(encodings.values()) == {"GBK", "GB18030", "UTF-8"}
    for path in VALID:
        data = path.read_bytes()
        data.decode(PYTHON_CODEC[encodings[path.name]])  # real bytes of the declared encoding
    assert "𠮷".encode("gb18030") in (FIXTURES / "valid" / "9114.xml").read_bytes()
    assert "广州".encode("gbk") in (FIXTURES / "valid" / "1001.xml").read_bytes()


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_golden_decodes_and_encodes_back_to_the_same_document(path: Path) -> None:
    data = path.read_bytes()
    codec = Codec(declared(data))
    message = codec.decode(data, ccsid=codec.ccsid)
    assert message.head.msg_no == path.stem.split("_")[0] == type(message.body).MSG_NO
    again = codec.encode(message)
    assert canonical(again) == canonical(data)
    assert codec.decode(again) == message


def test_section_10_1_example() -> None:
    message = Codec().decode((FIXTURES / "valid" / "1001.xml").read_bytes(), ccsid=1386)
    pay = message.body.payment1001
    assert pay.tra_amt == Decimal("12345.60") == sum(line.tax_type_amt for line in pay.tax_type_list1001)
    assert [line.project_id for line in pay.tax_type_list1001] == [1, 2, 3]
    assert pay.tax_type_list1001[0].tax_type_name == "企业职工基本养老保险费"
    assert pay.remark == "2024年10月社会保险费"
    assert message.body.turn_account1001.payee_name == "国家金库广州市中心支库"
    assert msg_id_to_mqmd(message.head.msg_id).hex() == "3230323431313035303933303135303030313233" + "00000000"


def test_section_10_2_example() -> None:
    message = Codec().decode((FIXTURES / "valid" / "2102.xml").read_bytes())
    head, items = message.body.batch_head2102, message.body.batch_return2102
    assert (head.ori_pack_no, head.pack_no, head.succ_num, head.succ_amt) == ("00000045", "00000789", 1, Decimal("5210.40"))
    assert items[0].tax_date == date(2024, 11, 6) and items[1].tax_date is None
    assert items[1].add_word == "账户余额不足"
    assert message.head.msg_ref == "20241105160000000045"


def test_receivers_accept_entities_references_cdata_and_comments() -> None:
    message = Codec().decode((FIXTURES / "valid" / "1001_lexical.xml").read_bytes())
    pay = message.body.payment1001
    assert pay.hand_org_name == pay.tax_pay_name == "广州市 A&B <贸易> 有限公司"
    assert message.body.turn_account1001.payee_name == "国家金库广州市中心支库"
    assert pay.tax_type_list1001[0].tax_type_name == "残疾人就业保障金"
    assert pay.remark is None


def test_gb18030_rare_character_survives() -> None:
    message = Codec("GB18030").decode((FIXTURES / "valid" / "9114.xml").read_bytes(), ccsid=5488)
    assert message.body.prove_info9114.hand_org_name == "王𠮷"


class Expected(NamedTuple):
    name: str
    code: str
    answerable: bool
    fragment: str
    rule: str


def index() -> list[Expected]:
    rows = []
    for line in (FIXTURES / "invalid" / "INDEX.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, code, answerable, fragment, rule = (part.strip() for part in line.split(" | "))
            rows.append(Expected(name, code, answerable == "yes", fragment, rule))
    return rows


INVALID = index()


def test_index_and_files_agree() -> None:
    files = {p.stem for p in (FIXTURES / "invalid").glob("*.xml")}
    assert files == {row.name for row in INVALID}
    assert len(files) >= 90


@pytest.mark.parametrize("row", INVALID, ids=[row.name for row in INVALID])
def test_invalid_message_is_rejected_as_indexed(row: Expected) -> None:
    data = (FIXTURES / "invalid" / f"{row.name}.xml").read_bytes()
    with pytest.raises(MessageRejected) as caught:
        Codec().decode(data)
    error = caught.value
    assert error.code == row.code
    assert error.answerable == row.answerable, error.reason
    assert row.fragment in error.reason
    if error.head is not None:
        assert error.head_readable and error.head.msg_id == error.msg_id


def test_every_message_number_has_an_invalid_fixture() -> None:
    covered = set()
    for row in INVALID:
        data = (FIXTURES / "invalid" / f"{row.name}.xml").read_bytes()
        match = re.search(rb"<MsgNo>([0-9]{4})</MsgNo>", data)
        if match:
            covered.add(match.group(1).decode())
    assert set(BODY_CLASSES) <= covered
