"""Wire messages → domain events, with the business key each one is de-duplicated by (§4.3).

Every message the gateway receives translates to an event; the batch-class notices (3122, 3128,
2102) are also kept as received for the reconciliation and batch flows.
"""

from __future__ import annotations

import datetime as dt

from gateway.codec.head import CfxMessage
from gateway.codec.routing import CLASS_OF
from gateway.domain import events as e


def translate(msg: CfxMessage) -> tuple[e.Event | None, str]:
    """The event for ``msg`` and its business key ('' for messages keyed by SRC+MsgID only)."""
    head, body = msg.head, msg.body
    ref = e.InboundRef(msg_no=head.msg_no, msg_id=head.msg_id, src=head.src,
                       queue_class=CLASS_OF.get(head.msg_no, "ONLINE"))
    no = head.msg_no
    if no == "9120":
        b = body.msg_return9120
        return e.EtsAcknowledged(ref, b.ori_msg_no, head.msg_ref, b.result, b.add_word or ""), ""
    if no == "9115":
        b = body.prove_return9115
        return e.VerificationAnswered(ref, b.ori_send_org_code, b.ori_entrust_date, b.ori_vc_no,
                                      b.vc_sign, b.vc_result == "0", b.add_word or "",
                                      b.protocol_no, b.pay_acct), ""
    if no == "2001":
        b = body.single_return2001
        return e.DebitAnswered(ref, b.ori_tax_org_code, b.ori_entrust_date, b.ori_tra_no,
                               b.tax_vou_no, b.result, b.add_word or "", b.tax_date), ""
    if no == "2021":
        b = body.rush_return2021
        return e.ReversalAnswered(ref, b.tax_org_code, b.ori_cancel_no, b.ori_cancel_date,
                                  b.ori_entrust_date, b.ori_tra_no, b.cancel_answer == "1",
                                  b.add_word or ""), ""
    if no == "9004":
        b = body.tra_status_return9004
        return e.StatusReported(ref, b.send_org_code, b.search_type, b.ori_entrust_date,
                                b.ori_pack_no, b.ori_tra_no, b.chk_date, b.op_stat), ""
    if no == "2091":
        b = body.declare_query2091
        key = f"{b.bank_no}/{b.entrust_date:%Y%m%d}/{b.query_no}"
        return e.CounterQueried(ref, b.bank_no, b.entrust_date, b.query_no, b.pay_op_bk_code,
                                b.tax_org_code, b.tax_pay_code, b.tax_vou_no), key
    if no == "2108":
        b = body.single_return2108
        key = f"{b.bank_no}/{b.entrust_date:%Y%m%d}/{b.tra_no}"
        return e.CounterPaid(ref, b.bank_no, b.tax_vou_no, b.entrust_date, b.tra_no, b.tax_date,
                             b.tra_amt, b.result, b.add_word or "", head.work_date), key
    if no == "9005":
        return e.LinkTested(ref), ""
    if no == "9101":
        b = body.change_state9101
        return e.DayChanged(ref, b.work_date, b.sys_stat), ""
    if no == "3122":
        b = body.batch_head3122
        key = f"{b.tax_org_code}/{b.chk_date:%Y%m%d}/{b.pack_no}/{b.cur_pack_no}"
        return e.ReconciliationReceived(ref, b.tax_org_code, b.chk_date, b.pack_no, b.cur_pack_no,
                                        b.child_pack_num, b.cur_pack_num, b.cur_pack_amt), key
    if no == "3128":
        b = body.bill_head3128
        accounts = tuple(e.FundAccountFigures(s.tre_code, s.acct_code, s.yesterday_balance,
                                              s.today_receipt, s.today_pay, s.today_balance)
                         for s in body.stock3128)
        return e.FundReportReceived(ref, b.report_date, accounts), f"{b.report_date:%Y%m%d}"
    if no == "2102":
        b = body.batch_head2102
        key = f"{b.pay_bk_code}/{b.entrust_date:%Y%m%d}/{b.pack_no}"
        return e.BatchResultReceived(ref, b.pay_bk_code, b.entrust_date, b.pack_no,
                                     b.ori_tax_org_code, b.ori_entrust_date, b.ori_pack_no,
                                     b.all_num, b.all_amt), key
    return None, ""


def stored_as_received(msg: CfxMessage) -> tuple[str, "dt.date"] | None:
    """(TaxOrgCode, date) of a batch-class message that is kept as received, else None."""
    no, body = msg.head.msg_no, msg.body
    if no == "3122":
        return body.batch_head3122.tax_org_code, body.batch_head3122.chk_date
    if no == "3128":
        return "", body.bill_head3128.report_date
    if no == "2102":
        return body.batch_head2102.ori_tax_org_code, body.batch_head2102.entrust_date
    return None


def request_key(msg: CfxMessage) -> str | None:
    """For a business reply, the outbox key of the request it answers, from its own body (§3.2:
    matched by key; MsgRef is a cross-check)."""
    no, b = msg.head.msg_no, msg.body
    if no == "2001":
        r = b.single_return2001
        return f"1001:{r.ori_tax_org_code}/{r.ori_entrust_date:%Y%m%d}/{r.ori_tra_no}"
    if no == "2021":
        r = b.rush_return2021
        return f"1021:{r.tax_org_code}/{r.ori_cancel_date:%Y%m%d}/{r.ori_cancel_no}"
    if no == "9115":
        r = b.prove_return9115
        return f"9114:{r.ori_send_org_code}/{r.ori_entrust_date:%Y%m%d}/{r.ori_vc_no}"
    if no == "9004":
        r = b.tra_status_return9004
        return (f"9003:{r.send_org_code}/{r.ori_entrust_date:%Y%m%d}/{r.ori_pack_no}/"
                f"{r.ori_tra_no}")
    return None


# Inbound messages that are de-duplicated by business key as well as by SRC+MsgID (§4.3).
KEYED_INBOUND = frozenset({"2091", "2108", "2102", "3122", "3128"})
