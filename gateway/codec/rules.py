"""Cross-field rules of ets-interface §3.2 and §6 that an XSD 1.0 cannot express.

A broken rule makes a message invalid (92004, §3.1 rule 8) exactly like a format error, so the
codec checks them on both sides: before sending (nothing invalid leaves) and after validating
a received message. Each check yields ``"<path>: <what is wrong>"``. Business checks that do
not make a message invalid (the 3128 balance identity, a 2102 matching its 1102) are not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from gateway.codec import contract_choices as choices
from gateway.codec.head import CfxMessage
from gateway.codec.messages import (
    Msg1001, Msg1009, Msg1021, Msg1102, Msg1123, Msg2001, Msg2021, Msg2102, Msg2123, Msg3122,
    Msg3128, Msg9003, Msg9004, Msg9114, Msg9115, TaxTypeList,
)
from gateway.codec.mq_ids import REPLY_MSG_NOS

SUCCESS = frozenset({"90000", "94051"})
NONE_SERIAL = "00000000"
M = "/CFX/MSG"


def violations(message: CfxMessage[Any]) -> list[str]:
    """Every broken cross-field rule of ``message``, in document order."""
    found = list(_head(message))
    check = _CHECKS.get(type(message.body))
    if check is not None:
        found.extend(check(message.body))
    return found


def _head(message: CfxMessage[Any]) -> Iterator[str]:
    head = message.head
    if choices.ORIGINATING_MSGREF_EQUALS_MSGID and head.msg_no not in REPLY_MSG_NOS:
        if head.msg_ref != head.msg_id:
            yield f"/CFX/HEAD/MsgRef: {head.msg_ref} must equal MsgID {head.msg_id} on an originating message"


def _levies_ok(tra_amt: Decimal, num: int, lines: Sequence[TaxTypeList]) -> bool:
    """Whether :func:`_levies` finds nothing, without building any path: a 3000-item 1102
    checks 3000 items, and formatting each item's path up front cost half of its rules time."""
    if num != len(lines):
        return False
    total = Decimal("0.00")
    for number, line in enumerate(lines, 1):
        if line.project_id != number or line.tax_end_date < line.tax_start_date:
            return False
        total += line.tax_type_amt
    return total == tra_amt


def _levies(path: str, tra_amt: Decimal, num: int, lines: Sequence[TaxTypeList], tag: str) -> Iterator[str]:
    if num != len(lines):
        yield f"{path}/TaxTypeNum: {num} but {len(lines)} {tag} blocks"
    total = sum((line.tax_type_amt for line in lines), Decimal("0.00"))
    if total != tra_amt:
        yield f"{path}/TraAmt: {tra_amt} is not the sum of TaxTypeAmt ({total})"
    for number, line in enumerate(lines, 1):
        where = f"{path}/{tag}[{number}]"
        if line.project_id != number:
            yield f"{where}/ProjectId: {line.project_id}, expected {number} (lines are numbered 1, 2, ...)"
        if line.tax_end_date < line.tax_start_date:
            yield f"{where}/TaxEndDate: {line.tax_end_date:%Y%m%d} is before TaxStartDate {line.tax_start_date:%Y%m%d}"


def _conditional_add_word(path: str, answer: str, refused: str, add_word: str | None, name: str) -> Iterator[str]:
    if answer == refused and add_word is None:
        yield f"{path}/AddWord: mandatory when {name} = {refused}"


def _tax_date(path: str, result: str, tax_date: object) -> Iterator[str]:
    if (result in SUCCESS) != (tax_date is not None):
        state = "missing" if tax_date is None else "present"
        yield f"{path}/TaxDate: {state}, but it is present iff Result is 90000 or 94051 (Result {result})"


def _unique(path: str, tag: str, values: Sequence[str]) -> Iterator[str]:
    seen: set[str] = set()
    for number, value in enumerate(values, 1):
        if value in seen:
            yield f"{path}[{number}]/{tag}: {value} appears more than once"
        seen.add(value)


def _9114(b: Msg9114) -> Iterator[str]:
    p = b.prove_info9114
    if p.send_org_code != p.tax_org_code:
        yield f"{M}/ProveInfo9114/SendOrgCode: {p.send_org_code} must equal TaxOrgCode {p.tax_org_code}"


def _9115(b: Msg9115) -> Iterator[str]:
    p = b.prove_return9115
    yield from _conditional_add_word(f"{M}/ProveReturn9115", p.vc_result, "1", p.add_word, "VCResult")


def _1001(b: Msg1001) -> Iterator[str]:
    p = b.payment1001
    yield from _levies(f"{M}/Payment1001", p.tra_amt, p.tax_type_num, p.tax_type_list1001, "TaxTypeList1001")


def _2001(b: Msg2001) -> Iterator[str]:
    r = b.single_return2001
    yield from _tax_date(f"{M}/SingleReturn2001", r.result, r.tax_date)


def _1021(b: Msg1021) -> Iterator[str]:
    r = b.rush_apply1021
    if r.entrust_date != r.ori_entrust_date:
        yield (f"{M}/RushApply1021/EntrustDate: {r.entrust_date:%Y%m%d} must equal OriEntrustDate "
               f"{r.ori_entrust_date:%Y%m%d}")


def _2021(b: Msg2021) -> Iterator[str]:
    r = b.rush_return2021
    yield from _conditional_add_word(f"{M}/RushReturn2021", r.cancel_answer, "2", r.add_word, "CancelAnswer")


def _1009(b: Msg1009) -> Iterator[str]:
    result = b.real_head1009.result
    if (result == "90000") != (b.payment1009 is not None):
        state = "missing" if b.payment1009 is None else "present"
        yield f"{M}/Payment1009: {state}, but it is present iff Result = 90000 (Result {result})"
    if b.payment1009 is not None:
        p = b.payment1009
        yield from _levies(f"{M}/Payment1009", p.tra_amt, p.tax_type_num, p.tax_type_list1009, "TaxTypeList1009")


def _1102(b: Msg1102) -> Iterator[str]:
    h, items = b.batch_head1102, b.payment1102
    if h.all_num != len(items):
        yield f"{M}/BatchHead1102/AllNum: {h.all_num} but {len(items)} Payment1102 blocks"
    total = sum((i.tra_amt for i in items), Decimal("0.00"))
    if total != h.all_amt:
        yield f"{M}/BatchHead1102/AllAmt: {h.all_amt} is not the sum of the items' TraAmt ({total})"
    yield from _unique(f"{M}/Payment1102", "TraNo", [i.tra_no for i in items])
    for n, i in enumerate(items, 1):
        if not _levies_ok(i.tra_amt, i.tax_type_num, i.tax_type_list1102):
            yield from _levies(f"{M}/Payment1102[{n}]", i.tra_amt, i.tax_type_num, i.tax_type_list1102,
                               "TaxTypeList1102")


def _2102(b: Msg2102) -> Iterator[str]:
    h, items = b.batch_head2102, b.batch_return2102
    if h.all_num != len(items):
        yield f"{M}/BatchHead2102/AllNum: {h.all_num} but {len(items)} BatchReturn2102 blocks"
    total = sum((i.tra_amt for i in items), Decimal("0.00"))
    if total != h.all_amt:
        yield f"{M}/BatchHead2102/AllAmt: {h.all_amt} is not the sum of the items' TraAmt ({total})"
    won = [i for i in items if i.result in SUCCESS]
    if h.succ_num != len(won):
        yield f"{M}/BatchHead2102/SuccNum: {h.succ_num} but {len(won)} items with Result 90000 or 94051"
    succ = sum((i.tra_amt for i in won), Decimal("0.00"))
    if h.succ_amt != succ:
        yield f"{M}/BatchHead2102/SuccAmt: {h.succ_amt} is not the sum of the successful items ({succ})"
    if h.result != "90000" and won:
        yield f"{M}/BatchHead2102/Result: {h.result} refuses the package, yet {len(won)} items succeeded"
    yield from _unique(f"{M}/BatchReturn2102", "OriTraNo", [i.ori_tra_no for i in items])
    for n, i in enumerate(items, 1):
        yield from _tax_date(f"{M}/BatchReturn2102[{n}]", i.result, i.tax_date)


def _1123(b: Msg1123) -> Iterator[str]:
    s = b.stop_apply1123
    whole = s.stop_type == "1"
    if whole != (s.ori_tra_no == NONE_SERIAL):
        expected = "00000000" if whole else "an item serial, not 00000000"
        yield f"{M}/StopApply1123/OriTraNo: {s.ori_tra_no}, expected {expected} for StopType {s.stop_type}"


def _2123(b: Msg2123) -> Iterator[str]:
    s = b.stop_return2123
    yield from _conditional_add_word(f"{M}/StopReturn2123", s.stop_answer, "2", s.add_word, "StopAnswer")


def _3122(b: Msg3122) -> Iterator[str]:
    h, items = b.batch_head3122, b.comp_deduct3122
    path = f"{M}/BatchHead3122"
    if h.cur_pack_num != len(items):
        yield f"{path}/CurPackNum: {h.cur_pack_num} but {len(items)} CompDeduct3122 blocks"
    total = sum((i.tra_amt for i in items), Decimal("0.00"))
    if total != h.cur_pack_amt:
        yield f"{path}/CurPackAmt: {h.cur_pack_amt} is not the sum of the items' TraAmt ({total})"
    if h.cur_pack_no > h.child_pack_num:
        yield f"{path}/CurPackNo: {h.cur_pack_no} exceeds ChildPackNum {h.child_pack_num}"
    if h.cur_pack_num > h.all_num or h.cur_pack_amt > h.all_amt:
        yield (f"{path}/AllNum: the sub-package ({h.cur_pack_num}, {h.cur_pack_amt}) exceeds the package "
               f"({h.all_num}, {h.all_amt})")
    for n, i in enumerate(items, 1):
        single = i.ori_msg_no in ("1001", "2108")
        if single != (i.ori_pack_no == NONE_SERIAL):
            expected = "00000000" if single else "the package serial, not 00000000"
            yield f"{M}/CompDeduct3122[{n}]/OriPackNo: {i.ori_pack_no}, expected {expected} for OriMsgNo {i.ori_msg_no}"


def _3128(b: Msg3128) -> Iterator[str]:
    if b.bill_head3128.all_num != len(b.stock3128):
        yield f"{M}/BillHead3128/AllNum: {b.bill_head3128.all_num} but {len(b.stock3128)} Stock3128 blocks"


def _status(path: str, search_type: str, ori_msg_no: str, pack_no: str, tra_no: str) -> Iterator[str]:
    package = search_type == "1"
    if ori_msg_no != ("1102" if package else "1001"):
        yield f"{path}/OriMsgNo: {ori_msg_no} does not go with SearchType {search_type}"
    if package and (tra_no != NONE_SERIAL or pack_no == NONE_SERIAL):
        yield f"{path}/OriTraNo: a package query has OriTraNo 00000000 and a real OriPackNo ({pack_no}/{tra_no})"
    if not package and (pack_no != NONE_SERIAL or tra_no == NONE_SERIAL):
        yield f"{path}/OriPackNo: a single-debit query has OriPackNo 00000000 and a real OriTraNo ({pack_no}/{tra_no})"


def _9003(b: Msg9003) -> Iterator[str]:
    q = b.tra_status_check9003
    yield from _status(f"{M}/TraStatusCheck9003", q.search_type, q.ori_msg_no, q.ori_pack_no, q.ori_tra_no)


def _9004(b: Msg9004) -> Iterator[str]:
    q = b.tra_status_return9004
    yield from _status(f"{M}/TraStatusReturn9004", q.search_type, q.ori_msg_no, q.ori_pack_no, q.ori_tra_no)


_CHECKS: dict[type, Callable[[Any], Iterator[str]]] = {
    Msg9114: _9114, Msg9115: _9115, Msg1001: _1001, Msg2001: _2001, Msg1021: _1021,
    Msg2021: _2021, Msg1009: _1009, Msg1102: _1102, Msg2102: _2102, Msg1123: _1123,
    Msg2123: _2123, Msg3122: _3122, Msg3128: _3128, Msg9003: _9003, Msg9004: _9004,
}
