"""Daily summaries and monthly reports: refresh a scope, generate report versions, submit one
upward (freezing it), and queue arrears reminders (催缴) in the notification outbox."""

from __future__ import annotations

import logging

from gateway.domain.errors import NotFound
from gateway.domain.summary import (NotReportOwner, RefreshResult, ReportFrozen,
                                    ReportVersionInfo, month_bounds, month_of)
from gateway.domain.summary_messages import (GenerateReports, RefreshDailySummaries,
                                             SendArrearsReminders, SubmitReport)
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.summary_ports import summary_uow

log = logging.getLogger(__name__)


def refresh_daily_summaries(cmd: RefreshDailySummaries, uow: UnitOfWork,
                            ctx: HandlerContext) -> RefreshResult:
    """Delete and rebuild only the rows of the scope's offices and dates: a re-run of one
    district or city changes no figure of any other office."""
    if cmd.date_to < cmd.date_from:
        raise ValueError("date_to is before date_from")
    s = summary_uow(uow).summaries
    offices = s.office_subtree(cmd.tax_org_code) if cmd.tax_org_code else None
    if offices is not None and not offices:
        raise NotFound(f"税务机关 {cmd.tax_org_code} 不存在")
    result = s.refresh(cmd.date_from, cmd.date_to, offices, cmd.tax_org_code or "", cmd.operator,
                       ctx.now())
    log.info("%s by %s", result, cmd.operator)
    return result


def generate_reports(cmd: GenerateReports, uow: UnitOfWork, ctx: HandlerContext) -> list[int]:
    month = cmd.month or month_of(ctx.now().date())
    month_bounds(month)  # refuses a malformed month before any work
    created = summary_uow(uow).summaries.generate_monthly(month, cmd.operator, ctx.now())
    log.info("reports %s by %s: %d new versions", month, cmd.operator, len(created))
    return created


def submit_report(cmd: SubmitReport, uow: UnitOfWork, ctx: HandlerContext) -> ReportVersionInfo:
    s = summary_uow(uow).summaries
    v = s.version(cmd.version_id)
    if v.tax_org_code != cmd.operator_office:
        raise NotReportOwner()
    if v.state != "DRAFT" or not s.mark_submitted(v.id, cmd.operator, v.parent_code, ctx.now()):
        raise ReportFrozen()
    return s.version(v.id)


def reminder_text(name: str, levies: int, amount: str) -> str:
    return (f"【社保费】尊敬的{name}：您有 {levies} 笔社会保险费共 {amount} 元逾期未缴，"
            "请尽快缴纳，以免影响社会保险待遇。")


def send_arrears_reminders(cmd: SendArrearsReminders, uow: UnitOfWork,
                           ctx: HandlerContext) -> int:
    """One reminder per payer and month (the outbox refuses a second with the same ref)."""
    u = summary_uow(uow)
    queued = 0
    for a in u.summaries.arrears(cmd.payer_ids, cmd.office_codes, cmd.as_of):
        ref = f"REMIND:{month_of(cmd.as_of)}:{a.payer_id}"
        if u.notifications.add(a.payer_id, a.tax_org_code, ref,
                               reminder_text(a.payer_name, a.levies, f"{a.amount}")):
            queued += 1
    return queued
