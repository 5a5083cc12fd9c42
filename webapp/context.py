"""What every request needs: the bootstrap Application, the settings and the clock, kept on the
Flask app (``app.extensions["etsgw"]``), plus the request's read connection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app, g, request
from sqlalchemy.engine import Connection

from gateway.config import Settings


@dataclass
class WebContext:
    app: Any  # gateway.bootstrap.Application
    settings: Settings
    clock: Callable[[], dt.datetime]

    def now(self) -> dt.datetime:
        return self.clock()


def web() -> WebContext:
    ctx: WebContext = current_app.extensions["etsgw"]
    return ctx


def reader() -> Connection:
    """The request's read-only connection, opened on first use and closed at teardown."""
    if "reader" not in g:
        g.reader = web().app.reader.connect()
    conn: Connection = g.reader
    return conn


def close_reader(_exc: BaseException | None = None) -> None:
    conn = g.pop("reader", None)
    if conn is not None:
        conn.close()


def client_address() -> str:
    return request.remote_addr or ""
