"""Day-end reconciliation (§6.8) and the fund entry report (§6.9).

A 3122 sub-package is kept with its items when it arrives; the one that completes its package
starts the run at once (in the same transaction as its 9121), and :class:`RunReconciliation`
(the jobs process, ``etsgw recon run``) re-runs a date or catches up every complete date and
raises the alert for packages still incomplete after their deadline.
"""

from __future__ import annotations

import datetime as dt
import logging

from gateway.domain.errors import DomainError
from gateway.domain.events import FundReportReceived, ReconciliationReceived
from gateway.domain.reconciliation import (ABSENCE_WINDOW_DAYS, ALERT_DISCREPANCIES,
                                           ALERT_FUND_UNBALANCED, ALERT_SUBPACKAGE_MISSING,
                                           Discrepancy, FundAccountLine, PackageView,
                                           ReconciliationSummary,
                                           ResolveDiscrepancy, RunReconciliation, SubPackage,
                                           checkable_dates, completeness_deadline,
                                           missing_numbers, package_complete)
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.reconciliation_ports import ReconciliationUnitOfWork, recon_uow

log = logging.getLogger(__name__)


class DiscrepancyNotFound(DomainError):
    """No discrepancy with that id (or not one the caller may see)."""


def store_subpackage(event: ReconciliationReceived, uow: UnitOfWork, ctx: HandlerContext
                     ) -> ReconciliationSummary | None:
    """Keep the sub-package; reconcile its package if this one completed it."""
    r = recon_uow(uow)
    sub = SubPackage(event.cur_pack_no, event.child_pack_num, event.all_num, event.all_amt,
                     event.cur_pack_num, event.cur_pack_amt)
    pkg = r.reconciliation.store_subpackage(event.tax_org_code, event.chk_date, event.pack_no,
                                            sub, event.items, event.ref.msg_id, ctx.now())
    if not package_complete(pkg.subs):
        return None
    r.reconciliation.mark_complete(pkg.id)
    return _reconcile(r, ctx, pkg, "system")


def run_reconciliation(cmd: RunReconciliation, uow: UnitOfWork, ctx: HandlerContext
                       ) -> list[ReconciliationSummary]:
    r = recon_uow(uow)
    if cmd.chk_date is None:
        todo = r.reconciliation.packages(states=("COMPLETE",))
        _alert_incomplete(r, ctx)
    else:
        todo = [p for p in r.reconciliation.packages(cmd.chk_date)
                if p.state in ("COMPLETE", "RECONCILED")]
        for p in r.reconciliation.packages(cmd.chk_date, states=("RECEIVING",)):
            if package_complete(p.subs):  # e.g. completed by a sub-package stored before 0008
                r.reconciliation.mark_complete(p.id)
                todo.append(p)
    return [_reconcile(r, ctx, p, cmd.operator) for p in todo]


def _reconcile(r: ReconciliationUnitOfWork, ctx: HandlerContext, pkg: PackageView,
               operator: str) -> ReconciliationSummary:
    grace = ctx.options.recon_absent_grace_days
    since = pkg.chk_date - dt.timedelta(days=ABSENCE_WINDOW_DAYS)
    done = r.reconciliation.reconciled_dates(pkg.tax_org_code, since, pkg.chk_date)
    dates = checkable_dates([*done, pkg.chk_date], pkg.chk_date, ctx.options.calendar, grace)
    summary = r.reconciliation.reconcile(pkg, dates, operator, ctx.now())
    if summary.new_discrepancies:
        r.alerts.add("WARNING", ALERT_DISCREPANCIES,
                     f"对账 {pkg.tax_org_code} {pkg.chk_date:%Y%m%d}：新增差异 "
                     f"{summary.new_discrepancies} 笔，共 {summary.discrepancies} 笔待核")
    log.info("reconciled %s %s: %d items, %d settled, %d levies settled, %d discrepancies "
             "(%d new)", pkg.tax_org_code, f"{pkg.chk_date:%Y%m%d}", summary.items,
             summary.settled_items, summary.settled_levies, summary.discrepancies,
             summary.new_discrepancies)
    return summary


def _alert_incomplete(r: ReconciliationUnitOfWork, ctx: HandlerContext) -> None:
    """§6.8 rule 2: a package still incomplete by the deadline raises one alert; so does an
    office with transactions on a closed date but no package at all (§11 6.8)."""
    now = ctx.now()
    for p in r.reconciliation.packages(states=("RECEIVING",)):
        deadline = completeness_deadline(p.chk_date, ctx.options.calendar,
                                         ctx.options.recon_complete_by_hour)
        if p.alerted or now < deadline:
            continue
        missing = "、".join(str(n) for n in missing_numbers(p.subs)) or "（笔数或金额不符）"
        r.alerts.add("WARNING", ALERT_SUBPACKAGE_MISSING,
                     f"对账包 {p.tax_org_code} {p.chk_date:%Y%m%d} 包号 {p.pack_no} 截至 "
                     f"{deadline:%Y-%m-%d %H:%M} 仍缺子包：{missing}")
        r.reconciliation.mark_alerted(p.id, now)
    today = status.work_date(r, ctx.options, now)
    since = today - dt.timedelta(days=ABSENCE_WINDOW_DAYS)
    for org, day in r.reconciliation.offices_without_package(since, today):
        deadline = completeness_deadline(day, ctx.options.calendar,
                                         ctx.options.recon_complete_by_hour)
        if now < deadline:
            continue
        r.alerts.add("WARNING", ALERT_SUBPACKAGE_MISSING,
                     f"对账包 {org} {day:%Y%m%d} 截至 {deadline:%Y-%m-%d %H:%M} 未收到任何子包")
        r.reconciliation.expect_package(org, day, now)


def resolve_discrepancy(cmd: ResolveDiscrepancy, uow: UnitOfWork, ctx: HandlerContext
                        ) -> Discrepancy:
    """OPEN → RESOLVED with a note; an amount or voucher difference releases the settlement."""
    r = recon_uow(uow)
    disc = r.reconciliation.discrepancy(cmd.discrepancy_id)
    if disc is None:
        raise DiscrepancyNotFound(f"差异 {cmd.discrepancy_id} 不存在")
    disc.resolve(cmd.operator, cmd.note, ctx.now())
    r.reconciliation.save_discrepancy(disc)
    if disc.settles_on_resolve and disc.debit_id is not None:
        r.reconciliation.settle_debit(disc.debit_id)
    return disc


def store_fund_report(event: FundReportReceived, uow: UnitOfWork, ctx: HandlerContext
                      ) -> list[FundAccountLine]:
    """Keep every special account's figures with the identity's verdict; alert the broken."""
    lines = [FundAccountLine(a.tre_code, a.acct_code, a.acct_name, a.acct_date or event.report_date,
                             a.yesterday_balance, a.today_receipt, a.today_pay, a.today_balance)
             for a in event.accounts]
    recon_uow(uow).reconciliation.store_fund_report(event.report_date, lines)
    broken = [a for a in lines if not a.balanced]
    if broken:
        names = "、".join(f"{a.tre_code}/{a.acct_code}（差 {a.difference}）" for a in broken)
        uow.alerts.add("WARNING", ALERT_FUND_UNBALANCED,
                       f"资金入库报表 {event.report_date:%Y%m%d} 余额不平衡：{names}")
    return broken
