"""FakeMessenger: the outbound Messenger port, recording every message in the fake database's
outbox (so that a rollback takes its messages back, as the real outbox does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Sequence

from gateway.domain.agreement import Agreement
from gateway.domain.debit import Debit
from gateway.domain.events import CounterQueried, InboundRef
from gateway.domain.batch import Package
from gateway.domain.levy import Levy
from gateway.domain.package import ItemDraft, StopRequest
from gateway.domain.parties import Payer, TreasuryRoute

if TYPE_CHECKING:
    from tests.unit.services.fake_uow import FakeUnitOfWork


@dataclass(frozen=True)
class Sent:
    """One message written to the outbox: its MsgID, MsgNo, business key and what it said."""

    msg_id: str
    msg_no: str
    key: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    answers: str = ""  # the inbound MsgID an answer answers


class FakeMessenger:
    def __init__(self, uow: "FakeUnitOfWork") -> None:
        self.uow = uow
        self.answers: list[str] = []

    def _put(self, msg_no: str, key: str = "", answers: str = "", **fields: Any) -> str:
        data = self.uow.tx
        data.next_msg += 1
        msg_id = f"2024110500{data.next_msg:010d}"
        data.outbox.append(Sent(msg_id, msg_no, key, fields, answers))
        return msg_id

    def _stored(self, msg_id: str) -> Sent:
        for sent in self.uow.tx.outbox:
            if sent.msg_id == msg_id:
                return sent
        raise LookupError(f"no outbox message {msg_id}")

    # -- requests -----------------------------------------------------------------------------

    def send_verification(self, agreement: Agreement, payer: Payer, vc_no: str, vc_sign: str,
                          entrust_date: dt.date) -> str:
        return self._put("9114", f"{agreement.tax_org_code}/{entrust_date:%Y%m%d}/{vc_no}",
                         agreement_id=agreement.id, vc_no=vc_no, vc_sign=vc_sign)

    def send_debit(self, debit: Debit, agreement: Agreement, payer: Payer,
                   levies: Sequence[Levy], route: TreasuryRoute) -> str:
        return self._put("1001", debit.key, tra_no=debit.tra_no, amount=debit.amount,
                         tax_vou_no=debit.tax_vou_no, levies=[lv.amount for lv in levies],
                         pay_acct=agreement.pay_acct, payee_acct=route.payee_acct)

    def resend(self, msg_id: str) -> str:
        old = self._stored(msg_id)
        return self._put(old.msg_no, old.key, **{**old.fields, "resent_from": msg_id})

    def send_reversal(self, debit: Debit, cancel_no: str, entrust_date: dt.date, reason: str) -> str:
        return self._put("1021", f"{debit.tax_org_code}/{entrust_date:%Y%m%d}/{cancel_no}",
                         ori_tra_no=debit.tra_no, cancel_no=cancel_no, reason=reason)

    def send_status_query(self, tax_org_code: str, search_type: str, ori_entrust_date: dt.date,
                          ori_pack_no: str, ori_tra_no: str) -> str:
        return self._put("9003", f"{tax_org_code}/{ori_entrust_date:%Y%m%d}/{ori_tra_no}",
                         search_type=search_type, ori_tra_no=ori_tra_no)

    def send_link_test(self) -> str:
        return self._put("9005")

    def send_package(self, package: Package, items: Sequence[Debit], drafts: Sequence[ItemDraft],
                     route: TreasuryRoute) -> str:
        return self._put("1102", package.key, pack_no=package.pack_no, items=len(items),
                         amount=package.total_amount, tra_nos=[i.tra_no for i in items])

    def send_stop(self, stop: StopRequest) -> str:
        return self._put("1123", stop.key, stop_type=stop.stop_type.value,
                         ori_pack_no=stop.ori_pack_no, ori_tra_no=stop.ori_tra_no)

    # -- answers ------------------------------------------------------------------------------

    def _answer(self, msg_no: str, ref: InboundRef, **fields: Any) -> str:
        msg_id = self._put(msg_no, answers=ref.msg_id, **fields)
        self.answers.append(msg_id)
        return msg_id

    def answer_ack(self, ref: InboundRef, result: str, add_word: str = "",
                   request_key: tuple[str, dt.date, str] | None = None) -> str:
        msg_no = "9121" if ref.queue_class == "BATCH" else "9120"
        return self._answer(msg_no, ref, ori_msg_no=ref.msg_no, result=result, add_word=add_word,
                            request_key=request_key)

    def answer_counter_query(self, ref: InboundRef, query: CounterQueried, result: str,
                             add_word: str, payer: Payer | None, levies: Sequence[Levy],
                             total: Decimal | None) -> str:
        return self._answer("1009", ref, result=result, add_word=add_word, total=total,
                            levy_ids=[lv.id for lv in levies], query_no=query.query_no)

    def resend_answer(self, answer_msg_id: str, to: InboundRef) -> str:
        old = self._stored(answer_msg_id)
        return self._answer(old.msg_no, to, **{**old.fields, "resent_from": answer_msg_id})

    def request_of(self, msg_id: str) -> tuple[str, str] | None:
        try:
            sent = self._stored(msg_id)
        except LookupError:
            return None
        return sent.msg_no, sent.key
