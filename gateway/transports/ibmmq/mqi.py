"""Pure MQI helpers of the IBM MQ transport: MQMD/MQGMO/MQPMO per ets-interface §2.2, client
connection options, reason codes to transport errors, MQMD to :class:`Envelope`.

Each takes IBM's module object as an argument (``ibmmq`` or ``pymqi``, loaded by
:func:`gateway.transports.ibmmq.transport.load_mq_module`); nothing here imports it, so the unit tests pass
a Fake module.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType
from typing import Any, Protocol

from gateway.transports.base import (ConnectionBroken, Envelope, QueueFull, QueueNotFound,
                                     TransportError, check_id)

MQRC_NO_MSG_AVAILABLE = 2033


class IbmMqOptions(Protocol):
    """The client-connection settings this adapter reads (the ``[ibmmq]`` section); the adapter
    is handed its own section, never the whole configuration."""

    host: str
    port: int
    channel: str
    cipher_spec: str
    key_repository: str
    user: str
    password: str
    reconnect: bool
    ccsid: int
    convert: bool
#: The connection or the queue manager went away: the unit of work is lost, retrying can help.
CONNECTION_BROKEN_REASONS = frozenset({
    2003,  # MQRC_BACKED_OUT (unit of work backed out, e.g. across a reconnect)
    2009,  # MQRC_CONNECTION_BROKEN
    2018,  # MQRC_HCONN_ERROR
    2019,  # MQRC_HOBJ_ERROR
    2025,  # MQRC_MAX_CONNS_LIMIT_REACHED
    2059,  # MQRC_Q_MGR_NOT_AVAILABLE
    2102,  # MQRC_RESOURCE_PROBLEM
    2161,  # MQRC_Q_MGR_QUIESCING
    2162,  # MQRC_Q_MGR_STOPPING
    2202,  # MQRC_CONNECTION_QUIESCING
    2203,  # MQRC_CONNECTION_STOPPING
    2223,  # MQRC_Q_MGR_NOT_ACTIVE
    2537,  # MQRC_CHANNEL_NOT_AVAILABLE
    2538,  # MQRC_HOST_NOT_AVAILABLE
    2548,  # MQRC_RECONNECT_FAILED
})
QUEUE_NOT_FOUND_REASONS = frozenset({2085, 2082})  # UNKNOWN_OBJECT_NAME, UNKNOWN_ALIAS_BASE_Q
QUEUE_FULL_REASONS = frozenset({2053})  # MQRC_Q_FULL


def map_error(err: Exception, what: str = "") -> TransportError:
    """The transport error for an MQMIError (by its reason code)."""
    reason = getattr(err, "reason", None)
    text = f"{what}: {err}" if what else str(err)
    if reason in CONNECTION_BROKEN_REASONS:
        return ConnectionBroken(text, reason)
    if reason in QUEUE_NOT_FOUND_REASONS:
        return QueueNotFound(text, reason)
    if reason in QUEUE_FULL_REASONS:
        return QueueFull(text, reason)
    return TransportError(text, reason)


def put_md(mq: ModuleType, *, msg_id: bytes, correl_id: bytes, ccsid: int,
           reply_to: str = "") -> Any:
    """The MQMD of ets-interface §2.2."""
    c = mq.CMQC
    md = mq.MD()
    md.MsgType = c.MQMT_DATAGRAM
    md.MsgId = check_id("msg_id", msg_id)
    md.CorrelId = check_id("correl_id", correl_id)
    md.Format = c.MQFMT_STRING
    md.CodedCharSetId = ccsid
    md.Persistence = c.MQPER_PERSISTENT
    md.Expiry = c.MQEI_UNLIMITED
    md.ReplyToQ = reply_to.encode("ascii")
    return md


def put_pmo(mq: ModuleType) -> Any:
    """Under syncpoint; MsgId and CorrelId as given (no MQPMO_NEW_MSG_ID)."""
    c = mq.CMQC
    pmo = mq.PMO()
    pmo.Options = c.MQPMO_SYNCPOINT | c.MQPMO_FAIL_IF_QUIESCING
    return pmo


def get_md(mq: ModuleType, correl_id: bytes | None = None) -> Any:
    """A fresh MQMD for every get (a reused one would match the previous MsgId)."""
    md = mq.MD()
    if correl_id is not None:
        md.CorrelId = check_id("correl_id", correl_id)
    return md


def get_gmo(mq: ModuleType, *, wait_s: float, correl_id: bytes | None,
            convert: bool = False) -> Any:
    c = mq.CMQC
    gmo = mq.GMO()
    gmo.Version = c.MQGMO_VERSION_2  # MatchOptions needs version 2
    options = c.MQGMO_SYNCPOINT | c.MQGMO_FAIL_IF_QUIESCING
    if wait_s > 0:
        options |= c.MQGMO_WAIT
        gmo.WaitInterval = int(wait_s * 1000)
    else:
        options |= c.MQGMO_NO_WAIT
    if convert:
        options |= c.MQGMO_CONVERT
    gmo.Options = options
    gmo.MatchOptions = c.MQMO_MATCH_CORREL_ID if correl_id is not None else c.MQMO_NONE
    return gmo


def browse_gmo(mq: ModuleType, first: bool) -> Any:
    c = mq.CMQC
    gmo = mq.GMO()
    gmo.Version = c.MQGMO_VERSION_2
    gmo.Options = ((c.MQGMO_BROWSE_FIRST if first else c.MQGMO_BROWSE_NEXT)
                   | c.MQGMO_NO_WAIT | c.MQGMO_FAIL_IF_QUIESCING)
    gmo.MatchOptions = c.MQMO_NONE
    return gmo


def connect_options(mq: ModuleType, s: IbmMqOptions) -> dict[str, Any]:
    """Keyword arguments for ``QueueManager.connect_with_options`` (client binding)."""
    c, x = mq.CMQC, mq.CMQXC
    cd = mq.CD()
    cd.ChannelName = s.channel.encode("ascii")
    cd.ConnectionName = f"{s.host}({s.port})".encode("ascii")
    cd.ChannelType = x.MQCHT_CLNTCONN
    cd.TransportType = x.MQXPT_TCP
    opts = getattr(c, "MQCNO_CLIENT_BINDING", 0)
    if s.reconnect:
        opts |= c.MQCNO_RECONNECT
    kwargs: dict[str, Any] = {"cd": cd, "opts": opts}
    if s.cipher_spec:
        cd.SSLCipherSpec = s.cipher_spec.encode("ascii")
        sco = mq.SCO()
        sco.KeyRepository = s.key_repository.encode("ascii")
        kwargs["sco"] = sco
    if s.user:
        if hasattr(mq, "CSP"):
            csp = mq.CSP()
            csp.CSPUserId = s.user
            csp.CSPPassword = s.password
            kwargs["csp"] = csp
        else:  # pymqi builds the MQCSP itself
            kwargs["user"], kwargs["password"] = s.user, s.password
    return kwargs


def text(value: Any) -> str:
    """An MQCHAR field as text without padding."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).rstrip("\0 ").strip()


def put_time(md: Any) -> dt.datetime:
    """MQMD PutDate/PutTime (GMT, yyyyMMdd + HHmmssth) as an aware datetime."""
    try:
        stamp = text(md.PutDate) + text(md.PutTime)[:6]
        hundredths = int(text(md.PutTime)[6:8] or 0)
        value = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")
        return value.replace(microsecond=hundredths * 10000, tzinfo=dt.timezone.utc)
    except (AttributeError, ValueError):
        return dt.datetime.now(dt.timezone.utc)


def envelope(md: Any, body: bytes, queue: str) -> Envelope:
    return Envelope(body=body, msg_id=bytes(md.MsgId), correl_id=bytes(md.CorrelId),
                    ccsid=int(md.CodedCharSetId), queue=queue, put_time=put_time(md),
                    format=text(md.Format), reply_to=text(md.ReplyToQ),
                    backout_count=int(md.BackoutCount))
