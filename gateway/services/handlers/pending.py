"""Selection (item 1) and the 待批扣清册 (item 2): ad-hoc selections, the monthly list per office
at the cutoff, voiding a unit's or person's entries. Functions the console pages call too."""

from __future__ import annotations

import datetime as dt

from gateway.domain.batch_messages import GeneratePendingList, SelectLevies, VoidPendingEntries
from gateway.domain.pending_list import ListKind, ListSummary, Selection, VoidReport
from gateway.services.batch_ports import batch_uow
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork


def select_levies(cmd: SelectLevies, uow: UnitOfWork, ctx: HandlerContext) -> ListSummary:
    b = batch_uow(uow)
    cutoff = ctx.options.cutoff.previous_cutoff(cmd.selection.run_at)
    list_id = b.batch_lists.create(ListKind.SELECTION, cmd.selection, cutoff, cmd.requested_by)
    return b.batch_lists.summary(list_id)


def generate_pending_list(cmd: GeneratePendingList, uow: UnitOfWork,
                          ctx: HandlerContext) -> ListSummary:
    """The list of the month's batch for one office and its subordinates, generated at that
    month's cutoff; eligible are agreements ACTIVE by the previous month's cutoff (§7.6).
    Generated once per office and month: a second call returns the first list."""
    b = batch_uow(uow)
    found = b.batch_lists.monthly_exists(cmd.tax_org_code, cmd.year, cmd.month)
    if found is not None:
        return b.batch_lists.summary(found)
    rule = ctx.options.cutoff
    run_at = rule.cutoff_of(cmd.year, cmd.month)
    sel = Selection(tax_org_code=cmd.tax_org_code, run_at=run_at)
    list_id = b.batch_lists.create(ListKind.MONTHLY, sel, rule.previous_cutoff(run_at),
                                   cmd.requested_by, cmd.year, cmd.month)
    return b.batch_lists.summary(list_id)


def due_monthly_lists(rule_now: dt.datetime, ctx: HandlerContext) -> tuple[int, int] | None:
    """(year, month) whose cutoff has passed at ``rule_now`` (for the job that calls
    :func:`generate_pending_list` per office), or None before this month's cutoff."""
    cut = ctx.options.cutoff.cutoff_of(rule_now.year, rule_now.month)
    return (rule_now.year, rule_now.month) if rule_now >= cut else None


def void_pending_entries(cmd: VoidPendingEntries, uow: UnitOfWork,
                         ctx: HandlerContext) -> VoidReport:
    voided, pending = batch_uow(uow).batch_lists.void_payer(cmd.payer_id, cmd.reason)
    return VoidReport(cmd.payer_id, tuple(voided), tuple(pending))
