"""One function per command or event, grouped by area; :data:`HANDLERS` is the bus's table."""

from __future__ import annotations

from typing import Any, Callable

from gateway.domain import commands as c
from gateway.domain import events as e
from gateway.services.context import HandlerContext
from gateway.domain import batch_messages as bm
from gateway.domain import individual_commands as ic
from gateway.domain import reconciliation as rc
from gateway.domain import summary_messages as sm
from gateway.services.handlers import (agreements, counter, dayend, debits, individual,
                                       package_outcomes, packages, pending, realtime_batch,
                                       realtime_runs, reconciliation, refunds, reversals, stops,
                                       summaries, sweeper, system)
from gateway.services.ports import UnitOfWork

# A handler takes its message (the type it is registered for, hence Any here), the unit of work
# and the context, and returns what the caller of the bus gets back.
Handler = Callable[[Any, UnitOfWork, HandlerContext], Any]


def _status(event: e.StatusReported, uow: UnitOfWork, ctx: HandlerContext) -> None:
    if event.search_type == "0":
        debits.on_single_status(event, uow, ctx)
        return
    packages.on_package_status(event, uow, ctx)


def _test_link(cmd: c.TestLink, uow: UnitOfWork, ctx: HandlerContext) -> str:
    return system.send_link_test(uow, ctx.now())


HANDLERS: dict[type, Handler] = {
    c.SubmitDebit: debits.submit_debit,
    c.SubmitDebits: realtime_batch.submit_debits,
    c.QueryDebitStatus: debits.query_debit_status,
    c.ReverseDebit: reversals.reverse_debit,
    c.RegisterAgreement: agreements.register_agreement,
    c.VerifyAgreement: agreements.verify_agreement,
    c.RevokeAgreement: agreements.revoke_agreement,
    c.TerminateAgreement: agreements.terminate_agreement,
    c.IssueCounterVoucher: counter.issue_counter_voucher,
    c.SweepTimeouts: sweeper.sweep,
    c.TestLink: _test_link,
    e.DebitAcknowledged: debits.on_debit_acknowledged,
    e.ReversalAcknowledged: reversals.on_reversal_acknowledged,
    e.VerificationAcknowledged: agreements.on_verification_acknowledged,
    e.LinkTestAcknowledged: system.on_link_test_acknowledged,
    e.StatusQueryAcknowledged: system.on_status_query_acknowledged,
    e.AcknowledgementUnmatched: system.on_acknowledgement_unmatched,
    e.VerificationAnswered: agreements.on_verification_answered,
    e.DebitAnswered: debits.on_debit_answered,
    e.ReversalAnswered: reversals.on_reversal_answered,
    e.StatusReported: _status,
    e.CounterQueried: counter.on_counter_queried,
    e.CounterPaid: counter.on_counter_paid,
    e.LinkTested: system.on_link_tested,
    e.DayChanged: system.on_day_changed,
    e.ReconciliationReceived: dayend.on_reconciliation_received,
    e.FundReportReceived: dayend.on_fund_report_received,
    e.BatchResultReceived: dayend.on_batch_result_received,
    e.DuplicatePaymentFlagged: refunds.on_duplicate_payment,
    # The batch flow (issue 13).
    bm.SelectLevies: pending.select_levies,
    bm.GeneratePendingList: pending.generate_pending_list,
    bm.VoidPendingEntries: pending.void_pending_entries,
    bm.PackNext: packages.pack_next,
    bm.PackMany: packages.pack_many,
    bm.LaunchRealtimeBatch: realtime_runs.launch_realtime_batch,
    bm.AdvanceRealtimeBatches: realtime_runs.advance_realtime_batches,
    bm.StopPackage: stops.stop_package,
    bm.QueryPackage: packages.query_package,
    bm.RefundStep: refunds.refund_step,
    bm.SendNotices: refunds.send_notices,
    bm.PackageReceipt: packages.on_package_receipt,
    bm.PackageResultReceived: package_outcomes.on_package_result,
    bm.PackageFailedWhole: packages.on_package_failed,
    bm.StopAnswered: stops.on_stop_answered,
    bm.ItemFailed: refunds.on_item_failed,
    # The individual portal (issue 16).
    ic.ChangeContact: individual.change_contact,
    ic.AdjustBase: individual.adjust_base,
    ic.ChangeInsuranceTypes: individual.change_types,
    ic.StopInsurance: individual.stop_insurance,
    ic.ChangeGrade: individual.change_grade,
    ic.PayForOther: individual.pay_for_other,
    ic.DeclareResidents: individual.declare_residents,
    ic.PayDeclared: individual.pay_declared,
    # Daily summaries and reports (issue 14).
    sm.RefreshDailySummaries: summaries.refresh_daily_summaries,
    sm.GenerateReports: summaries.generate_reports,
    sm.SubmitReport: summaries.submit_report,
    sm.SendArrearsReminders: summaries.send_arrears_reminders,
    # Day-end reconciliation (issue 14).
    rc.RunReconciliation: reconciliation.run_reconciliation,
    rc.ResolveDiscrepancy: reconciliation.resolve_discrepancy,
}
