"""The outbox relay: puts committed outbox messages on the transport, oldest first.

With the embedded transport on the application database the put joins the relay's transaction,
so marking the row sent and the put commit together (exactly once). Otherwise (IBM MQ, or the
embedded store in another database) the put is committed first and the row marked after: a crash
in between re-puts the same MsgID, which the receiver de-duplicates (§2.3).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import structlog
from sqlalchemy import text

from gateway.codec.mq_ids import msg_id_to_mqmd
from gateway.runtime import faults

log = structlog.get_logger("gateway.relay")
_UNSENT = text("SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1")


class OutboxRelay:
    def __init__(self, uow_factory: Callable, transport, joined: bool,
                 clock: Callable[[], dt.datetime], batch: int = 200, reader=None,
                 batch_bytes: int = 16 * 1024 * 1024) -> None:
        # A batch is at most ``batch`` messages and ``batch_bytes`` of bodies (one message
        # always): 200 real-time messages are a few hundred KB, 200 packages up to 800 MB.
        self.uow_factory, self.transport, self.joined = uow_factory, transport, joined
        self.clock, self.batch, self.reader = clock, batch, reader
        self.batch_bytes = batch_bytes

    def _anything_unsent(self) -> bool:
        """A lock-free look first: an idle relay must not take the database's write lock."""
        if self.reader is None:
            return True
        with self.reader.connect() as conn:
            return conn.execute(_UNSENT).first() is not None

    def relay_once(self) -> int:
        """Relay up to one batch; returns how many messages were put."""
        if not self._anything_unsent():
            return 0
        with self.uow_factory() as uow:
            skip = uow.session.bind.dialect.name == "postgresql"
            pending = uow.outbox.unsent(self.batch, skip_locked=skip, max_bytes=self.batch_bytes)
            if not pending:
                return 0
            if self.joined:
                with self.transport.session(connection=uow.session.connection()) as t:
                    self._put_all(t, pending)
                    faults.point("relay.after_put")
                    uow.outbox.mark_sent([m.id for m in pending], self.clock())
                    uow.commit()
            else:
                with self.transport.session() as t:
                    self._put_all(t, pending)
                    faults.point("relay.after_put")
                    t.commit()
                faults.point("relay.after_transport_commit")
                uow.outbox.mark_sent([m.id for m in pending], self.clock())
                uow.commit()
        for m in pending:
            log.info("message sent", msg_id=m.msg_id, msg_no=m.msg_no, queue=m.queue,
                     business_key=m.business_key)
        return len(pending)

    @staticmethod
    def _put_all(t, pending) -> None:
        for m in pending:
            t.put(m.queue, m.body, msg_id=msg_id_to_mqmd(m.msg_id), correl_id=m.correl_id,
                  ccsid=m.ccsid)
