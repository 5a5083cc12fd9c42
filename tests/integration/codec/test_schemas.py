"""The XSDs of schemas/: they load, they agree with the message classes, and the simple types
of §4.1 accept and refuse exactly what the document says (checked with libxml2 and xmlschema)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from gateway.codec import BODY_CLASSES, DEFAULT_SCHEMA_DIR, Codec, Head
from gateway.codec.layout import Kind, layout_of
from tests.unit.codec.samples import message_1001

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"
PY_TYPE_OF_XSD = {"Date": Kind.DATE, "Amt": Kind.AMOUNT, "Amt0": Kind.AMOUNT}


def test_schema_directory_holds_common_and_one_xsd_per_message() -> None:
    assert DEFAULT_SCHEMA_DIR == Path(__file__).resolve().parents[3] / "schemas"
    assert {p.stem for p in DEFAULT_SCHEMA_DIR.glob("*.xsd")} == {"common", *BODY_CLASSES}


def _kind(xsd_type: object) -> Kind:
    name = getattr(xsd_type, "name", None) or ""
    if name in PY_TYPE_OF_XSD:
        return PY_TYPE_OF_XSD[name]
    return Kind.INT if name.startswith("Int") else Kind.TEXT


def _compare(element: object, cls: type, where: str) -> None:
    children = list(element.type.content.iter_elements())  # type: ignore[attr-defined]
    slots = layout_of(cls).slots
    assert [c.name for c in children] == [s.tag for s in slots], where
    for child, slot in zip(children, slots):
        here = f"{where}/{child.name}"
        assert (child.min_occurs == 0) == (slot.optional or (slot.kind is Kind.BLOCKS and child.min_occurs == 0)), here
        if slot.kind is Kind.BLOCKS:
            assert child.max_occurs is None or child.max_occurs > 1, here
            _compare(child, slot.block, here)  # type: ignore[arg-type]
        elif slot.kind is Kind.BLOCK:
            assert child.max_occurs == 1, here
            _compare(child, slot.block, here)  # type: ignore[arg-type]
        else:
            assert child.type.is_simple() and child.max_occurs == 1, here
            assert _kind(child.type) is slot.kind, here


@pytest.mark.parametrize("msg_no", sorted(BODY_CLASSES))
def test_schema_matches_the_message_classes(msg_no: str) -> None:
    schema = xmlschema.XMLSchema10(str(DEFAULT_SCHEMA_DIR / f"{msg_no}.xsd"))
    cfx = schema.elements["CFX"]
    head, msg = list(cfx.type.content.iter_elements())
    _compare(head, Head, "/CFX/HEAD")
    _compare(msg, BODY_CLASSES[msg_no], "/CFX/MSG")
    msg_no_type = next(e for e in head.type.content.iter_elements() if e.name == "MsgNo").type
    assert list(msg_no_type.enumeration) == [msg_no]


@pytest.mark.parametrize(
    ("msg_no", "path", "low", "high"),
    [("1001", "MSG/Payment1001/TaxTypeList1001", 1, 99), ("1102", "MSG/Payment1102", 1, 999999),
     ("2102", "MSG/BatchReturn2102", 1, 999999), ("3122", "MSG/CompDeduct3122", 0, 3000),
     ("3128", "MSG/Stock3128", 1, 9999), ("1009", "MSG/Payment1009", 0, 1)],
)
def test_cardinalities(msg_no: str, path: str, low: int, high: int) -> None:
    schema = xmlschema.XMLSchema10(str(DEFAULT_SCHEMA_DIR / f"{msg_no}.xsd"))
    element = schema.find(f"CFX/{path}")
    assert (element.min_occurs, element.max_occurs) == (low, high)


def test_each_schema_fixes_its_msgno() -> None:
    data = (FIXTURES / "valid" / "1001.xml").read_bytes().decode("gbk").split("?>", 1)[1]
    root = etree.fromstring(data.encode())
    assert Codec().schemas.validator("1001").validate(root)
    root.find("HEAD/MsgNo").text = "1021"
    assert not Codec().schemas.validator("1001").validate(root)


def test_schema_dir_override(tmp_path: Path) -> None:
    for path in DEFAULT_SCHEMA_DIR.glob("*.xsd"):
        shutil.copy(path, tmp_path)
    common = tmp_path / "common.xsd"
    common.write_text(common.read_text(encoding="utf-8").replace("[0-9]{1,12}", "[0-9]{1,3}"), encoding="utf-8")
    data = Codec().encode(message_1001())
    assert Codec().decode(data) == message_1001()
    with pytest.raises(Exception, match="TaxOrgCode"):
        Codec(schema_dir=tmp_path).decode(data)
    (tmp_path / "9122.xsd").unlink()
    with pytest.raises(FileNotFoundError, match="9122.xsd"):
        Codec(schema_dir=tmp_path)


TYPE_CASES = [
    ("Date", "20240229", True), ("Date", "20230229", False), ("Date", "20000229", True),
    ("Date", "19000229", False), ("Date", "19000101", True), ("Date", "18991231", False),
    ("Date", "20991231", True), ("Date", "21000101", False), ("Date", "20240431", False),
    ("Date", "20241131", False), ("Date", "20241231", True), ("Date", "2024-11-05", False),
    ("Amt", "0.01", True), ("Amt", "0.00", False), ("Amt", "999999999999999.99", True),
    ("Amt", "1000000000000000.00", False), ("Amt", "01.00", False), ("Amt", "1.5", False),
    ("Amt", "1.005", False), ("Amt", "-1.00", False), ("Amt", " 1.00", False), ("Amt", "1,000.00", False),
    ("Amt0", "0.00", True), ("Amt0", "00.00", False), ("Amt0", "10.10", True),
    ("Ser", "00000001", True), ("Ser", "99999999", True), ("Ser", "00000000", False), ("Ser", "1234567", False),
    ("Ser0", "00000000", True), ("Ser0", "123456789", False),
    ("N12", "102581000013", True), ("N12", "10258100001", False), ("N12", "１０２５８１００００１３", False),
    ("NMax12", "1", True), ("NMax12", "1234567890123", False),
    ("AnMax18", "344010624110500123", True), ("AnMax18", "3440106-2411050012", False), ("AnMax18", "3440106241105001234", False),
    ("IdMax32", "44010600-0027-0002", True), ("IdMax32", "a_b", False),
    ("CMax20", "广" * 20, True), ("CMax20", "广" * 21, False), ("CMax20", "𠮷" * 20, True),
    ("CMax20", "国家 金库", True), ("CMax20", " 国家金库", False), ("CMax20", "国家金库 ", False),
    ("CMax20", "国家\u0085金库", False), ("CMax20", "国家\u3000金库", True), ("CMax20", "A&B", True),
    ("Int1To99", "99", True), ("Int1To99", "100", False), ("Int1To99", "0", False), ("Int1To99", "07", False),
    ("Int0To3000", "0", True), ("Int0To3000", "3000", True), ("Int0To3000", "3001", False), ("Int0To3000", "00", False),
    ("Int1To10", "10", True), ("Int1To10", "11", False), ("Int0To999999", "999999", True),
    ("Int1To999999", "1000000", False), ("Int1To9999", "9999", True), ("Int1To9999", "+1", False),
    ("Enum12", "2", True), ("Enum12", "0", False), ("Enum012", "2", True), ("Enum01", " 1", False),
]


@pytest.fixture(scope="module")
def type_checkers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[etree.XMLSchema, xmlschema.XMLSchema10]]:
    directory = tmp_path_factory.mktemp("types")
    shutil.copy(DEFAULT_SCHEMA_DIR / "common.xsd", directory)
    checkers = {}
    for name in sorted({case[0] for case in TYPE_CASES}):
        path = directory / f"{name}.xsd"
        path.write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="common.xsd"/>'
            f'<xs:element name="v" type="{name}"/></xs:schema>', encoding="utf-8")
        checkers[name] = (etree.XMLSchema(etree.parse(str(path))), xmlschema.XMLSchema10(str(path)))
    return checkers


@pytest.mark.parametrize(("type_name", "value", "valid"), TYPE_CASES)
def test_simple_types(type_checkers: dict, type_name: str, value: str, valid: bool) -> None:
    lxml_schema, precise = type_checkers[type_name]
    element = etree.Element("v")
    element.text = value
    assert lxml_schema.validate(element.getroottree()) is valid
    assert precise.is_valid(etree.tostring(element, encoding="unicode")) is valid
