"""The gateway worker's assembly: the Application of :mod:`gateway.bootstrap` plus the transport,
the inbound consumer and the outbox relay. Only `etsgw gateway` (and the demo) builds this."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Callable

from prometheus_client import CollectorRegistry
from sqlalchemy.engine import make_url

from gateway.bootstrap import Application
from gateway.config import Settings
from gateway.monitor.slow import SlowHandlerWatch
from gateway.runtime.consumer import QueueConsumer
from gateway.runtime.relay import OutboxRelay
from gateway.services.messagebus import MessageBus
from gateway.transport_factory import open_transport
from gateway.transports.base import Transport
from gateway.wire.inbound import InboundProcessor
from gateway.wire.queues import QueueNames
from gateway.wire.unit_of_work import GatewayUnitOfWork


@dataclass
class GatewayRuntime:
    app: Application
    transport: Transport
    consumer: QueueConsumer
    relay: OutboxRelay

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def bus(self) -> MessageBus:
        return self.app.bus

    @property
    def queues(self) -> QueueNames:
        return self.app.queues

    @property
    def clock(self) -> Callable[[], dt.datetime]:
        return self.app.clock

    @property
    def codec(self):  # noqa: ANN201 - the Codec of the application
        return self.app.codec

    def uow(self) -> GatewayUnitOfWork:
        return self.app.uow()

    def close(self) -> None:
        if self.consumer.slow_watch is not None:
            self.consumer.slow_watch.close()
        self.transport.close()
        self.app.close()


def same_database(a: str, b: str) -> bool:
    """True when two URLs name the same database (the embedded store joined to the app's)."""
    ua, ub = make_url(a), make_url(b)
    da, db = ua.database or "", ub.database or ""
    if ua.get_backend_name() == "sqlite":
        da, db = os.path.realpath(da), os.path.realpath(db)
    return (ua.get_backend_name(), ua.host, ua.port, da) == (ub.get_backend_name(), ub.host, ub.port, db)


def build_runtime(app: Application) -> GatewayRuntime:
    """Open the transport and wire the consumer and relay to the application's bus."""
    settings = app.settings
    transport = open_transport(settings)
    joined = (settings.transport.kind == "embedded"
              and same_database(settings.embedded_transport_url, settings.database.url))
    processor = InboundProcessor(app.bus, app.codec, app.queues, settings.gateway.node,
                                 settings.gateway.ets_node, app.clock)
    # A registry per runtime (several runtimes share a test process); the worker does not serve
    # it yet, so the watch is here for its log lines (README "Monitoring").
    slow = settings.monitor.slow_handler_s
    watch = SlowHandlerWatch(slow, registry=CollectorRegistry()) if slow > 0 else None
    consumer = QueueConsumer(app.uow, transport, processor, joined,
                             store_is_database=settings.transport.kind == "embedded",
                             backout_threshold=settings.transport.backout_threshold,
                             slow_watch=watch)
    relay = OutboxRelay(app.uow, transport, joined, app.clock, reader=app.reader)
    return GatewayRuntime(app=app, transport=transport, consumer=consumer, relay=relay)
