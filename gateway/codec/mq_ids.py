"""MQMD identifiers derived from HEAD (ets-interface §2.2).

The transport owns the MQMD; these helpers keep the byte layout in one place so the gateway,
the simulator and the test client build identical descriptors.
"""

from __future__ import annotations

import re

#: ``CorrelId`` of every message that answers nothing: "REQ" and 21 NUL bytes.
REQ_CORREL_ID: bytes = b"REQ" + b"\x00" * 21

#: Replies: their ``CorrelId`` is the ``MsgId`` of the message they answer.
REPLY_MSG_NOS: frozenset[str] = frozenset(
    {"9115", "9120", "9121", "9122", "2001", "2021", "1009", "9004", "2102", "2123"}
)

#: ``CodedCharSetId`` of the MQMD is in :mod:`gateway.codec.charsets`; ``Format`` is this.
MQFMT_STRING: bytes = b"MQSTR   "

_MSG_ID = re.compile(r"[0-9]{20}")


def msg_id_to_mqmd(msg_id: str) -> bytes:
    """The 24-byte MQMD ``MsgId``: the 20 ASCII digits of HEAD ``MsgID`` and 4 NUL bytes."""
    if not isinstance(msg_id, str) or not _MSG_ID.fullmatch(msg_id):
        raise ValueError(f"MsgID must be 20 ASCII digits: {msg_id!r}")
    return msg_id.encode("ascii") + b"\x00" * 4


def mqmd_to_msg_id(mqmd_id: bytes) -> str | None:
    """HEAD ``MsgID`` of an MQMD ``MsgId`` built by :func:`msg_id_to_mqmd`, else None."""
    if len(mqmd_id) != 24 or mqmd_id[20:] != b"\x00" * 4:
        return None
    text = mqmd_id[:20].decode("ascii", errors="replace")
    return text if _MSG_ID.fullmatch(text) else None


def is_reply(msg_no: str) -> bool:
    """Whether ``msg_no`` answers another message (its CorrelId names that message)."""
    return msg_no in REPLY_MSG_NOS


def correl_id_for(msg_no: str, answered_msg_id: str | None = None) -> bytes:
    """The ``CorrelId`` to put with a message: the answered ``MsgId`` for a reply, else REQ."""
    if msg_no in REPLY_MSG_NOS:
        if answered_msg_id is None:
            raise ValueError(f"{msg_no} is a reply: the MsgID of the answered message is needed")
        return msg_id_to_mqmd(answered_msg_id)
    return REQ_CORREL_ID
