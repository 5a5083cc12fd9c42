"""Assembles the gateway runtime from Settings: codec, transport, bus, consumer, relay, sweeper."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.engine import make_url

from gateway.bootstrap import Application, gateway_options
from gateway.codec import Codec
from gateway.config import Settings
from gateway.runtime.consumer import QueueConsumer
from gateway.runtime.inbound import InboundProcessor
from gateway.runtime.queues import QueueNames
from gateway.runtime.relay import OutboxRelay
from gateway.runtime.uow import GatewayUnitOfWork
from gateway.services.messagebus import MessageBus
from gateway.transports.factory import open_transport


@dataclass
class GatewayRuntime:
    app: Application
    codec: Codec
    queues: QueueNames
    bus: MessageBus
    transport: Any
    consumer: QueueConsumer
    relay: OutboxRelay
    clock: Callable[[], dt.datetime]

    @property
    def settings(self) -> Settings:
        return self.app.settings

    def uow(self) -> GatewayUnitOfWork:
        return GatewayUnitOfWork(self.app.engine, self.codec, self.queues, self.bus.options,
                                 self.clock)

    def close(self) -> None:
        self.transport.close()
        self.app.close()


def same_database(a: str, b: str) -> bool:
    import os

    ua, ub = make_url(a), make_url(b)
    da, db = ua.database or "", ub.database or ""
    if ua.get_backend_name() == "sqlite":
        da, db = os.path.realpath(da), os.path.realpath(db)
    return (ua.get_backend_name(), ua.host, ua.port, da) == (ub.get_backend_name(), ub.host, ub.port, db)


def build_runtime(app: Application, clock: Callable[[], dt.datetime] = dt.datetime.now) -> GatewayRuntime:
    settings = app.settings
    codec = Codec(encoding=settings.gateway.encoding, max_bytes=settings.gateway.max_message_bytes,
                  max_package_items=settings.gateway.max_package_items)
    queues = QueueNames.from_settings(settings)
    options = gateway_options(settings)
    holder: dict[str, GatewayRuntime] = {}
    bus = MessageBus(lambda: holder["rt"].uow(), options, clock)
    transport = open_transport(settings)
    joined = (settings.transport.kind == "embedded"
              and same_database(settings.embedded_transport_url, settings.database.url))
    processor = InboundProcessor(bus, codec, queues, settings.gateway.node,
                                 settings.gateway.ets_node, clock)
    rt = GatewayRuntime(app=app, codec=codec, queues=queues, bus=bus, transport=transport,
                        consumer=None, relay=None, clock=clock)  # type: ignore[arg-type]
    holder["rt"] = rt
    rt.consumer = QueueConsumer(rt.uow, transport, processor, joined,
                                store_is_database=settings.transport.kind == "embedded")
    rt.relay = OutboxRelay(rt.uow, transport, joined, clock, reader=app.reader)
    return rt
