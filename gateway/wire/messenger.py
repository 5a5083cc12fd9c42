"""The outbox messenger: builds wire messages for the use cases and writes them to the outbox in
the caller's transaction (ARCHITECTURE "Money moves once"). Implements ``services.ports.Messenger``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Sequence, cast

from gateway.codec import Codec
from gateway.codec.head import CfxMessage, Head, originating_head
from gateway.codec.messages import (Msg1001, Msg1009, Msg1021, Msg9003, Msg9005,
                                    Msg9114, Msg9120, Msg9121, MsgReturn9005, MsgReturn9120,
                                    MsgReturn9121, Payment1001, Payment1009, ProveInfo9114,
                                    RealHead1001, RealHead1009, RushApply1021, TaxTypeList1001,
                                    TaxTypeList1009, TraStatusCheck9003, TurnAccount1001)
from gateway.codec.mq_ids import correl_id_for
from gateway.domain.agreement import Agreement
from gateway.domain.debit import Debit
from gateway.domain.events import CounterQueried, InboundRef
from gateway.domain.batch import Package
from gateway.domain.levy import Levy
from gateway.domain.package import ItemDraft, PackageTooLarge, StopRequest
from gateway.codec.errors import InvalidOutgoingMessage
from gateway.domain.parties import INSURANCE_BY_CODE, Payer, TreasuryRoute
from gateway.domain.text import wire_text
from gateway.wire.keys import request_key
from gateway.wire.queues import QueueNames

__all__ = ["OutboxMessenger"]

# Codes the domain holds as str (VCSign, HandleType, SearchType, Result) are Literal types in the
# codec; cast(Any, …) hands them over and the XSD checks every one when the message is encoded.


class OutboxMessenger:
    # ``uow`` is the unit of work this messenger writes into (its ``outbox`` repository); typed
    # loosely because the unit of work owns the messenger, not the other way round.
    def __init__(self, uow: Any, codec: Codec, queues: QueueNames, node: str, ets_node: str,
                 clock: Callable[[], dt.datetime], work_date: Callable[[], dt.date]) -> None:
        self.uow, self.codec, self.queues = uow, codec, queues
        self.node, self.ets_node = node, ets_node
        self.clock, self.work_date = clock, work_date
        self.answers: list[str] = []  # MsgIDs of answers written in this unit of work
        self._requests: dict[str, tuple[str, str]] = {}  # request_of, for this unit of work

    # -- plumbing -----------------------------------------------------------------------------

    def _new_id(self) -> str:
        return str(self.uow.outbox.next_msg_id(self.clock()))

    def _put(self, body: Any, queue: str, key: str = "", head: Head | None = None,
             answered_msg_id: str | None = None) -> str:
        msg_id = head.msg_id if head else self._new_id()
        head = head or originating_head(self.node, self.ets_node, body.MSG_NO, msg_id,
                                        self.work_date())
        data = self.codec.encode(CfxMessage(head=head, body=body))
        self.uow.outbox.add(msg_id=msg_id, msg_no=body.MSG_NO, queue=queue,
                            correl_id=correl_id_for(body.MSG_NO, answered_msg_id),
                            ccsid=self.codec.ccsid, body=data, business_key=key)
        return msg_id

    def _reply_head(self, ref: InboundRef, msg_no: str) -> Head:
        return Head(ver="1.0", src=self.node, des=ref.src, app="ETS", msg_no=msg_no,
                    msg_id=self._new_id(), msg_ref=ref.msg_id, work_date=self.work_date())

    def _answer(self, ref: InboundRef, body: Any) -> str:
        head = self._reply_head(ref, body.MSG_NO)
        msg_id = self._put(body, self.queues.for_class(ref.queue_class), head=head,
                           answered_msg_id=ref.msg_id)
        self.answers.append(msg_id)
        return msg_id

    # -- requests -----------------------------------------------------------------------------

    def send_verification(self, agreement: Agreement, payer: Payer, vc_no: str, vc_sign: str,
                          entrust_date: dt.date) -> str:
        body = Msg9114(ProveInfo9114(
            send_org_code=agreement.tax_org_code, entrust_date=entrust_date, vc_no=vc_no,
            vc_sign=cast(Any, vc_sign), tax_org_code=agreement.tax_org_code, tax_pay_name=payer.name,
            tax_pay_code=payer.tax_pay_code, pay_op_bk_code=agreement.pay_op_bk_code,
            pay_bk_code=agreement.pay_bk_code, pay_acct=agreement.pay_acct,
            hand_org_name=agreement.hand_org_name, protocol_no=agreement.protocol_no))
        return self._put(body, self.queues.online_in,
                         request_key("9114", agreement.tax_org_code, entrust_date, vc_no))

    def send_debit(self, debit: Debit, agreement: Agreement, payer: Payer,
                   levies: Sequence[Levy], route: TreasuryRoute) -> str:
        lines = tuple(TaxTypeList1001(
            project_id=i + 1, tax_type_name=INSURANCE_BY_CODE[lv.insurance_code].name,
            tax_start_date=lv.period_start, tax_end_date=lv.period_end, tax_type_amt=lv.amount)
            for i, lv in enumerate(levies))
        budget = {INSURANCE_BY_CODE[lv.insurance_code].budget_type for lv in levies}
        body = Msg1001(
            RealHead1001(debit.tax_org_code, debit.entrust_date, debit.tra_no),
            TurnAccount1001(handle_type=cast(Any, route.handle_type), payee_bank_no=route.payee_bank_no,
                            payee_org_code=route.payee_org_code, payee_acct=route.payee_acct,
                            payee_name=route.payee_name, pay_bk_code=agreement.pay_bk_code,
                            pay_op_bk_code=agreement.pay_op_bk_code),
            Payment1001(pay_acct=agreement.pay_acct, hand_org_name=agreement.hand_org_name,
                        tra_amt=debit.amount, tax_vou_no=debit.tax_vou_no,
                        tax_pay_code=payer.tax_pay_code, tax_pay_name=payer.name,
                        protocol_no=agreement.protocol_no,
                        budget_type="1" if budget == {"1"} else "2", trim_sign="0",
                        remark=_remark(levies), tax_type_num=len(lines), tax_type_list1001=lines))
        return self._put(body, self.queues.online_in,
                         request_key("1001", debit.tax_org_code, debit.entrust_date, debit.tra_no))

    def resend(self, msg_id: str) -> str:
        """The same message with a new MsgID (OpStat 98 resend, 1021 retry, 1123 retry)."""
        stored = self.uow.outbox.get(msg_id)
        if stored is None:
            raise LookupError(f"no outbox message {msg_id} to resend")
        msg = self.codec.decode(stored.body, ccsid=stored.ccsid)
        new_id = self._new_id()
        head = dataclasses.replace(msg.head, msg_id=new_id, msg_ref=new_id, work_date=self.work_date())
        return self._put(msg.body, stored.queue, stored.business_key, head=head)

    def send_reversal(self, debit: Debit, cancel_no: str, entrust_date: dt.date, reason: str) -> str:
        body = Msg1021(RushApply1021(tax_org_code=debit.tax_org_code, entrust_date=entrust_date,
                                     cancel_no=cancel_no, ori_entrust_date=debit.entrust_date,
                                     ori_tra_no=debit.tra_no,
                                     cancel_reason=wire_text(reason, 60) or "操作员冲正"))
        return self._put(body, self.queues.online_in,
                         request_key("1021", debit.tax_org_code, entrust_date, cancel_no))

    def send_status_query(self, tax_org_code: str, search_type: str, ori_entrust_date: dt.date,
                          ori_pack_no: str, ori_tra_no: str) -> str:
        body = Msg9003(TraStatusCheck9003(
            send_org_code=tax_org_code, search_type=cast(Any, search_type),
            ori_msg_no="1001" if search_type == "0" else "1102", ori_entrust_date=ori_entrust_date,
            ori_pack_no=ori_pack_no, ori_tra_no=ori_tra_no))
        return self._put(body, self.queues.online_in,
                         request_key("9003", tax_org_code, ori_entrust_date, ori_pack_no,
                                     ori_tra_no))

    def send_package(self, package: Package, items: Sequence[Debit], drafts: Sequence[ItemDraft],
                     route: TreasuryRoute) -> str:
        """The 1102 of a package (batch flow); PackageTooLarge when it passes the size limit."""
        from gateway.wire.batch_bodies import package_body

        body = package_body(package, items, drafts, route)
        try:
            return self._put(body, self.queues.batch_in, request_key(
                "1102", package.tax_org_code, package.entrust_date, package.pack_no))
        except InvalidOutgoingMessage as exc:
            if getattr(exc, "too_large", False):
                raise PackageTooLarge(str(exc)) from exc
            raise

    def send_stop(self, stop: StopRequest) -> str:
        from gateway.wire.batch_bodies import stop_body

        return self._put(stop_body(stop), self.queues.batch_in,
                         request_key("1123", stop.tax_org_code, stop.entrust_date, stop.stop_no))

    def send_link_test(self) -> str:
        return self._put(Msg9005(MsgReturn9005(information=None)), self.queues.online_in, request_key("9005"))

    # -- answers ------------------------------------------------------------------------------

    def answer_ack(self, ref: InboundRef, result: str, add_word: str = "",
                   request_key: tuple[str, dt.date, str] | None = None) -> str:
        """9120 on ONLINE, or 9121 on BATCH with the answered request's key (§6.11 table)."""
        if ref.queue_class == "BATCH":
            org, day, no = request_key or (ref.src, self.work_date(), "00000000")
            return self._answer(ref, Msg9121(MsgReturn9121(
                ori_msg_no=ref.msg_no, ori_send_org_code=org, ori_entrust_date=day,
                ori_request_no=no, result=result, add_word=wire_text(add_word, 60))))
        return self._answer(ref, Msg9120(MsgReturn9120(ori_msg_no=ref.msg_no, result=result,
                                                       add_word=wire_text(add_word, 60))))

    def answer_counter_query(self, ref: InboundRef, query: CounterQueried, result: str,
                             add_word: str, payer: Payer | None, levies: Sequence[Levy],
                             total: Decimal | None) -> str:
        payment = None
        if result == "90000" and payer is not None and total is not None:
            lines = tuple(TaxTypeList1009(
                project_id=i + 1, tax_type_name=INSURANCE_BY_CODE[lv.insurance_code].name,
                tax_start_date=lv.period_start, tax_end_date=lv.period_end, tax_type_amt=lv.amount)
                for i, lv in enumerate(levies))
            payment = Payment1009(tax_org_code=query.tax_org_code, tax_pay_code=payer.tax_pay_code,
                                  tax_pay_name=payer.name, tax_vou_no=query.tax_vou_no,
                                  tra_amt=total, tax_type_num=len(lines), tax_type_list1009=lines)
        body = Msg1009(RealHead1009(bank_no=query.bank_no, ori_entrust_date=query.entrust_date,
                                    ori_query_no=query.query_no, result=cast(Any, result),
                                    add_word=wire_text(add_word, 60)), payment)
        return self._answer(ref, body)

    def resend_answer(self, answer_msg_id: str, to: InboundRef) -> str:
        """Re-send a stored answer to a duplicate: new MsgID, current WorkDate, MsgRef/CorrelId
        pointing at the duplicate (§2.3, §11)."""
        stored = self.uow.outbox.get(answer_msg_id)
        if stored is None:
            raise LookupError(f"stored answer {answer_msg_id} not found")
        msg = self.codec.decode(stored.body, ccsid=stored.ccsid)
        head = self._reply_head(to, msg.head.msg_no)
        msg_id = self._put(msg.body, stored.queue, stored.business_key, head=head,
                           answered_msg_id=to.msg_id)
        self.answers.append(msg_id)
        return msg_id

    def forget_cached(self) -> None:
        """After a rollback to a savepoint: what was read inside it is not kept."""
        self._requests.clear()

    def request_of(self, msg_id: str) -> tuple[str, str] | None:
        # Asked several times per inbound message (translation, cross-checks): a two-column
        # read, remembered for this unit of work (a sent message's MsgNo and key never change).
        known = self._requests.get(msg_id)
        if known is None:
            kind_of = getattr(self.uow.outbox, "kind_of", None)
            if kind_of is None:  # a repository without the fast path (test doubles)
                stored = self.uow.outbox.get(msg_id)
                known = (stored.msg_no, stored.business_key) if stored else None
            else:
                known = kind_of(msg_id)
            if known is not None:
                self._requests[msg_id] = known
        return known

    def answer_invalid(self, head: Head, queue_class: str, code: str, reason: str) -> str:
        """92004 to a readable but invalid message (§3.1 rule 8)."""
        ref = InboundRef(head.msg_no, head.msg_id, head.src, queue_class)
        return self.answer_ack(ref, code, reason)


def _remark(levies: Sequence[Levy]) -> str | None:
    periods = sorted({(lv.period_start.year, lv.period_start.month) for lv in levies})
    if len(periods) == 1:
        y, m = periods[0]
        return f"{y}年{m}月社会保险费"
    return "社会保险费"
