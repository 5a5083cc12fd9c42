"""QueueAdmin for the embedded queue manager: depths and channel status for the monitor and the
``etsgw queue``/``etsgw channel`` commands, and the operator's start/stop."""

from __future__ import annotations

from sqlalchemy import func, select, update

from gateway.transports.embedded import schema as s
from gateway.transports.base import ChannelInfo, ChannelNotFound, QueueInfo
from gateway.transports.embedded.transport import EmbeddedTransport
from gateway.transports.retry import call_idempotent


class EmbeddedQueueAdmin:
    """Reads and operator actions on one embedded queue manager (see :class:`QueueAdmin`)."""

    def __init__(self, transport: EmbeddedTransport) -> None:
        self._t = transport
        self.queue_manager = transport.queue_manager

    def queues(self) -> list[QueueInfo]:
        q, m = s.queues.c, s.messages.c

        def run() -> list[QueueInfo]:
            with s.db_errors(), self._t.reader.connect() as conn:
                depths = dict(conn.execute(
                    select(m.queue, func.count()).where(m.qmgr == self.queue_manager)
                    .group_by(m.queue)).all())
                rows = conn.execute(select(s.queues).where(q.qmgr == self.queue_manager)
                                    .order_by(q.name)).all()
            return [QueueInfo(name=r.name, type=r.type, depth=int(depths.get(r.name, 0)),
                              max_depth=r.max_depth, backout_queue=r.backout_queue,
                              backout_threshold=r.backout_threshold) for r in rows]

        return call_idempotent(run)

    def channels(self) -> list[ChannelInfo]:
        c = s.channels.c

        def run() -> list[ChannelInfo]:
            with s.db_errors(), self._t.reader.connect() as conn:
                rows = conn.execute(select(s.channels).where(c.qmgr == self.queue_manager)
                                    .order_by(c.name)).all()
            return [ChannelInfo(name=r.name, type=r.type, status=r.status, xmitq=r.xmitq,
                                partner=r.partner, detail=r.last_error) for r in rows]

        return call_idempotent(run)

    def close(self) -> None:
        """Release the connections of the underlying transport."""
        self._t.close()

    def start_channel(self, name: str) -> None:
        """STOPPED -> running again. A sender is RUNNING until idle for its disconnect interval;
        a receiver waits INACTIVE for its sender."""
        row = self._channel(name)
        status = "RUNNING" if row.type == "sender" else "INACTIVE"
        self._set(name, status=status, last_activity=self._t.clock(), last_error="")

    def stop_channel(self, name: str) -> None:
        self._channel(name)
        self._set(name, status="STOPPED", last_error="stopped by operator")

    def _channel(self, name: str):  # type: ignore[no-untyped-def]
        c = s.channels.c
        with s.db_errors(), self._t.reader.connect() as conn:
            row = conn.execute(select(s.channels).where(
                c.qmgr == self.queue_manager, c.name == name)).first()
        if row is None:
            raise ChannelNotFound(f"{self.queue_manager}: channel {name} is not defined")
        return row

    def _set(self, name: str, **values: object) -> None:
        c = s.channels.c

        def run() -> None:
            with s.db_errors(), self._t.engine.begin() as conn:
                conn.execute(update(s.channels).where(
                    c.qmgr == self.queue_manager, c.name == name).values(**values))

        call_idempotent(run)
