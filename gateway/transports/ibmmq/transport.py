"""IBM MQ transport, the production path (ets-interface §2).

IBM's ``ibmmq`` package (or its predecessor ``pymqi``) is imported lazily, here only, and only
when this transport is selected. The module object is passed to the pure helpers of
:mod:`gateway.transports.ibmmq.mqi` and can be injected (``mq=``), so the unit tests use a Fake.

- Client connection: channel, ``host(port)``, TLS cipher spec in the MQCD and key repository in
  the MQSCO, user and password in the MQCSP, automatic client reconnect (MQCNO_RECONNECT).
- One connection per thread (MQ handles and units of work belong to a connection).
- Every put and get is under syncpoint; MQMD per §2.2 (datagram, MQSTR, persistent, unlimited
  expiry, blank ReplyToQ); a fresh MQMD for every get; match by CorrelId on request; no
  MQGMO_CONVERT unless asked for (§2.2 forbids it).
- Backout threshold handled by the application, as MQ expects: BOTHRESH/BOQNAME are inquired
  when the queue is opened; a message whose BackoutCount has reached the threshold is put to the
  backout queue (else the dead-letter queue) in the same unit of work and the next one is gotten.
- Reason codes become :mod:`gateway.transports.base` errors; connects and inquiries retry.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from types import ModuleType
from typing import Any, Iterator

from gateway.transports.base import ConnectionBroken, Envelope, TransportError
from gateway.transports.ibmmq.mqi import (IbmMqOptions, MQRC_NO_MSG_AVAILABLE, browse_gmo, connect_options,
                                          envelope, get_gmo, get_md, map_error, put_md, put_pmo,
                                          text)
from gateway.transports.retry import call_idempotent

log = logging.getLogger(__name__)


def load_mq_module() -> ModuleType:
    """IBM's ``ibmmq`` package, else ``pymqi``; imported on first use only."""
    try:
        import ibmmq  # type: ignore[import-not-found]
        return ibmmq
    except ImportError:
        pass
    try:
        import pymqi  # type: ignore[import-not-found]
        return pymqi
    except ImportError:
        raise TransportError("transport.kind = ibmmq needs the IBM MQ client library: "
                             "pip install 'ets-gateway[ibmmq]' and the MQ redistributable client"
                             ) from None


class IbmMqTransport:
    """IBM MQ client transport for one queue manager. One connection per thread."""

    def __init__(self, section: IbmMqOptions, *, queue_manager: str,
                 mq: ModuleType | None = None, convert: bool | None = None,
                 retry_policy: Any = None) -> None:
        self.section = section
        self.retry_policy = retry_policy  # None = the default of transports.retry
        self.queue_manager = queue_manager
        self.mq = mq or load_mq_module()
        self.convert = section.convert if convert is None else convert
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[Any] = []  # of all threads, for close()

    @contextlib.contextmanager
    def session(self) -> Iterator["IbmMqSession"]:
        if getattr(self._local, "active", False):
            raise TransportError("one IBM MQ session per thread at a time (one unit of work)")
        self._local.active = True
        sess = IbmMqSession(self)
        try:
            yield sess
        finally:
            self._local.active = False
            sess.close()

    def close(self) -> None:
        """Disconnect every thread's connection (best effort)."""
        self.drop()
        with self._lock:
            others, self._connections = self._connections, []
        for qm in others:
            with contextlib.suppress(Exception):
                qm.disconnect()

    def qmgr(self) -> Any:
        """This thread's connection, connecting (with retries) when there is none."""
        qm = getattr(self._local, "qmgr", None)
        if qm is None:
            qm = call_idempotent(self._connect, self.retry_policy)
            self._local.qmgr, self._local.queues = qm, {}
            with self._lock:
                self._connections.append(qm)
        return qm

    def _connect(self) -> Any:
        qm = self.mq.QueueManager(None)
        try:
            qm.connect_with_options(self.queue_manager, **connect_options(self.mq, self.section))
        except self.mq.MQMIError as err:
            raise map_error(err, f"connect to {self.queue_manager}") from err
        return qm

    def drop(self) -> None:
        """Forget this thread's connection (after it broke, or on close)."""
        qm, self._local.qmgr, self._local.queues = getattr(self._local, "qmgr", None), None, {}
        if qm is not None:
            with self._lock:
                if qm in self._connections:
                    self._connections.remove(qm)
            with contextlib.suppress(Exception):
                qm.disconnect()

    def queue(self, name: str, purpose: str) -> "OpenQueue":
        """A cached open handle: purpose 'input' (with inquire) or 'output'."""
        self.qmgr()
        key = (name, purpose)
        if key not in self._local.queues:
            self._local.queues[key] = OpenQueue(self, name, purpose)
        return self._local.queues[key]

    def dead_letter_queue(self) -> str:
        try:
            return text(self.qmgr().inquire(self.mq.CMQC.MQCA_DEAD_LETTER_Q_NAME))
        except self.mq.MQMIError as err:
            raise map_error(err, "inquire dead-letter queue") from err


class OpenQueue:
    """An open queue handle and, for input, its backout threshold and backout queue."""

    def __init__(self, transport: IbmMqTransport, name: str, purpose: str) -> None:
        mq, c = transport.mq, transport.mq.CMQC
        self.name = name
        self.backout_threshold, self.backout_queue = 0, ""
        opts = c.MQOO_FAIL_IF_QUIESCING | (
            c.MQOO_INPUT_AS_Q_DEF | c.MQOO_INQUIRE if purpose == "input" else c.MQOO_OUTPUT)
        try:
            self.handle = mq.Queue(transport.qmgr(), name, opts)
            if purpose == "input":
                self.backout_threshold = int(self.handle.inquire(c.MQIA_BACKOUT_THRESHOLD))
                self.backout_queue = text(self.handle.inquire(c.MQCA_BACKOUT_REQ_Q_NAME))
        except mq.MQMIError as err:
            raise map_error(err, f"open {name}") from err


class IbmMqSession:
    """A unit of work on this thread's connection (see :class:`TransportSession`)."""

    def __init__(self, transport: IbmMqTransport) -> None:
        self._t = transport
        self._pending = False

    def put(self, queue: str, body: bytes, *, msg_id: bytes, correl_id: bytes, ccsid: int,
            reply_to: str = "") -> None:
        md = put_md(self._t.mq, msg_id=msg_id, correl_id=correl_id, ccsid=ccsid,
                    reply_to=reply_to)
        with self._calls(f"put to {queue}"):
            self._t.queue(queue, "output").handle.put(bytes(body), md, put_pmo(self._t.mq))
            self._pending = True

    def get(self, queue: str, *, wait_s: float = 0.0,
            correl_id: bytes | None = None) -> Envelope | None:
        mq = self._t.mq
        deadline = time.monotonic() + max(wait_s, 0.0)
        with self._calls(f"get from {queue}"):
            q = self._t.queue(queue, "input")
            while True:
                md = get_md(mq, correl_id)
                gmo = get_gmo(mq, wait_s=max(deadline - time.monotonic(), 0.0),
                              correl_id=correl_id, convert=self._t.convert)
                try:
                    body = q.handle.get(None, md, gmo)
                except mq.MQMIError as err:
                    if getattr(err, "reason", None) == MQRC_NO_MSG_AVAILABLE:
                        return None
                    raise
                env = envelope(md, body, queue)
                if q.backout_threshold > 0 and env.backout_count >= q.backout_threshold:
                    if self._requeue(q, body, md):
                        continue
                self._pending = True
                return env

    def browse(self, queue: str, limit: int = 100) -> list[Envelope]:
        mq, c = self._t.mq, self._t.mq.CMQC
        found: list[Envelope] = []
        with self._calls(f"browse {queue}"):
            handle = mq.Queue(self._t.qmgr(), queue, c.MQOO_BROWSE | c.MQOO_FAIL_IF_QUIESCING)
            try:
                while len(found) < limit:
                    md = get_md(mq)
                    try:
                        body = handle.get(None, md, browse_gmo(mq, first=not found))
                    except mq.MQMIError as err:
                        if getattr(err, "reason", None) == MQRC_NO_MSG_AVAILABLE:
                            break
                        raise
                    found.append(envelope(md, body, queue))
            finally:
                with contextlib.suppress(Exception):
                    handle.close()
        return found

    def commit(self) -> None:
        with self._calls("commit"):
            self._t.qmgr().commit()
        self._pending = False

    def backout(self) -> None:
        with self._calls("backout"):
            self._t.qmgr().backout()
        self._pending = False

    def close(self) -> None:
        if self._pending:
            with contextlib.suppress(TransportError):
                self.backout()

    def _requeue(self, q: OpenQueue, body: bytes, md: Any) -> bool:
        """Move a message past its backout threshold to the backout queue, else (none, or it
        refuses) the dead-letter queue; False when neither takes it: it is then delivered."""
        mq = self._t.mq
        for target in dict.fromkeys((q.backout_queue, self._t.dead_letter_queue())):
            if not target:
                continue
            try:
                self._t.qmgr().put1(target, body, md, put_pmo(mq))
            except mq.MQMIError as err:
                if isinstance(map_error(err), ConnectionBroken):
                    raise
                log.error("%s: cannot move a message to %s: %s", q.name, target, err)
                continue
            log.warning("%s: message moved to %s after %d backouts", q.name, target,
                        md.BackoutCount)
            if not self._pending:  # nothing else in this unit of work: make it final now
                self._t.qmgr().commit()
            return True
        log.error("%s: message over its backout threshold and nowhere to move it", q.name)
        return False

    @contextlib.contextmanager
    def _calls(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._t.mq.MQMIError as err:
            mapped = map_error(err, what)
            if isinstance(mapped, ConnectionBroken):
                self._pending = False
                self._t.drop()
            raise mapped from err

