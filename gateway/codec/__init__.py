"""ETS message codec: typed messages <-> XML bytes, hardened and validated (ets-interface §2-§6).

Usage::

    codec = Codec()                      # GBK, 4 MiB, validating, 3000 items per 1102
    data = codec.encode(message)         # bytes with <?xml version="1.0" encoding="GBK"?>
    message = codec.decode(data, ccsid=1386)

``decode`` raises :class:`MessageRejected` (code, reason, readable HEAD, ``answerable``);
``encode`` raises :class:`UnencodableCharacter` or :class:`InvalidOutgoingMessage`.
Message classes live in :mod:`gateway.codec.messages`; the interpretation of the interface
where it leaves room is in :mod:`gateway.codec.contract_choices`.
"""

from __future__ import annotations

from gateway.codec.charsets import CCSID_OF, ENCODING_OF_CCSID, GB18030, GBK, PYTHON_CODEC, UTF8
from gateway.codec.codec import Codec
from gateway.codec.errors import (
    EncodeError,
    InvalidOutgoingMessage,
    MessageRejected,
    UnencodableCharacter,
)
from gateway.codec.head import CfxMessage, Head, originating_head, reply_head
from gateway.codec.messages import BODY_CLASSES, Body
from gateway.codec.mq_ids import (
    REPLY_MSG_NOS,
    REQ_CORREL_ID,
    correl_id_for,
    is_reply,
    mqmd_to_msg_id,
    msg_id_to_mqmd,
)
from gateway.codec.routing import ANSWERED_WHEN_INVALID, CLASS_OF, NEVER_ANSWERED, invalid_answer_msg_no
from gateway.codec.schemas import DEFAULT_SCHEMA_DIR

__all__ = [
    "ANSWERED_WHEN_INVALID",
    "BODY_CLASSES",
    "Body",
    "CCSID_OF",
    "CLASS_OF",
    "CfxMessage",
    "Codec",
    "DEFAULT_SCHEMA_DIR",
    "ENCODING_OF_CCSID",
    "EncodeError",
    "GB18030",
    "GBK",
    "Head",
    "InvalidOutgoingMessage",
    "MessageRejected",
    "NEVER_ANSWERED",
    "PYTHON_CODEC",
    "REPLY_MSG_NOS",
    "REQ_CORREL_ID",
    "UTF8",
    "UnencodableCharacter",
    "correl_id_for",
    "invalid_answer_msg_no",
    "is_reply",
    "mqmd_to_msg_id",
    "msg_id_to_mqmd",
    "originating_head",
    "reply_head",
]
