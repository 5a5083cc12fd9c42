"""Composition root: engine, codec, unit-of-work factory and message bus from Settings.

Any process (CLI, web, jobs, the gateway worker) calls :func:`build` once and passes the result
down. It opens no transport: a command sent through :attr:`Application.bus` writes its messages
to the outbox, and only the gateway worker (:mod:`gateway.runtime`) puts them on a queue. Nothing
in the gateway connects to anything at import time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import Engine

from gateway.calendar_table import official_calendar
from gateway.clock import beijing_now
from gateway.codec import Codec
from gateway.config import Settings
from gateway.domain.calendar import CutoffRule
from gateway.persistence.engine import make_engine, make_reader
from gateway.services.messagebus import MessageBus
from gateway.services.options import GatewayOptions, Timers
from gateway.wire.queues import QueueNames
from gateway.wire.unit_of_work import GatewayUnitOfWork

Clock = Callable[[], dt.datetime]


@dataclass
class Application:
    """Everything a process needs to send commands and read state, without a transport."""

    settings: Settings
    engine: Engine
    codec: Codec
    queues: QueueNames
    options: GatewayOptions
    clock: Clock
    bus: MessageBus = field(init=False)
    _cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bus = MessageBus(self.uow, self.options, self.clock)

    @property
    def reader(self) -> Engine:
        """The read-only engine (see persistence.engine.make_reader), made on first use."""
        if "reader" not in self._cache:
            db = self.settings.database
            self._cache["reader"] = make_reader(db.url, echo=db.echo, pool_size=db.pool_size)
        engine: Engine = self._cache["reader"]
        return engine

    def uow(self) -> GatewayUnitOfWork:
        """A new unit of work (one per message, request or job run), with the outbox messenger."""
        return GatewayUnitOfWork(self.engine, self.codec, self.queues, self.options, self.clock)

    def close(self) -> None:
        self.engine.dispose()
        if "reader" in self._cache:
            self._cache.pop("reader").dispose()


def build(settings: Settings, clock: Clock = beijing_now) -> Application:
    db, g = settings.database, settings.gateway
    return Application(
        settings=settings,
        engine=make_engine(db.url, echo=db.echo, pool_size=db.pool_size),
        codec=Codec(encoding=g.encoding, max_bytes=g.max_message_bytes,
                    max_package_items=g.max_package_items),
        queues=queue_names(settings),
        options=gateway_options(settings),
        clock=clock)


def queue_names(settings: Settings) -> QueueNames:
    """The queue names of ets-interface §2.1 as this gateway uses them."""
    t = settings.transport
    return QueueNames(online_in=t.online_in, batch_in=t.batch_in,
                      online_out=settings.online_out_queue, batch_out=settings.batch_out_queue)


def gateway_options(settings: Settings) -> GatewayOptions:
    """The use cases' options from Settings (timers of §7.1, limits, cutoff, calendar)."""
    g, t = settings.gateway, settings.timers
    return GatewayOptions(
        node=g.node, ets_node=g.ets_node,
        initial_work_date=(dt.datetime.strptime(g.initial_work_date, "%Y%m%d").date()
                           if g.initial_work_date else None),
        max_in_flight=g.max_in_flight, max_package_items=g.max_package_items,
        return_term=g.return_term,
        timers=Timers(ack_9120=t.ack_9120_s, result_2001=t.result_2001_s,
                      result_2021=t.result_2021_s, answer_9115=t.answer_9115_s,
                      answer_9005=t.answer_9005_s, in_doubt_backoff=t.in_doubt_backoff_s,
                      in_doubt_repeat=t.in_doubt_repeat_s,
                      counter_reservation=g.counter_reservation_s,
                      link_test_idle=g.link_test_idle_s, receipt_9121=t.receipt_9121_s,
                      answer_2123=t.answer_2123_s,
                      package_result_check=t.package_result_check_s),
        cutoff=CutoffRule(day=g.cutoff_day, february_day=g.cutoff_day_february, hour=g.cutoff_hour),
        calendar=official_calendar(),
        work_date_window_days=g.work_date_window_days,
        recon_absent_grace_days=g.recon_absent_grace_days,
        recon_complete_by_hour=g.recon_complete_by_hour)
