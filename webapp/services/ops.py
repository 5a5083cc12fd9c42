"""Operations' use case: queue depths and channel status of the gateway's queue manager (through
the transport's admin interface, read-only here) beside the database backlogs."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from gateway.persistence import web_queries as q
from gateway.transports.base import TransportError
from webapp.context import reader, web

_lock = threading.Lock()


def _admin() -> Any:
    """One queue admin per app (opening the embedded one checks its schema, not for every page)."""
    with _lock:
        admin = current_app.extensions.get("etsgw_queue_admin")
        if admin is None:
            from gateway.transport_factory import open_admin
            admin = open_admin(web().settings)
            current_app.extensions["etsgw_queue_admin"] = admin
        return admin


def home() -> dict[str, Any]:
    data: dict[str, Any] = {"counts": q.ops_counts(reader()), "queues": [], "channels": [],
                            "transport_error": ""}
    try:
        admin = _admin()
        data["queues"] = [{"name": i.name, "type": str(i.type), "depth": i.depth,
                           "max_depth": i.max_depth,
                           "fill": round(100 * i.depth / i.max_depth) if i.max_depth else 0}
                          for i in admin.queues()]
        data["channels"] = [{"name": c.name, "type": str(c.type),
                             "status": str(c.status), "partner": c.partner, "xmitq": c.xmitq}
                            for c in admin.channels()]
    except TransportError as exc:
        data["transport_error"] = f"无法读取队列管理器：{exc}"
    return data
