"""退费 (refund cases) for duplicate payments and failed-item notices for flexible-employment
payers (发送短信息). Each refund step is one service function; the web side audits them."""

from __future__ import annotations

import logging

from gateway.domain.batch_messages import ItemFailed, RefundStep, SendNotices
from gateway.domain.events import DuplicatePaymentFlagged
from gateway.domain.parties import PayerKind
from gateway.domain.refund import RefundCase
from gateway.services.batch_ports import NoticeSender, batch_uow
from gateway.services.context import HandlerContext
from gateway.services.handlers.payments import on_duplicate_payment_flagged
from gateway.services.ports import UnitOfWork

log = logging.getLogger(__name__)


def on_duplicate_payment(event: DuplicatePaymentFlagged, uow: UnitOfWork,
                         ctx: HandlerContext) -> None:
    """The alert and review of any duplicate payment, and its refund case (FLAGGED)."""
    on_duplicate_payment_flagged(event, uow, ctx)
    batch_uow(uow).refunds.add(RefundCase(
        id=None, levy_id=event.levy_id, tax_org_code=event.tax_org_code, payment=event.payment,
        debit_key=event.debit_key, paid_by=event.paid_by, amount=event.amount))


def refund_step(cmd: RefundStep, uow: UnitOfWork, ctx: HandlerContext) -> RefundCase:
    b = batch_uow(uow)
    case = b.refunds.get(cmd.refund_id)
    now = ctx.now()
    steps = {"confirm": lambda: case.confirm(cmd.requested_by, now, cmd.note),
             "export": lambda: case.exported(cmd.requested_by, now),
             "refunded": lambda: case.refunded(cmd.requested_by, now, cmd.note),
             "reject": lambda: case.reject(cmd.requested_by, now, cmd.note)}
    if cmd.action not in steps:
        raise ValueError(f"未知的退费操作：{cmd.action}")
    steps[cmd.action]()
    b.refunds.save(case)
    return case


def notice_text(payer_name: str, amount: str, reason: str) -> str:
    return (f"【社保费】尊敬的{payer_name}：您本月的社会保险费批量扣款 {amount} 元未成功（{reason}）。"
            "请确认账户状态后通过清缴费款功能自行缴费。")


def on_item_failed(event: ItemFailed, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """A flexible-employment payer whose item failed gets a text in the notification outbox."""
    payer = uow.payers.get(event.payer_id)
    if payer.kind is not PayerKind.FLEXIBLE:
        return
    batch_uow(uow).notifications.add(
        event.payer_id, event.tax_org_code, f"ITEM_FAILED:{event.debit_id}",
        notice_text(payer.name, f"{event.amount}", event.reason))


def log_sender(payer_id: int, text: str) -> None:
    """The default sender: the text goes to the log (a real SMS gateway plugs in here)."""
    log.info("SMS to payer %s: %s", payer_id, text)


def send_notices(cmd: SendNotices, uow: UnitOfWork, ctx: HandlerContext,
                 sender: NoticeSender = log_sender) -> int:
    b = batch_uow(uow)
    sent = 0
    for notice_id, payer_id, text in b.notifications.pending(cmd.limit):
        try:
            sender(payer_id, text)
        except Exception as exc:  # noqa: BLE001 - one failed text must not stop the others
            b.notifications.mark(notice_id, False, ctx.now(), str(exc))
            continue
        b.notifications.mark(notice_id, True, ctx.now())
        sent += 1
    return sent
