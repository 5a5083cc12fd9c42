"""Queue names of ets-interface §2.1 as the gateway sees them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueNames:
    online_in: str  # remote queue toward the ETS (real-time)
    batch_in: str  # remote queue toward the ETS (batch)
    online_out: str  # our local queue: ETS → gateway, real-time
    batch_out: str  # our local queue: ETS → gateway, batch

    def for_class(self, queue_class: str) -> str:
        """A reply travels on the same class of queue as the message it answers."""
        return self.batch_in if queue_class == "BATCH" else self.online_in

    def class_of_inbound(self, queue: str) -> str:
        return "BATCH" if queue == self.batch_out else "ONLINE"
