"""One entry per inbound message number: how it is keyed, kept, cross-checked and translated.

The wire edge reads this table in both directions: the inbound processor de-duplicates, stores and
translates by it; the messenger keys the requests it sends with the same functions of
:mod:`gateway.wire.keys`, so a key format is written once and a new message is one entry here
(its queue class comes from :data:`gateway.codec.routing.CLASS_OF`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from gateway.codec.head import CfxMessage
from gateway.codec.routing import CLASS_OF
from gateway.domain import events as e
from gateway.domain.reconciliation import EntryDetail
from gateway.wire.keys import business_key, request_key

#: Finds the request one of our MsgIDs carried: (MsgNo, outbox key) or None.
RequestLookup = Callable[[str], "tuple[str, str] | None"]

#: The event a 9120 becomes, by the MsgNo of the request it acknowledges.
ACKNOWLEDGEMENT_OF: dict[str, type[e.RequestAcknowledged]] = {
    "1001": e.DebitAcknowledged,
    "1021": e.ReversalAcknowledged,
    "9114": e.VerificationAcknowledged,
    "9005": e.LinkTestAcknowledged,
    "9003": e.StatusQueryAcknowledged,
}


@dataclass(frozen=True)
class Inbound:
    """What the gateway does with one inbound MsgNo."""

    #: The event for the message; gets the lookup of our own requests (a 9120 needs it).
    translate: Callable[[CfxMessage[Any], e.InboundRef, RequestLookup], e.Event | None]
    #: Business key (§4.3) for de-duplication and logs; None when SRC+MsgID is the only key.
    key: Callable[[Any], str] | None = None
    #: True when a second message with the same business key is a duplicate (§4.3).
    deduplicated_by_key: bool = False
    #: For a business reply: the outbox key of the request it answers, from its own body.
    answers: Callable[[Any], str] | None = None
    #: For notices kept as received (batch, reconciliation): (TaxOrgCode, date).
    stored: Callable[[Any], tuple[str, dt.date]] | None = None


def _ack(msg: CfxMessage[Any], ref: e.InboundRef, lookup: RequestLookup) -> e.Event:
    b = msg.body.msg_return9120
    request = lookup(msg.head.msg_ref)
    kind = ACKNOWLEDGEMENT_OF.get(request[0]) if request else None
    cls = kind or e.AcknowledgementUnmatched
    return cls(ref, msg.head.msg_ref, b.result, b.add_word or "")


def _9115(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.prove_return9115
    return e.VerificationAnswered(ref, b.ori_send_org_code, b.ori_entrust_date, b.ori_vc_no,
                                  b.vc_sign, b.vc_result == "0", b.add_word or "", b.protocol_no,
                                  b.pay_acct)


def _2001(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.single_return2001
    return e.DebitAnswered(ref, b.ori_tax_org_code, b.ori_entrust_date, b.ori_tra_no,
                           b.tax_vou_no, b.result, b.add_word or "", b.tax_date)


def _2021(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.rush_return2021
    return e.ReversalAnswered(ref, b.tax_org_code, b.ori_cancel_no, b.ori_cancel_date,
                              b.ori_entrust_date, b.ori_tra_no, b.cancel_answer == "1",
                              b.add_word or "")


def _9004(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.tra_status_return9004
    return e.StatusReported(ref, b.send_org_code, b.search_type, b.ori_entrust_date,
                            b.ori_pack_no, b.ori_tra_no, b.chk_date, b.op_stat)


def _2091(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.declare_query2091
    return e.CounterQueried(ref, b.bank_no, b.entrust_date, b.query_no, b.pay_op_bk_code,
                            b.tax_org_code, b.tax_pay_code, b.tax_vou_no)


def _2108(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.single_return2108
    return e.CounterPaid(ref, b.bank_no, b.tax_vou_no, b.entrust_date, b.tra_no, b.tax_date,
                         b.tra_amt, b.result, b.add_word or "", msg.head.work_date)


def _9101(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.change_state9101
    return e.DayChanged(ref, b.work_date, b.sys_stat)


def _3122(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.batch_head3122
    items = tuple(EntryDetail(i.payee_org_code, i.ori_msg_no, i.ori_send_org_code,
                              i.ori_entrust_date, i.ori_pack_no, i.ori_tra_no, i.ori_tax_vou_no,
                              i.tra_amt, i.tax_date, i.op_stat) for i in msg.body.comp_deduct3122)
    return e.ReconciliationReceived(ref, b.tax_org_code, b.chk_date, b.pack_no, b.cur_pack_no,
                                    b.child_pack_num, b.cur_pack_num, b.cur_pack_amt,
                                    b.all_num, b.all_amt, items)


def _3128(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    b = msg.body.bill_head3128
    accounts = tuple(e.FundAccountFigures(s.tre_code, s.acct_code, s.yesterday_balance,
                                          s.today_receipt, s.today_pay, s.today_balance,
                                          s.acct_name, s.acct_date)
                     for s in msg.body.stock3128)
    return e.FundReportReceived(ref, b.report_date, accounts)


def _2102(msg: CfxMessage[Any], ref: e.InboundRef, _: RequestLookup) -> e.Event:
    from gateway.wire.batch_inbound import result_2102
    return result_2102(msg, ref)


def _r2001(b: Any) -> str:
    r = b.single_return2001
    return request_key("1001", r.ori_tax_org_code, r.ori_entrust_date, r.ori_tra_no)


def _r2021(b: Any) -> str:
    r = b.rush_return2021
    return request_key("1021", r.tax_org_code, r.ori_cancel_date, r.ori_cancel_no)


def _r9115(b: Any) -> str:
    r = b.prove_return9115
    return request_key("9114", r.ori_send_org_code, r.ori_entrust_date, r.ori_vc_no)


def _r9004(b: Any) -> str:
    r = b.tra_status_return9004
    return request_key("9003", r.send_org_code, r.ori_entrust_date, r.ori_pack_no, r.ori_tra_no)


INBOUND: dict[str, Inbound] = {
    "9120": Inbound(_ack),
    "9115": Inbound(_9115, answers=_r9115),
    "2001": Inbound(_2001, answers=_r2001),
    "2021": Inbound(_2021, answers=_r2021),
    # Keyed by the 9003 it answers, so that the inbox row says which query was answered
    # (`etsgw debit status --query` waits for it); not de-duplicated by that key (§4.3).
    "9004": Inbound(_9004, key=_r9004, answers=_r9004),
    "2091": Inbound(_2091, deduplicated_by_key=True, key=lambda b: business_key(
        b.declare_query2091.bank_no, b.declare_query2091.entrust_date, b.declare_query2091.query_no)),
    "2108": Inbound(_2108, deduplicated_by_key=True, key=lambda b: business_key(
        b.single_return2108.bank_no, b.single_return2108.entrust_date, b.single_return2108.tra_no)),
    "9005": Inbound(lambda msg, ref, _: e.LinkTested(ref)),
    "9101": Inbound(_9101),
    "3122": Inbound(_3122, deduplicated_by_key=True, key=lambda b: business_key(
        b.batch_head3122.tax_org_code, b.batch_head3122.chk_date, b.batch_head3122.pack_no,
        b.batch_head3122.cur_pack_no),
        stored=lambda b: (b.batch_head3122.tax_org_code, b.batch_head3122.chk_date)),
    "3128": Inbound(_3128, deduplicated_by_key=True,
                    key=lambda b: business_key(b.bill_head3128.report_date),
                    stored=lambda b: ("", b.bill_head3128.report_date)),
    "2102": Inbound(_2102, deduplicated_by_key=True, key=lambda b: business_key(
        b.batch_head2102.pay_bk_code, b.batch_head2102.entrust_date, b.batch_head2102.pack_no),
        stored=lambda b: (b.batch_head2102.ori_tax_org_code, b.batch_head2102.entrust_date)),
}
# The batch flow's inbound messages (9121 receipts, 9122, 2123): gateway/wire/batch_inbound.py.
from gateway.wire.batch_inbound import BATCH_INBOUND  # noqa: E402 - it uses Inbound above
INBOUND.update(BATCH_INBOUND)


def ref_of(msg: CfxMessage[Any]) -> e.InboundRef:
    """Where ``msg`` came from and on which class of queue its answer goes."""
    return e.InboundRef(msg.head.msg_no, msg.head.msg_id, msg.head.src,
                        CLASS_OF.get(msg.head.msg_no, "ONLINE"))
