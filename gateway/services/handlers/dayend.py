"""Receipts for the ETS's batch-class notices: the 3122 entry details, the 3128 fund report and
2102 package results (§6.6, §6.8, §6.9, §6.11 table of 9121 keys).

The runtime stores each message as received before these run, so a 90000 receipt means "stored"
as the interface requires; the 3122 items and the 3128 accounts are kept for reconciliation
(handlers/reconciliation.py) in the same transaction.
"""

from __future__ import annotations

from gateway.domain.events import BatchResultReceived, FundReportReceived, ReconciliationReceived
from gateway.services.context import HandlerContext
from gateway.services.handlers import reconciliation
from gateway.services.ports import UnitOfWork


def on_reconciliation_received(event: ReconciliationReceived, uow: UnitOfWork,
                               ctx: HandlerContext) -> None:
    """9121 90000 per stored sub-package, keyed ETS node + ChkDate + PackNo (MsgRef names the
    sub-package). Count and sum mismatches were refused with 92004 by the codec already."""
    uow.messages.answer_ack(event.ref, "90000", "",
                            request_key=(event.ref.src, event.chk_date, event.pack_no))
    reconciliation.store_subpackage(event, uow, ctx)


def on_fund_report_received(event: FundReportReceived, uow: UnitOfWork,
                            ctx: HandlerContext) -> None:
    """Store-and-acknowledge; accounts that break the balance identity flag the report (the
    9121 is unaffected, §6.9)."""
    broken = reconciliation.store_fund_report(event, uow, ctx)  # stored per account, alerted
    if broken:
        names = "、".join(f"{a.tre_code}/{a.acct_code}" for a in broken)
        detail = f"3128 {event.report_date:%Y%m%d} 余额不平衡的账户：{names}"
        uow.batch_inbound.flag("3128", f"{event.report_date:%Y%m%d}", detail)
        uow.reviews.add("FUND_REPORT_UNBALANCED", detail)
    uow.messages.answer_ack(event.ref, "90000", "",
                            request_key=(event.ref.src, event.report_date, "00000000"))


def on_batch_result_received(event: BatchResultReceived, uow: UnitOfWork,
                             ctx: HandlerContext) -> None:
    """A 2102 as the head-only event: kept for front-ends that still raise it. The wire edge
    raises :class:`PackageResultReceived` with the items, applied by
    :func:`package_outcomes.on_package_result`; without items nothing can be applied, so this
    one is answered 24023 and recorded for review as before."""
    uow.reviews.add("UNKNOWN_PACKAGE_2102",
                    f"2102 {event.pay_bk_code}/{event.entrust_date:%Y%m%d}/{event.pack_no} for "
                    f"package {event.ori_tax_org_code}/{event.ori_entrust_date:%Y%m%d}/"
                    f"{event.ori_pack_no}: no items", event.ori_tax_org_code, event.ori_pack_no,
                    event.all_amt)
    uow.messages.answer_ack(event.ref, "24023", "包不存在",
                            request_key=(event.pay_bk_code, event.entrust_date, event.pack_no))
