"""Real-time batch (§6.5): a list's entries collected by one 1001 per payer instead of packages.

Launching takes the list's GENERATED entries (state REALTIME: on a run, not yet sent), so they
are never packaged or sent twice. A driver tops up the run's in-flight debits through
``submit_many``; each debit follows every single-debit rule (levies locked, 9120/2001 timers,
IN_DOUBT and the 9003 back-off, never a second TraNo for the same entries). An entry moves
REALTIME → SENT (its debit written) → FINISHED (the debit final), or REALTIME → FINISHED when the
debit was refused before anything was sent. The run finishes when every entry is FINISHED.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class RunState(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"


RUN_LABELS = {RunState.RUNNING: "进行中", RunState.FINISHED: "已完成"}


class Outcome(StrEnum):
    """What happened to one item (one payer's debit) of a run."""

    QUEUED = "QUEUED"  # not yet sent
    IN_FLIGHT = "IN_FLIGHT"  # sent, waiting for the 9120/2001
    IN_DOUBT = "IN_DOUBT"  # no usable answer: the 9003 back-off resolves it
    PAID = "PAID"
    FAILED = "FAILED"  # the bank or the ETS refused, or the gateway refused before sending


OUTCOME_LABELS = {Outcome.QUEUED: "待发送", Outcome.IN_FLIGHT: "在途", Outcome.IN_DOUBT: "待确认",
                  Outcome.PAID: "扣款成功", Outcome.FAILED: "扣款失败"}


@dataclass(frozen=True)
class PayerWork:
    """The next debit of a run: one payer's queued levies (at most 99, §6.2)."""

    payer_id: int
    levy_ids: tuple[int, ...]


@dataclass(frozen=True)
class RealtimeProgress:
    run_id: int
    list_id: int
    state: RunState
    max_in_flight: int
    counts: dict[Outcome, int]  # items (payers' debits; queued counted per payer)
    paid_amount: Decimal
    finished_at: dt.datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def resolved(self) -> int:
        return self.counts.get(Outcome.PAID, 0) + self.counts.get(Outcome.FAILED, 0)

    @property
    def done(self) -> bool:
        return self.state is RunState.FINISHED


def in_flight_budget(run_limit: int, in_flight: int, limit: int) -> int:
    """How many debits a run may write now: its own limit less what it has in flight, at most
    ``limit`` per call (the gateway-wide limit is checked by ``submit_many`` itself)."""
    return max(0, min(run_limit - in_flight, limit))
