"""Queue names of ets-interface §2.1 as the gateway sees them."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config import Settings


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

    @classmethod
    def from_settings(cls, settings: Settings) -> "QueueNames":
        return cls(online_in=settings.transport.online_in, batch_in=settings.transport.batch_in,
                   online_out=settings.online_out_queue, batch_out=settings.batch_out_queue)
