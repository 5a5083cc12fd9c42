"""The timeout sweeper: one pass over every timer of §7.1 that can be due, or over some of them.

The gateway worker sweeps every part each second; the jobs process (``etsgw jobs``) runs them
as separate jobs (``SweepTimeouts(parts=...)``). Each part claims the rows it changes (row locks,
``SKIP LOCKED`` on PostgreSQL; SQLite serialises writers) and moves their timers on in the same
transaction, so two sweepers at once never act twice on one timer.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from gateway.domain.commands import SweepTimeouts
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.handlers import (agreements, counter, debits, packages, realtime_runs,
                                       reversals, stops, system)

Part = Callable[[UnitOfWork, HandlerContext, dt.datetime], int]

#: Name → pass; each returns how many rows (or messages) it acted on.
PARTS: dict[str, Part] = {
    "debits": debits.sweep_debits,  # no 9120 / 2001 in time → IN_DOUBT
    "in_doubt": debits.sweep_in_doubt,  # IN_DOUBT → 9003 on the back-off
    "reversals": reversals.sweep_reversals,
    "reservations": lambda uow, ctx, now: counter.sweep_reservations(uow, now),
    "verifications": lambda uow, ctx, now: agreements.sweep_verifications(uow, now),
    "packages": packages.sweep_packages,  # deadlines and 9003 SearchType 1
    "stops": stops.sweep_stops,
    # After the debit timers: settle what they resolved, then top up the real-time batches.
    "realtime_batches": lambda uow, ctx, now: realtime_runs.advance(uow, ctx),
    "link": system.sweep_link,  # 9005 after the idle interval; DOWN when unanswered
}


def sweep(cmd: SweepTimeouts, uow: UnitOfWork, ctx: HandlerContext) -> dict[str, int]:
    unknown = [p for p in cmd.parts if p not in PARTS]
    if unknown:  # a caller's mistake (the jobs registry), not an operator's
        raise LookupError(f"unknown sweep part(s) {unknown}; known: {list(PARTS)}")
    return {name: PARTS[name](uow, ctx, cmd.now) for name in (cmd.parts or tuple(PARTS))}
