"""The gateway's unit of work: the SQL unit of work plus the outbox messenger on the same session,
so every state change and the messages it causes commit together."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import Engine

from gateway.codec import Codec
from gateway.persistence.unit_of_work import SqlUnitOfWork
from gateway.services import status
from gateway.services.options import GatewayOptions
from gateway.wire.messenger import OutboxMessenger
from gateway.wire.queues import QueueNames


class GatewayUnitOfWork(SqlUnitOfWork):
    def __init__(self, engine: Engine, codec: Codec, queues: QueueNames, options: GatewayOptions,
                 clock: Callable[[], dt.datetime]) -> None:
        super().__init__(engine)
        self.codec, self.queues, self.options, self.clock = codec, queues, options, clock

    def __enter__(self) -> "GatewayUnitOfWork":
        super().__enter__()
        self.messages = OutboxMessenger(
            self, self.codec, self.queues, self.options.node, self.options.ets_node, self.clock,
            lambda: status.work_date(self, self.options, self.clock()))
        return self
