"""Reading one queue manager through the transport contract: queues and channels from its
:class:`QueueAdmin`, and the age of the oldest message of the queues where it matters (backout,
dead-letter and inbound queues) by browsing one message through its :class:`Transport`.

Connections are opened on first use and kept for ``--watch``; after a transport error they are
closed and opened again on the next check.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

from gateway.config import Settings
from gateway.monitor.model import Finding, Severity
from gateway.monitor.rules import QueueManagerView
from gateway.transports.base import QueueAdmin, Transport, TransportError


class QueueManagerSource:
    """One monitored queue manager. ``open_admin``/``open_transport`` are called lazily."""

    def __init__(self, qmgr: str, open_admin: Callable[[], QueueAdmin],
                 open_transport: Callable[[], Transport] | None = None, *,
                 dead_letter_queue: str = "", inbound_queues: tuple[str, ...] = (),
                 default_xmitq: str = "") -> None:
        self.qmgr = qmgr
        self._open_admin, self._open_transport = open_admin, open_transport
        self.dead_letter_queue = dead_letter_queue
        self.inbound_queues = inbound_queues
        self.default_xmitq = default_xmitq
        self._admin: QueueAdmin | None = None
        self._transport: Transport | None = None

    def read(self, now: float) -> QueueManagerView:
        """Raises TransportError when the queue manager cannot be read."""
        try:
            if self._admin is None:
                self._admin = self._open_admin()
            queues, channels = self._admin.queues(), self._admin.channels()
            view = QueueManagerView(self.qmgr, queues, channels,
                                    dead_letter_queue=self.dead_letter_queue,
                                    inbound_queues=self.inbound_queues,
                                    default_xmitq=self.default_xmitq)
            browse = view.problem_queues() | set(self.inbound_queues)
            for q in queues:
                if q.name in browse and q.depth > 0 and q.type != "remote":
                    age = self._oldest_age(q.name, now)
                    if age is not None:
                        view.ages[q.name] = age
            return view
        except TransportError:
            self.close()
            raise

    def _oldest_age(self, queue: str, now: float) -> float | None:
        if self._open_transport is None:
            return None
        if self._transport is None:
            self._transport = self._open_transport()
        with self._transport.session() as s:
            first = s.browse(queue, 1)
        return max(0.0, now - first[0].put_time.timestamp()) if first else None

    def close(self) -> None:
        for thing in (self._admin, self._transport):
            close = getattr(thing, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
        self._admin = self._transport = None


def unreachable(qmgr: str, err: Exception) -> Finding:
    return Finding(f"source:{qmgr}", "source", f"队列管理器 {qmgr}", Severity.UNKNOWN,
                   f"无法读取队列管理器：{err}")


def reachable(qmgr: str) -> Finding:
    return Finding(f"source:{qmgr}", "source", f"队列管理器 {qmgr}", Severity.OK, "可读取")


def sources_from_settings(settings: Settings, **factory_kw: Any) -> list[QueueManagerSource]:
    """A source per ``monitor.queue_managers`` (default: the gateway's), opened through
    :mod:`gateway.transport_factory`."""
    from gateway import transport_factory as tf

    t = settings.transport
    out = []
    for qm in settings.monitor.queue_managers or (t.queue_manager,):
        inbound = ((settings.online_out_queue, settings.batch_out_queue)
                   if qm == t.queue_manager else ())
        xmitq = t.transmission_queue if qm == t.queue_manager else f"{t.queue_manager}.XMITQ"
        out.append(QueueManagerSource(
            qm, lambda qm=qm: tf.open_admin(settings, qm),
            lambda qm=qm: tf.open_transport(settings, qm),
            dead_letter_queue=t.dead_letter_queue, inbound_queues=inbound,
            default_xmitq=xmitq))
    return out
