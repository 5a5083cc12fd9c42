"""Composition root: builds the engine, unit of work, codec, transport and bus from Settings.

Entry points (CLI, web, jobs) call :func:`build` once and pass the result down; nothing in the
gateway connects to anything at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from gateway.config import Settings
from gateway.persistence.engine import make_engine
from gateway.persistence.unit_of_work import SqlUnitOfWork


@dataclass
class Application:
    settings: Settings
    engine: Engine
    _cache: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> SqlUnitOfWork:
        """A new unit of work (one per message, request or job run)."""
        return SqlUnitOfWork(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings) -> Application:
    db = settings.database
    return Application(settings=settings,
                       engine=make_engine(db.url, echo=db.echo, pool_size=db.pool_size))
