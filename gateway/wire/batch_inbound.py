"""Registry entries of the batch flow's inbound messages: the 2102 with its items, the ETS's
9121 receipts to our 1102/1123, the 9122 and the 2123 (§6.6, §6.7)."""

from __future__ import annotations

from typing import Any

from gateway.codec.head import CfxMessage
from gateway.domain import batch_messages as bm
from gateway.domain import events as e
from gateway.domain.package import ItemReturn
from gateway.wire.keys import business_key, request_key


def result_2102(msg: CfxMessage[Any], ref: e.InboundRef) -> e.Event:
    b = msg.body.batch_head2102
    items = tuple(ItemReturn(r.ori_tra_no, r.tra_amt, r.tax_vou_no, r.tax_date, r.result,
                             r.add_word or "") for r in msg.body.batch_return2102)
    return bm.PackageResultReceived(ref, b.pay_bk_code, b.entrust_date, b.pack_no,
                                    b.ori_tax_org_code, b.ori_entrust_date, b.ori_pack_no,
                                    b.all_num, b.all_amt, b.succ_num, b.succ_amt, b.result,
                                    b.add_word or "", items, msg.head.work_date)


def _9121(msg: CfxMessage[Any], ref: e.InboundRef, lookup: Any) -> e.Event:
    b = msg.body.msg_return9121
    return bm.PackageReceipt(ref, msg.head.msg_ref, b.ori_msg_no, b.ori_send_org_code,
                             b.ori_entrust_date, b.ori_request_no, b.result, b.add_word or "")


def _9122(msg: CfxMessage[Any], ref: e.InboundRef, lookup: Any) -> e.Event:
    b = msg.body.msg_return9122
    return bm.PackageFailedWhole(ref, b.ori_send_org_code, b.ori_entrust_date, b.ori_request_no,
                                 b.result, b.add_word or "")


def _2123(msg: CfxMessage[Any], ref: e.InboundRef, lookup: Any) -> e.Event:
    b = msg.body.stop_return2123
    return bm.StopAnswered(ref, b.tax_org_code, b.entrust_date, b.ori_stop_no,
                           b.ori_entrust_date, b.ori_pack_no, b.ori_tra_no,
                           b.stop_answer == "1", b.add_word or "")


def _entries() -> dict[str, Any]:
    from gateway.wire.registry import Inbound

    return {
        "9121": Inbound(_9121, answers=lambda b: request_key(
            b.msg_return9121.ori_msg_no, b.msg_return9121.ori_send_org_code,
            b.msg_return9121.ori_entrust_date, b.msg_return9121.ori_request_no)),
        "9122": Inbound(_9122, key=lambda b: business_key(
            b.msg_return9122.ori_send_org_code, b.msg_return9122.ori_entrust_date,
            b.msg_return9122.ori_request_no)),
        "2123": Inbound(_2123, answers=lambda b: request_key(
            "1123", b.stop_return2123.tax_org_code, b.stop_return2123.entrust_date,
            b.stop_return2123.ori_stop_no)),
    }


BATCH_INBOUND = _entries()
