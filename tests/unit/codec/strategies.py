"""Hypothesis strategies for valid ETS messages, driven by the XSDs.

Each leaf element's XSD type (read with xmlschema from ``schemas/<MsgNo>.xsd``) picks the value
strategy, so a format added to a schema is exercised without touching this file. Cross-field
rules (sums, counts, conditional elements) are then restored by :data:`FIXUPS`, one small
function per message whose rules the XSD cannot carry.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import xmlschema
from hypothesis import strategies as st

from gateway.codec import PYTHON_CODEC as PY_CODEC
from gateway.codec import CfxMessage, Head
from gateway.codec.layout import Kind, layout_of
from gateway.codec.messages import BODY_CLASSES
from gateway.codec.mq_ids import REPLY_MSG_NOS
from gateway.codec.schemas import DEFAULT_SCHEMA_DIR

MAX_AMOUNT = Decimal("999999999999999.99")
SUCCESS = ("90000", "94051")
#: Chinese names as they occur, plus the characters that need escaping and inner blanks.
SAMPLE_CHARS = "广州市天河区云帆信息科技有限公司国家金库李晓梅王张记餐饮店养老医疗失业工伤保险费&<>'\" -·（）A1"
#: Characters outside GBK (CJK extension B and beyond): encodable in GB18030 and UTF-8 only.
RARE_CHARS = "𠮷𡈽𤭢𪚥"


def digits(low: int, high: int | None = None) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=low, max_size=high or low)


def serial(allow_zero: bool) -> st.SearchStrategy[str]:
    return st.integers(0 if allow_zero else 1, 99_999_999).map("{:08d}".format)


def amounts(minimum: str) -> st.SearchStrategy[Decimal]:
    boundaries = st.sampled_from([Decimal(minimum), Decimal("0.01"), MAX_AMOUNT])
    cents = st.integers(int(Decimal(minimum) * 100), int(MAX_AMOUNT * 100)).map(lambda c: Decimal(c).scaleb(-2))
    small = st.integers(max(1, int(Decimal(minimum) * 100)), 10_000_000).map(lambda c: Decimal(c).scaleb(-2))
    return st.one_of(boundaries, cents, small)


def c_text(max_len: int, encoding: str) -> st.SearchStrategy[str]:
    """c(..k): no Cc, no blank at either end; only characters the encoding can carry."""
    alphabet = st.one_of(
        st.sampled_from(SAMPLE_CHARS + (RARE_CHARS if encoding != "GBK" else "")),
        st.characters(codec=PY_CODEC[encoding], exclude_categories=("Cc", "Cs", "Cn")),
    )
    return st.text(alphabet, min_size=1, max_size=max_len).filter(lambda s: s[0] != " " and s[-1] != " ")


def _id(chars: str, max_len: int) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=1, max_size=max_len)


AN = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def type_strategy(xsd_type: Any, encoding: str) -> st.SearchStrategy[Any]:
    """Values of one XSD simple type, as the codec's Python types."""
    if xsd_type.enumeration:
        return st.sampled_from(list(xsd_type.enumeration))
    name = xsd_type.name
    fixed = {"N4": 4, "N5": 5, "N10": 10, "N12": 12, "N20": 20}
    if name in fixed:
        return digits(fixed[name])
    simple: dict[str, st.SearchStrategy[Any]] = {
        "NMax12": digits(1, 12), "AnMax18": _id(AN, 18), "AnMax20": _id(AN, 20),
        "IdMax32": _id(AN + "-", 32), "IdMax60": _id(AN + "-", 60),
        "CMax20": c_text(20, encoding), "CMax60": c_text(60, encoding), "CMax200": c_text(200, encoding),
        "Date": st.dates(date(1900, 1, 1), date(2099, 12, 31)), "Amt": amounts("0.01"), "Amt0": amounts("0.00"),
        "Ser": serial(False), "Ser0": serial(True),
        "Int1To10": st.integers(1, 10), "Int1To99": st.integers(1, 99), "Int1To9999": st.integers(1, 9999),
        "Int1To999999": st.integers(1, 999_999), "Int0To999999": st.integers(0, 999_999),
        "Int0To3000": st.integers(0, 3000),
    }
    return simple[name]


@functools.cache
def element_types(msg_no: str) -> dict[tuple[str, ...], Any]:
    """Path of tags below CFX -> XSD simple type of every leaf, or (minOccurs, maxOccurs)
    of every block, read from the message schema."""
    schema = xmlschema.XMLSchema10(str(DEFAULT_SCHEMA_DIR / f"{msg_no}.xsd"))
    found: dict[tuple[str, ...], Any] = {}

    def walk(element: Any, path: tuple[str, ...]) -> None:
        if element.type.is_simple():
            found[path] = element.type
            return
        found[path] = (element.min_occurs, element.max_occurs)
        for child in element.type.content.iter_elements():
            walk(child, (*path, child.name))

    walk(schema.elements["CFX"], ())
    return found


def block(cls: type, path: tuple[str, ...], msg_no: str, encoding: str, max_items: int) -> st.SearchStrategy[Any]:
    """Instances of a block class, every leaf drawn from its XSD type."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for slot in layout_of(cls).slots:
        where = (*path, slot.tag)
        if slot.kind is Kind.BLOCKS:
            item = block(slot.block, where, msg_no, encoding, max_items)  # type: ignore[arg-type]
            low, _high = element_types(msg_no)[where]
            fields[slot.name] = st.lists(item, min_size=low, max_size=max_items).map(tuple)
            continue
        if slot.kind is Kind.BLOCK:
            value = block(slot.block, where, msg_no, encoding, max_items)  # type: ignore[arg-type]
        else:
            value = type_strategy(element_types(msg_no)[where], encoding)
        fields[slot.name] = st.one_of(st.none(), value) if slot.optional else value
    return st.fixed_dictionaries(fields).map(lambda kw: cls(**kw))


def messages(msg_no: str, encoding: str = "GBK", max_items: int = 3) -> st.SearchStrategy[CfxMessage[Any]]:
    """Valid messages of one MsgNo."""
    heads = block(Head, ("HEAD",), msg_no, encoding, max_items)
    bodies = block(BODY_CLASSES[msg_no], ("MSG",), msg_no, encoding, max_items)

    def assemble(head: Head, body: Any) -> CfxMessage[Any]:
        if msg_no not in REPLY_MSG_NOS:
            head = dataclasses.replace(head, msg_ref=head.msg_id)
        return CfxMessage(head, FIXUPS.get(msg_no, lambda b: b)(body))

    return st.builds(assemble, heads, bodies)


# ----- cross-field rules the XSD cannot state -----

R = dataclasses.replace


def _levies(owner: Any, field: str) -> Any:
    lines = getattr(owner, field)
    lines = tuple(
        R(line, project_id=n, tax_start_date=min(line.tax_start_date, line.tax_end_date),
          tax_end_date=max(line.tax_start_date, line.tax_end_date))
        for n, line in enumerate(lines, 1)
    )
    if sum(line.tax_type_amt for line in lines) > MAX_AMOUNT:
        lines = lines[:1]
    total = sum((line.tax_type_amt for line in lines), Decimal("0.00"))
    return R(owner, **{field: lines, "tax_type_num": len(lines), "tra_amt": total})


def _total(items: Any, attr: str = "tra_amt") -> Decimal:
    return sum((getattr(i, attr) for i in items), Decimal("0.00"))


def _fit(items: tuple[Any, ...]) -> tuple[Any, ...]:
    # A sum of several boundary amounts would not be a valid amount: keep one item then.
    return items if _total(items) <= MAX_AMOUNT else items[:1]


def _add_word(block_: Any, answer: str, refused: str) -> Any:
    return R(block_, add_word=block_.add_word or "原因") if getattr(block_, answer) == refused else block_


def _tax_date(item: Any, day: date) -> Any:
    return R(item, tax_date=(item.tax_date or day) if item.result in SUCCESS else None)


def _fix_1102(b: Any) -> Any:
    items = _fit(tuple(R(_levies(p, "tax_type_list1102"), tra_no=f"{n:08d}") for n, p in enumerate(b.payment1102, 1)))
    head = R(b.batch_head1102, all_num=len(items), all_amt=_total(items))
    return R(b, batch_head1102=head, payment1102=items)


def _fix_2102(b: Any) -> Any:
    h = b.batch_head2102
    items = _fit(tuple(R(i, ori_tra_no=f"{n:08d}") for n, i in enumerate(b.batch_return2102, 1)))
    if h.result != "90000":
        items = tuple(R(i, result="24007") if i.result in SUCCESS else i for i in items)
    items = tuple(_tax_date(i, h.entrust_date) for i in items)
    won = [i for i in items if i.result in SUCCESS]
    head = R(h, all_num=len(items), all_amt=_total(items), succ_num=len(won), succ_amt=_total(won))
    return R(b, batch_head2102=head, batch_return2102=items)


def _fix_3122(b: Any) -> Any:
    items = _fit(tuple(
        R(i, ori_pack_no="00000000" if i.ori_msg_no != "1102" else (
            i.ori_pack_no if i.ori_pack_no != "00000000" else "00000001"))
        for i in b.comp_deduct3122
    ))
    h = b.batch_head3122
    amount = _total(items)
    head = R(h, cur_pack_num=len(items), cur_pack_amt=amount, child_pack_num=max(h.child_pack_num, h.cur_pack_no),
             all_num=max(h.all_num, len(items)), all_amt=max(h.all_amt, amount))
    return R(b, batch_head3122=head, comp_deduct3122=items)


def _status(q: Any) -> Any:
    if q.search_type == "0":
        return R(q, ori_msg_no="1001", ori_pack_no="00000000",
                 ori_tra_no=q.ori_tra_no if q.ori_tra_no != "00000000" else "00000001")
    return R(q, ori_msg_no="1102", ori_tra_no="00000000",
             ori_pack_no=q.ori_pack_no if q.ori_pack_no != "00000000" else "00000001")


def _fix_1009(b: Any) -> Any:
    if b.payment1009 is None:
        head = R(b.real_head1009, result="24023") if b.real_head1009.result == "90000" else b.real_head1009
        return R(b, real_head1009=head)
    return R(b, real_head1009=R(b.real_head1009, result="90000"), payment1009=_levies(b.payment1009, "tax_type_list1009"))


def _fix_1123(b: Any) -> Any:
    s = b.stop_apply1123
    tra = "00000000" if s.stop_type == "1" else (s.ori_tra_no if s.ori_tra_no != "00000000" else "00000001")
    return R(b, stop_apply1123=R(s, ori_tra_no=tra))


FIXUPS: dict[str, Callable[[Any], Any]] = {
    "9114": lambda b: R(b, prove_info9114=R(b.prove_info9114, send_org_code=b.prove_info9114.tax_org_code)),
    "9115": lambda b: R(b, prove_return9115=_add_word(b.prove_return9115, "vc_result", "1")),
    "1001": lambda b: R(b, payment1001=_levies(b.payment1001, "tax_type_list1001")),
    "2001": lambda b: R(b, single_return2001=_tax_date(b.single_return2001, b.single_return2001.ori_entrust_date)),
    "1021": lambda b: R(b, rush_apply1021=R(b.rush_apply1021, entrust_date=b.rush_apply1021.ori_entrust_date)),
    "2021": lambda b: R(b, rush_return2021=_add_word(b.rush_return2021, "cancel_answer", "2")),
    "1009": _fix_1009,
    "1102": _fix_1102,
    "2102": _fix_2102,
    "1123": _fix_1123,
    "2123": lambda b: R(b, stop_return2123=_add_word(b.stop_return2123, "stop_answer", "2")),
    "3122": _fix_3122,
    "3128": lambda b: R(b, bill_head3128=R(b.bill_head3128, all_num=len(b.stock3128))),
    "9003": lambda b: R(b, tra_status_check9003=_status(b.tra_status_check9003)),
    "9004": lambda b: R(b, tra_status_return9004=_status(b.tra_status_return9004)),
}
