"""What every handler receives besides its message: options, the clock and an event sink."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from gateway.domain.events import Event
from gateway.services.options import GatewayOptions


@dataclass
class HandlerContext:
    options: GatewayOptions
    clock: Callable[[], dt.datetime]
    raised: list[Event] = field(default_factory=list)

    def now(self) -> dt.datetime:
        return self.clock()

    def emit(self, event: Event) -> None:
        """Raise an event of the gateway's own (a duplicate payment, ...). The bus hands it to
        the unit of work when the handler returns, and handles it after that unit commits."""
        self.raised.append(event)
