"""Real-time batch runs (§6.5): launching a list as one 1001 per payer, and the driver that
settles resolved debits and tops up in-flight ones through ``submit_many``.

Every debit is written by :func:`realtime_batch.submit_debits`, so every single-debit rule holds
(levies locked, gateway-wide in-flight limit, 9120/2001 timers, IN_DOUBT and the 9003 back-off);
the run only decides which payers go next. An entry is given to a debit once and never again:
an IN_DOUBT debit is resolved by the sweeper's status queries, not by a second 1001.
"""

from __future__ import annotations

import logging

from gateway.domain.batch_messages import AdvanceRealtimeBatches, LaunchRealtimeBatch
from gateway.domain.commands import SubmitDebit, SubmitDebits
from gateway.domain.debit import Debit
from gateway.domain.errors import DomainError, GatewayUnavailable, TooManyInFlight
from gateway.domain.realtime_batch import PayerWork, RealtimeProgress, in_flight_budget
from gateway.services import status
from gateway.services.batch_ports import BatchUnitOfWork, batch_uow
from gateway.services.context import HandlerContext
from gateway.services.handlers.realtime_batch import submit_debits
from gateway.services.ports import UnitOfWork

log = logging.getLogger(__name__)


class InvalidInFlightLimit(DomainError):
    rule = "limits.realtime_batch_in_flight"


def launch_realtime_batch(cmd: LaunchRealtimeBatch, uow: UnitOfWork,
                          ctx: HandlerContext) -> RealtimeProgress:
    """Take the list's GENERATED entries for a new run; the driver sends them."""
    limit = ctx.options.max_in_flight if cmd.max_in_flight is None else cmd.max_in_flight
    if limit < 1:
        raise InvalidInFlightLimit("实时批扣的在途上限至少为 1 笔")
    b = batch_uow(uow)
    run_id = b.realtime_batches.launch(cmd.list_id, cmd.operator, limit, ctx.now())
    log.info("real-time batch %d launched from list %d by %s (in flight ≤ %d)", run_id,
             cmd.list_id, cmd.operator, limit)
    return b.realtime_batches.progress(run_id)


def advance_realtime_batches(cmd: AdvanceRealtimeBatches, uow: UnitOfWork,
                             ctx: HandlerContext) -> int:
    return advance(uow, ctx, cmd.limit)


def advance(uow: UnitOfWork, ctx: HandlerContext, limit: int = 500) -> int:
    """One pass over the running runs; returns the number of debits written."""
    b = batch_uow(uow)
    try:
        status.ensure_open_for_requests(uow)
        can_send = True
    except GatewayUnavailable:
        can_send = False  # settle and finish only; the next pass sends
    written = 0
    for run_id, run_limit in b.realtime_batches.running():
        b.realtime_batches.settle(run_id)
        budget = in_flight_budget(run_limit, b.realtime_batches.in_flight(run_id), limit - written)
        if can_send and budget:
            written += _top_up(b, ctx, run_id, budget)
        b.realtime_batches.finish_if_done(run_id, ctx.now())
    return written


def _top_up(b: BatchUnitOfWork, ctx: HandlerContext, run_id: int, budget: int) -> int:
    work = b.realtime_batches.next_work(run_id, budget)
    if not work:
        return 0
    by = f"realtime batch {run_id}"
    results = submit_debits(SubmitDebits(tuple(SubmitDebit(w.payer_id, w.levy_ids, by)
                                                for w in work)), b, ctx)
    sent: list[tuple[PayerWork, int]] = []
    refused: list[tuple[PayerWork, str]] = []
    for w, result in zip(work, results):
        if isinstance(result, Debit):
            sent.append((w, result.id or 0))
        elif not isinstance(result, TooManyInFlight):  # over the gateway's limit: next pass
            refused.append((w, str(result)))
    b.realtime_batches.mark_sent(run_id, sent)
    b.realtime_batches.mark_refused(run_id, refused)
    return len(sent)


__all__ = ["launch_realtime_batch", "advance_realtime_batches", "advance"]
