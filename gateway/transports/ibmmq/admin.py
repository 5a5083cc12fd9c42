"""QueueAdmin over IBM MQ PCF: queue depths and channel status for the monitor, start/stop.

Needs on the queue manager: the command server, a model queue for the replies
(SYSTEM.DEFAULT.MODEL.QUEUE) and, for the client user, +inq/+dsp on the queues and channels and
+ctrl on the channels it starts and stops. The MQ module comes from
:func:`gateway.transports.ibmmq.transport.load_mq_module`; nothing here imports IBM's package.
"""

from __future__ import annotations

import contextlib
from types import ModuleType
from typing import Any, Callable

from gateway.transports.base import (ChannelInfo, ChannelNotFound, ConnectionBroken, QueueInfo,
                                     TransportError)
from gateway.transports.ibmmq.transport import IbmMqTransport
from gateway.transports.ibmmq.mqi import map_error, text
from gateway.transports.retry import call_idempotent

MQRCCF_CHANNEL_NOT_FOUND = 3047
MQRCCF_CHL_STATUS_NOT_FOUND = 3065  # no channel has status: all INACTIVE


class IbmMqQueueAdmin:
    """See :class:`gateway.transports.base.QueueAdmin`. SYSTEM.* objects are left out, except
    the dead-letter queue."""

    def __init__(self, transport: IbmMqTransport, *, dead_letter_queue: str = "") -> None:
        self._t = transport
        self.queue_manager = transport.queue_manager
        self.dead_letter_queue = dead_letter_queue

    def queues(self) -> list[QueueInfo]:
        c, f = self._t.mq.CMQC, self._t.mq.CMQCFC
        rows = self._pcf("MQCMD_INQUIRE_Q", {
            c.MQCA_Q_NAME: b"*", c.MQIA_Q_TYPE: c.MQQT_ALL,
            f.MQIACF_Q_ATTRS: [c.MQCA_Q_NAME, c.MQIA_Q_TYPE, c.MQIA_CURRENT_Q_DEPTH,
                               c.MQIA_MAX_Q_DEPTH, c.MQIA_USAGE, c.MQCA_BACKOUT_REQ_Q_NAME,
                               c.MQIA_BACKOUT_THRESHOLD]})
        return queue_infos(self._t.mq, rows, self.dead_letter_queue)

    def channels(self) -> list[ChannelInfo]:
        f = self._t.mq.CMQCFC
        definitions = self._pcf("MQCMD_INQUIRE_CHANNEL", {
            f.MQCACH_CHANNEL_NAME: b"*", f.MQIACF_CHANNEL_ATTRS: [f.MQIACF_ALL]})
        try:
            statuses = self._pcf("MQCMD_INQUIRE_CHANNEL_STATUS", {f.MQCACH_CHANNEL_NAME: b"*"})
        except TransportError as err:
            if err.reason != MQRCCF_CHL_STATUS_NOT_FOUND:
                raise
            statuses = []
        return channel_infos(self._t.mq, definitions, statuses)

    def close(self) -> None:
        """Release the connections of the underlying transport."""
        self._t.close()

    def start_channel(self, name: str) -> None:
        self._channel_command("MQCMD_START_CHANNEL", name)

    def stop_channel(self, name: str) -> None:
        self._channel_command("MQCMD_STOP_CHANNEL", name)

    def _channel_command(self, command: str, name: str) -> None:
        try:
            self._pcf(command, {self._t.mq.CMQCFC.MQCACH_CHANNEL_NAME: name.encode("ascii")})
        except TransportError as err:
            if err.reason == MQRCCF_CHANNEL_NOT_FOUND:
                raise ChannelNotFound(f"{self.queue_manager}: channel {name} is not defined",
                                      err.reason) from err
            raise

    def _pcf(self, command: str, args: dict[int, Any]) -> list[dict[int, Any]]:
        mq = self._t.mq

        def call() -> list[dict[int, Any]]:
            pcf = None
            try:
                pcf = mq.PCFExecute(self._t.qmgr())
                run: Callable[[dict[int, Any]], list[dict[int, Any]]] = getattr(pcf, command)
                return list(run(args))
            except mq.MQMIError as err:
                mapped = map_error(err, command)
                if isinstance(mapped, ConnectionBroken):
                    self._t.drop()
                raise mapped from err
            finally:
                if pcf is not None and hasattr(pcf, "disconnect"):
                    with contextlib.suppress(Exception):
                        pcf.disconnect()  # closes its reply queue, keeps our connection

        return call_idempotent(call, self._t.retry_policy)


def queue_infos(mq: ModuleType, rows: list[dict[int, Any]], dead_letter_queue: str = ""
                ) -> list[QueueInfo]:
    """QueueInfo from MQCMD_INQUIRE_Q replies: local (transmission by MQIA_USAGE) and remote."""
    c = mq.CMQC
    result = []
    for row in rows:
        name = text(row.get(c.MQCA_Q_NAME, b""))
        if name.startswith("SYSTEM.") and name != dead_letter_queue:
            continue
        qtype = row.get(c.MQIA_Q_TYPE)
        if qtype == c.MQQT_LOCAL:
            kind = "transmission" if row.get(c.MQIA_USAGE) == c.MQUS_TRANSMISSION else "local"
        elif qtype == c.MQQT_REMOTE:
            kind = "remote"
        else:
            continue
        result.append(QueueInfo(
            name=name, type=kind, depth=int(row.get(c.MQIA_CURRENT_Q_DEPTH, 0)),
            max_depth=int(row.get(c.MQIA_MAX_Q_DEPTH, 0)),
            backout_queue=text(row.get(c.MQCA_BACKOUT_REQ_Q_NAME, b"")),
            backout_threshold=int(row.get(c.MQIA_BACKOUT_THRESHOLD, 0))))
    return sorted(result, key=lambda q: q.name)


def channel_infos(mq: ModuleType, definitions: list[dict[int, Any]],
                  statuses: list[dict[int, Any]]) -> list[ChannelInfo]:
    """ChannelInfo from MQCMD_INQUIRE_CHANNEL and MQCMD_INQUIRE_CHANNEL_STATUS replies. A
    channel without a status row is INACTIVE; of several instances (SVRCONN) any running one
    makes it RUNNING."""
    f, x = mq.CMQCFC, mq.CMQXC
    kinds = {x.MQCHT_SENDER: "sender", x.MQCHT_RECEIVER: "receiver", x.MQCHT_SVRCONN: "svrconn"}
    by_name: dict[str, list[int]] = {}
    for row in statuses:
        by_name.setdefault(text(row.get(f.MQCACH_CHANNEL_NAME, b"")), []).append(
            row.get(f.MQIACH_CHANNEL_STATUS))
    result = []
    for row in definitions:
        name = text(row.get(f.MQCACH_CHANNEL_NAME, b""))
        kind = kinds.get(row.get(f.MQIACH_CHANNEL_TYPE))
        if kind is None or name.startswith("SYSTEM."):
            continue
        codes = by_name.get(name) or [None]
        code = f.MQCHS_RUNNING if f.MQCHS_RUNNING in codes else codes[0]
        status, detail = channel_status(mq, code)
        result.append(ChannelInfo(
            name=name, type=kind, status=status,  # type: ignore[arg-type]
            xmitq=text(row.get(f.MQCACH_XMIT_Q_NAME, b"")),
            partner=text(row.get(f.MQCACH_CONNECTION_NAME, b"")), detail=detail))
    return sorted(result, key=lambda ch: ch.name)


def channel_status(mq: ModuleType, code: int | None) -> tuple[str, str]:
    """(our status, MQ's status name) for an MQCHS_* value; None (no status) is INACTIVE.
    Transitional states (BINDING, STARTING, REQUESTING, PAUSED ...) are not moving messages
    yet: RETRYING, with MQ's name in the detail."""
    if code is None:
        return "INACTIVE", "INACTIVE"
    f = mq.CMQCFC
    names = {getattr(f, f"MQCHS_{n}", None): n for n in (
        "INACTIVE", "BINDING", "STARTING", "RUNNING", "STOPPING", "RETRYING", "STOPPED",
        "REQUESTING", "PAUSED", "DISCONNECTED", "INITIALIZING", "SWITCHING")}
    name = names.get(code, str(code))
    ours = {"RUNNING": "RUNNING", "STOPPED": "STOPPED", "STOPPING": "STOPPED",
            "INACTIVE": "INACTIVE", "DISCONNECTED": "INACTIVE"}.get(name, "RETRYING")
    return ours, name
