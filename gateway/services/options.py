"""Options the use cases need, as plain values (built from Settings by the composition root)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gateway.domain.calendar import ClearingCalendar, CutoffRule


@dataclass(frozen=True)
class Timers:
    """ets-interface §7.1, seconds."""

    ack_9120: int = 10
    result_2001: int = 60
    result_2021: int = 60
    answer_9115: int = 60
    answer_9005: int = 10
    in_doubt_backoff: tuple[int, ...] = (60, 300, 1800)
    in_doubt_repeat: int = 3600
    counter_reservation: int = 1800
    link_test_idle: int = 300
    receipt_9121: int = 600  # 9121 after a 1102: then 9003 on the back-off (§7.3)
    package_result_check: int = 3600  # an accepted package is queried once this long before its deadline
    answer_2123: int = 1800  # 2123 after a 1123: then the same 1123 again (§6.7)

    def query_delay(self, step: int) -> int:
        """Seconds from one in-doubt query to the next: 1 min, 5 min, 30 min after the debit
        became IN_DOUBT, then every 60 min (step 0 is the first query)."""
        offsets = self.in_doubt_backoff
        if step == 0:
            return offsets[0]
        if step < len(offsets):
            return offsets[step] - offsets[step - 1]
        return self.in_doubt_repeat


@dataclass(frozen=True)
class GatewayOptions:
    node: str = "244000000000"
    ets_node: str = "100000000000"
    initial_work_date: dt.date | None = None
    max_in_flight: int = 50
    max_package_items: int = 3000  # items per 1102, never more (§6.6)
    return_term: int = 1  # ReturnTerm of new packages, clearing days (§7.4)
    timers: Timers = field(default_factory=Timers)
    cutoff: CutoffRule = field(default_factory=CutoffRule)
    calendar: ClearingCalendar = field(default_factory=ClearingCalendar)
    # A 9101's WorkDate is adopted when it is the next clearing day or this close to the clock.
    work_date_window_days: int = 3
    # Reconciliation (§6.8): clearing days before "succeeded here, absent there" is listed, and
    # the hour of the next clearing day by which every 3122 sub-package must have arrived.
    recon_absent_grace_days: int = 1
    recon_complete_by_hour: int = 12
