"""The message bus: dispatches a command or event to its one handler inside a unit of work.

Front-ends call :meth:`MessageBus.handle` and get the handler's result; the bus opens the unit of
work and commits it. The gateway runtime passes its own open unit of work (inbound processing
records the inbox entry in the same transaction) and commits itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from gateway.domain.commands import Command
from gateway.domain.events import Event
from gateway.services.context import HandlerContext
from gateway.services.handlers import HANDLERS
from gateway.services.options import GatewayOptions


class UnknownMessage(LookupError):
    """No handler is registered for this command or event type."""


class MessageBus:
    def __init__(self, uow_factory: Callable[[], Any], options: GatewayOptions,
                 clock: Callable[[], dt.datetime] = dt.datetime.now,
                 handlers: dict[type, Callable] | None = None) -> None:
        self.uow_factory = uow_factory
        self.options = options
        self.clock = clock
        self.handlers = dict(HANDLERS if handlers is None else handlers)

    def context(self) -> HandlerContext:
        return HandlerContext(options=self.options, clock=self.clock)

    def handle(self, message: Command | Event, uow: Any = None) -> Any:
        """Run the handler; with no ``uow`` given, in a new unit of work that is committed."""
        handler = self.handlers.get(type(message))
        if handler is None:
            raise UnknownMessage(f"no handler for {type(message).__name__}")
        if uow is not None:
            return handler(message, uow, self.context())
        with self.uow_factory() as new_uow:
            result = handler(message, new_uow, self.context())
            new_uow.commit()
        return result
