"""The XML <-> Python name mapping and the layouts derived from the message classes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from gateway.codec.head import Head
from gateway.codec.layout import Kind, all_layouts, layout_of
from gateway.codec.messages import BODY_CLASSES, Msg1001, Payment1001
from gateway.codec.names import ELEMENT_NAMES, XML_NAME, snake


@pytest.mark.parametrize(
    ("xml", "python"),
    [
        ("TaxVouNo", "tax_vou_no"), ("MsgID", "msg_id"), ("PayBkCode", "pay_bk_code"), ("VCNo", "vc_no"),
        ("OriVCNo", "ori_vc_no"), ("VCResult", "vc_result"), ("RealHead1001", "real_head1001"),
        ("TaxTypeList1102", "tax_type_list1102"), ("YesterdayBalance", "yesterday_balance"),
        ("SRC", "src"), ("WorkDate", "work_date"), ("OriRequestNo", "ori_request_no"),
    ],
)
def test_snake_case_is_mechanical(xml: str, python: str) -> None:
    assert snake(xml) == python


def test_every_element_name_maps_back_to_itself() -> None:
    assert len(XML_NAME) == len(ELEMENT_NAMES)
    for name in ELEMENT_NAMES:
        assert XML_NAME[snake(name)] == name


def test_head_layout_is_the_section_3_2_table() -> None:
    layout = layout_of(Head)
    assert layout.tag == "HEAD"
    assert [s.tag for s in layout.slots] == ["VER", "SRC", "DES", "APP", "MsgNo", "MsgID", "MsgRef", "WorkDate", "Reserve"]
    assert [s.optional for s in layout.slots] == [False] * 8 + [True]


def test_payment1001_layout_kinds() -> None:
    slots = {s.tag: s for s in layout_of(Payment1001).slots}
    assert slots["TraAmt"].kind is Kind.AMOUNT
    assert slots["TaxTypeNum"].kind is Kind.INT
    assert slots["Remark"].optional and slots["Remark"].kind is Kind.TEXT
    assert slots["TaxTypeList1001"].kind is Kind.BLOCKS


@pytest.mark.parametrize("msg_no", sorted(BODY_CLASSES))
def test_every_body_class_has_a_layout_with_msg_as_root(msg_no: str) -> None:
    cls = BODY_CLASSES[msg_no]
    assert cls.MSG_NO == msg_no
    layouts = all_layouts(cls)
    assert layouts[0].tag == "MSG"
    assert all(layout.slots for layout in layouts[1:] if layout.cls.__name__ != "MsgReturn9005")


def test_msg1001_blocks_in_document_order() -> None:
    assert [s.tag for s in layout_of(Msg1001).slots] == ["RealHead1001", "TurnAccount1001", "Payment1001"]


def test_a_field_that_is_no_interface_element_is_refused() -> None:
    @dataclass(frozen=True)
    class Bogus:
        tax_vou_number: str

    with pytest.raises(TypeError, match="no element of the interface"):
        layout_of(Bogus)


@dataclass(frozen=True)
class Inner:
    tra_no: str


@dataclass(frozen=True)
class Outer:
    something: Inner


def test_a_block_in_a_wrongly_named_field_is_refused() -> None:
    with pytest.raises(TypeError, match="must be in field inner"):
        layout_of(Outer)


def test_unsupported_annotations_are_refused() -> None:
    @dataclass(frozen=True)
    class Floaty:
        tra_amt: float

    @dataclass(frozen=True)
    class Unionish:
        tra_amt: Decimal | date

    with pytest.raises(TypeError, match="unsupported annotation"):
        layout_of(Floaty)
    with pytest.raises(TypeError, match="only 'X | None'"):
        layout_of(Unionish)
    with pytest.raises(TypeError, match="not a message block dataclass"):
        layout_of(int)
