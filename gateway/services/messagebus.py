"""The message bus: dispatches a command or event to its one handler inside a unit of work, and
the events handlers raise to their handlers once the unit of work that raised them committed.

Front-ends call :meth:`MessageBus.handle` and get the handler's result; the bus opens the unit of
work, commits it and then publishes what it raised. The gateway runtime passes its own open unit
of work (inbound processing records the inbox entry in the same transaction), commits itself and
then calls :meth:`MessageBus.publish` with it. Each raised event is handled in a unit of work of
its own: its effects (alerts, review items) follow the fact, they never undo it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from typing import Any, Callable, Mapping

from gateway.domain.commands import Command
from gateway.domain.events import Event
from gateway.services.context import HandlerContext
from gateway.services.handlers import HANDLERS, Handler
from gateway.services.options import GatewayOptions
from gateway.services.ports import UnitOfWork

log = logging.getLogger(__name__)

# A unit of work the database aborted for a conflict with a concurrent one (PostgreSQL deadlock
# or serialization failure) is run again, whole, up to this many times in all.
CONFLICT_ATTEMPTS = 4


class UnknownMessage(LookupError):
    """No handler is registered for this command or event type."""


class MessageBus:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], options: GatewayOptions,
                 clock: Callable[[], dt.datetime] = dt.datetime.now,
                 handlers: Mapping[type, Handler] | None = None) -> None:
        self.uow_factory = uow_factory
        self.options = options
        self.clock = clock
        self.handlers: dict[type, Handler] = dict(HANDLERS if handlers is None else handlers)

    def context(self) -> HandlerContext:
        return HandlerContext(options=self.options, clock=self.clock)

    def handle(self, message: Command | Event, uow: UnitOfWork | None = None) -> Any:
        """Run the handler. With no ``uow`` given, in a new unit of work that is committed, after
        which the events raised are published; with one, the raised events stay in ``uow`` for
        the caller to :meth:`publish` after its commit."""
        handler = self.handlers.get(type(message))
        if handler is None:
            raise UnknownMessage(f"no handler for {type(message).__name__}")
        if uow is not None:
            return self._run(handler, message, uow)
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            new_uow = self.uow_factory()
            try:
                with new_uow:
                    result = self._run(handler, message, new_uow)
                    new_uow.commit()
            except Exception as exc:
                if attempt == CONFLICT_ATTEMPTS or not new_uow.conflicted(exc):
                    raise
                # Rolled back whole (its outbox rows and events with it): run it again after a
                # short random pause, so that the transaction it met can finish first.
                log.warning("%s aborted by a concurrent transaction (attempt %d of %d), "
                            "running it again: %s", type(message).__name__, attempt,
                            CONFLICT_ATTEMPTS, str(exc).splitlines()[0])
                time.sleep(random.uniform(0.001, 0.01 * 2 ** attempt))
                continue
            self.publish(new_uow)
            return result
        raise AssertionError("unreachable")  # the loop returns or raises

    def _run(self, handler: Handler, message: Command | Event, uow: UnitOfWork) -> Any:
        ctx = self.context()
        result = handler(message, uow, ctx)
        uow.raised.extend(ctx.raised)  # only a handler that returned raised anything
        return result

    def publish(self, uow: UnitOfWork) -> None:
        """Handle the events raised in ``uow``, whose transaction has committed: each in a new
        unit of work. An event type without a handler is only logged; a failing handler is
        logged and does not stop the others (the fact they follow is already committed)."""
        events = list(uow.raised)
        uow.raised.clear()
        for event in events:
            if type(event) not in self.handlers:
                log.debug("no handler for raised %s", type(event).__name__)
                continue
            try:
                self.handle(event)
            except Exception:
                log.exception("handling raised %s failed: %r", type(event).__name__, event)
