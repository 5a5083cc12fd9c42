"""The transport contract: what the gateway needs from a queue manager, whatever carries it.

Two adapters implement it: :mod:`gateway.transports.embedded` (queues in a SQL database, the
single-machine default) and :mod:`gateway.transports.ibmmq` (IBM MQ, production). The contract
tests in ``tests/integration/transport`` run against both.

Semantics follow IBM MQ (ets-interface §2): every get and put happens under syncpoint and takes
effect on :meth:`TransportSession.commit`; :meth:`TransportSession.backout` returns gotten messages
to their queue with the backout count raised by one, and moves a message whose count has reached
the queue's backout threshold to its backout queue (the dead-letter queue when it has none).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import ContextManager, Literal, Protocol, runtime_checkable

MSG_ID_LENGTH = 24
#: CorrelId of every message that is not a reply (ets-interface §2.2): ``REQ`` + 21 NUL bytes.
REQUEST_CORREL_ID = b"REQ" + b"\0" * 21
#: MQFMT_STRING as a readable name; the wire value is ``MQSTR`` padded with blanks to 8 bytes.
FORMAT_STRING = "MQSTR"
#: CodedCharSetId per wire encoding (ets-interface §2.2).
CCSID_BY_ENCODING = {"GBK": 1386, "GB18030": 5488, "UTF-8": 1208}

QueueType = Literal["local", "remote", "transmission"]
ChannelType = Literal["sender", "receiver", "svrconn"]
ChannelStatus = Literal["RUNNING", "INACTIVE", "RETRYING", "STOPPED"]
CHANNEL_STATUSES: tuple[ChannelStatus, ...] = ("RUNNING", "INACTIVE", "RETRYING", "STOPPED")


class TransportError(Exception):
    """A queue-manager call failed. ``reason`` is the MQ reason code when one applies."""

    retryable = False

    def __init__(self, message: str, reason: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class QueueNotFound(TransportError):
    """The named queue is not defined on this queue manager (MQRC_UNKNOWN_OBJECT_NAME 2085)."""


class QueueFull(TransportError):
    """The queue holds its maximum depth of messages (MQRC_Q_FULL 2053)."""


class ChannelNotFound(TransportError):
    """The named channel is not defined on this queue manager."""


class ConnectionBroken(TransportError):
    """The queue manager cannot be reached now; the unit of work is lost. Worth a retry."""

    retryable = True


@dataclass(frozen=True)
class Envelope:
    """One message as gotten or browsed: the MQMD fields the interface uses, and the body bytes.

    ``reason`` is the MQ reason code for which a message was dead-lettered, 0 otherwise.
    """

    body: bytes
    msg_id: bytes
    correl_id: bytes
    ccsid: int
    queue: str
    put_time: dt.datetime
    format: str = FORMAT_STRING
    reply_to: str = ""
    backout_count: int = 0
    reason: int = 0


@dataclass(frozen=True)
class QueueInfo:
    """A queue as the monitor sees it. Depth counts committed messages only."""

    name: str
    type: QueueType
    depth: int
    max_depth: int
    backout_queue: str = ""
    backout_threshold: int = 0


@dataclass(frozen=True)
class ChannelInfo:
    """A message channel and its current status. ``partner`` is the remote queue manager or
    connection name; ``detail`` is the adapter's own status text (e.g. the MQ status name)."""

    name: str
    type: ChannelType
    status: ChannelStatus
    xmitq: str = ""
    partner: str = ""
    detail: str = ""


class TransportSession(Protocol):
    """One unit of work on one queue manager. Not shared between threads."""

    def put(self, queue: str, body: bytes, *, msg_id: bytes, correl_id: bytes, ccsid: int,
            reply_to: str = "") -> None:
        """Put one persistent datagram under syncpoint; visible to others after commit()."""

    def get(self, queue: str, *, wait_s: float = 0.0,
            correl_id: bytes | None = None) -> Envelope | None:
        """Get the oldest message (matching ``correl_id`` if given) under syncpoint, waiting up to
        ``wait_s`` seconds; None when there is none."""

    def browse(self, queue: str, limit: int = 100) -> list[Envelope]:
        """Up to ``limit`` committed messages in queue order, without removing them."""

    def commit(self) -> None:
        """Make the gets and puts since the last commit or backout permanent."""

    def backout(self) -> None:
        """Undo the puts; return gotten messages to their queue with their backout count raised
        (moved to the backout or dead-letter queue once it reaches the threshold)."""


@runtime_checkable
class Transport(Protocol):
    """A connection factory for one queue manager."""

    queue_manager: str

    def session(self) -> ContextManager[TransportSession]:
        """A unit of work. Leaving the block without commit() backs out."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class QueueAdmin(Protocol):
    """What the monitor and ``etsgw queue``/``etsgw channel`` read and do."""

    def queues(self) -> list[QueueInfo]:
        """Local, transmission and remote queues of interest, by name."""

    def channels(self) -> list[ChannelInfo]:
        """Sender, receiver and server-connection channels, by name."""

    def start_channel(self, name: str) -> None:
        """Start a channel (the only way out of STOPPED)."""

    def stop_channel(self, name: str) -> None:
        """Stop a channel: nothing moves until it is started again."""


def msg_id_from_digits(digits: str) -> bytes:
    """The MQMD MsgId of a HEAD MsgID: its 20 ASCII digits and 4 NULs (ets-interface §2.2)."""
    if not (len(digits) == 20 and digits.isascii() and digits.isdigit()):
        raise ValueError(f"a MsgID has exactly 20 digits, got {digits!r}")
    return digits.encode("ascii") + b"\0" * 4


def check_id(name: str, value: bytes) -> bytes:
    """Reject a MsgId/CorrelId that is not exactly 24 bytes (MQBYTE24)."""
    if not isinstance(value, (bytes, bytearray)) or len(value) != MSG_ID_LENGTH:
        raise ValueError(f"{name} must be {MSG_ID_LENGTH} bytes, got {value!r}")
    return bytes(value)


_DIGITS_ID = re.compile(rb"(\d{20})\0{4}")


def describe_id(value: bytes) -> str:
    """A readable form of a MsgId/CorrelId: the 20 digits, ``REQ``, or hex."""
    if value == REQUEST_CORREL_ID:
        return "REQ"
    if _DIGITS_ID.fullmatch(value):
        return value[:20].decode("ascii")
    if not value.strip(b"\0"):
        return "NONE"
    return value.hex().upper()
