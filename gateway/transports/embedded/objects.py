"""Object definitions of an embedded queue manager, the counterpart of the MQSC in ``mq_config/``.

A :class:`QueueManagerDefinition` is a small declarative value (queues, remote queues, channels);
:func:`define` writes it into the queue store idempotently: missing objects are created, changed
attributes updated, nothing else touched (channel status and messages stay as they are).
:func:`gateway.transport_factory.default_definitions` gives the two queue managers of the demo: the gateway's
(``QM.TAX``)
and the settlement-centre simulator's (``QM.ETS``), mirror images joined by two channel pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from gateway.transports.embedded import schema as s
from gateway.transports.retry import call_idempotent

DEFAULT_MAX_DEPTH = 5000  # MQ's default MAXDEPTH
DEFAULT_XMITQ_MAX_DEPTH = 50000


@dataclass(frozen=True)
class LocalQueue:
    """A local queue; ``usage="xmitq"`` makes it a transmission queue."""

    name: str
    max_depth: int = DEFAULT_MAX_DEPTH
    backout_queue: str = ""
    backout_threshold: int = 0
    usage: Literal["normal", "xmitq"] = "normal"


@dataclass(frozen=True)
class RemoteQueue:
    """A remote-queue definition: a put lands on ``xmitq`` with a transmission header naming
    ``remote_qmgr`` and ``remote_name``. An empty ``xmitq`` means the one named ``remote_qmgr``."""

    name: str
    remote_name: str
    remote_qmgr: str
    xmitq: str = ""


@dataclass(frozen=True)
class ChannelDefinition:
    """A sender (moves its ``xmitq`` to ``partner``) or receiver channel. Pairs share a name."""

    name: str
    type: Literal["sender", "receiver"]
    partner: str
    xmitq: str = ""
    disconnect_interval_s: float = 300.0


@dataclass(frozen=True)
class QueueManagerDefinition:
    """The objects of one queue manager. Builder methods return a new definition."""

    name: str
    dead_letter_queue: str = "SYSTEM.DEAD.LETTER.QUEUE"
    local_queues: tuple[LocalQueue, ...] = ()
    remote_queues: tuple[RemoteQueue, ...] = ()
    channels: tuple[ChannelDefinition, ...] = ()

    def local(self, name: str, **attrs: Any) -> "QueueManagerDefinition":
        return replace(self, local_queues=self.local_queues + (LocalQueue(name, **attrs),))

    def with_backout(self, name: str, threshold: int, **attrs: Any) -> "QueueManagerDefinition":
        """A local queue and its backout queue ``<name>.BACKOUT``."""
        boq = f"{name}.BACKOUT"
        return self.local(name, backout_queue=boq, backout_threshold=threshold, **attrs).local(boq)

    def transmission(self, name: str, max_depth: int = DEFAULT_XMITQ_MAX_DEPTH
                     ) -> "QueueManagerDefinition":
        return self.local(name, max_depth=max_depth, usage="xmitq")

    def remote(self, name: str, remote_name: str, remote_qmgr: str, xmitq: str = ""
               ) -> "QueueManagerDefinition":
        queue = RemoteQueue(name, remote_name, remote_qmgr, xmitq)
        return replace(self, remote_queues=self.remote_queues + (queue,))

    def sender(self, name: str, xmitq: str, partner: str, disconnect_interval_s: float = 300.0
               ) -> "QueueManagerDefinition":
        chl = ChannelDefinition(name, "sender", partner, xmitq, disconnect_interval_s)
        return replace(self, channels=self.channels + (chl,))

    def receiver(self, name: str, partner: str) -> "QueueManagerDefinition":
        chl = ChannelDefinition(name, "receiver", partner)
        return replace(self, channels=self.channels + (chl,))


def define(engine: Engine, definition: QueueManagerDefinition) -> None:
    """Write ``definition`` into the store; running it again changes nothing."""

    def run() -> None:
        with s.db_errors(), engine.begin() as conn:
            s.serialize_definitions(conn)
            _define(conn, definition)

    call_idempotent(run)


def _define(conn: Connection, d: QueueManagerDefinition) -> None:
    qm = d.name
    _upsert(conn, s.queue_managers, {"name": qm}, {"dead_letter_queue": d.dead_letter_queue})
    locals_ = list(d.local_queues)
    if d.dead_letter_queue and all(q.name != d.dead_letter_queue for q in locals_):
        locals_.append(LocalQueue(d.dead_letter_queue, max_depth=DEFAULT_XMITQ_MAX_DEPTH))
    for q in locals_:
        _upsert(conn, s.queues, {"qmgr": qm, "name": q.name}, {
            "type": "transmission" if q.usage == "xmitq" else "local", "max_depth": q.max_depth,
            "backout_queue": q.backout_queue, "backout_threshold": q.backout_threshold,
            "remote_name": "", "remote_qmgr": "", "xmitq": ""})
    for r in d.remote_queues:
        _upsert(conn, s.queues, {"qmgr": qm, "name": r.name}, {
            "type": "remote", "max_depth": 0, "backout_queue": "", "backout_threshold": 0,
            "remote_name": r.remote_name, "remote_qmgr": r.remote_qmgr,
            "xmitq": r.xmitq or r.remote_qmgr})
    for c in d.channels:
        _upsert(conn, s.channels, {"qmgr": qm, "name": c.name}, {
            "type": c.type, "xmitq": c.xmitq, "partner": c.partner,
            "disc_interval_s": float(c.disconnect_interval_s)})


def _upsert(conn: Connection, table: Any, key: dict[str, Any], attrs: dict[str, Any]) -> None:
    where = [table.c[k] == v for k, v in key.items()]
    row = conn.execute(select(*[table.c[k] for k in attrs]).where(*where)).mappings().first()
    if row is None:
        conn.execute(insert(table).values(**key, **attrs))
    elif any(row[k] != v for k, v in attrs.items()):
        conn.execute(update(table).where(*where).values(**attrs))
