"""Composition root: builds the engine, unit of work, codec, transport and bus from Settings.

Entry points (CLI, web, jobs) call :func:`build` once and pass the result down; nothing in the
gateway connects to anything at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from gateway.config import Settings
from gateway.persistence.engine import make_engine, make_reader
from gateway.persistence.unit_of_work import SqlUnitOfWork


@dataclass
class Application:
    settings: Settings
    engine: Engine
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def reader(self) -> Engine:
        """The read-only engine (see persistence.engine.make_reader), made on first use."""
        if "reader" not in self._cache:
            db = self.settings.database
            self._cache["reader"] = make_reader(db.url, echo=db.echo, pool_size=db.pool_size)
        return self._cache["reader"]

    def uow(self) -> SqlUnitOfWork:
        """A new unit of work (one per message, request or job run)."""
        return SqlUnitOfWork(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        if "reader" in self._cache:
            self._cache.pop("reader").dispose()


def build(settings: Settings) -> Application:
    db = settings.database
    return Application(settings=settings,
                       engine=make_engine(db.url, echo=db.echo, pool_size=db.pool_size))


def gateway_options(settings: Settings):
    """The use cases' options from Settings (timers of §7.1, limits, cutoff, calendar)."""
    import datetime as dt

    from gateway.calendar_table import official_calendar
    from gateway.domain.calendar import CutoffRule
    from gateway.services.options import GatewayOptions, Timers

    g, t = settings.gateway, settings.timers
    return GatewayOptions(
        node=g.node, ets_node=g.ets_node,
        initial_work_date=(dt.datetime.strptime(g.initial_work_date, "%Y%m%d").date()
                           if g.initial_work_date else None),
        max_in_flight=g.max_in_flight,
        timers=Timers(ack_9120=t.ack_9120_s, result_2001=t.result_2001_s,
                      result_2021=t.result_2021_s, answer_9115=t.answer_9115_s,
                      answer_9005=t.answer_9005_s, in_doubt_backoff=t.in_doubt_backoff_s,
                      in_doubt_repeat=t.in_doubt_repeat_s,
                      counter_reservation=g.counter_reservation_s,
                      link_test_idle=g.link_test_idle_s),
        cutoff=CutoffRule(day=g.cutoff_day, february_day=g.cutoff_day_february, hour=g.cutoff_hour),
        calendar=official_calendar())
