"""The timeout sweeper: one pass over every timer of §7.1 that can be due."""

from __future__ import annotations

from gateway.domain.commands import SweepTimeouts
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.handlers import (agreements, counter, debits, packages, realtime_runs,
                                       reversals, stops, system)


def sweep(cmd: SweepTimeouts, uow: UnitOfWork, ctx: HandlerContext) -> dict[str, int]:
    now = cmd.now
    done = {
        "debits": debits.sweep_debits(uow, ctx, now),
        "reversals": reversals.sweep_reversals(uow, ctx, now),
        "reservations": counter.sweep_reservations(uow, now),
        "verifications": agreements.sweep_verifications(uow, now),
        "packages": packages.sweep_packages(uow, ctx, now),
        "stops": stops.sweep_stops(uow, ctx, now),
    }
    # After the debit timers: settle what they resolved, then top up the real-time batches.
    done["realtime_batches"] = realtime_runs.advance(uow, ctx)
    system.sweep_link(uow, ctx, now)
    return done
