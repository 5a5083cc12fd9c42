"""HEAD of every message (ets-interface §3.2) and the envelope that pairs it with a body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Generic, TypeVar

BodyT = TypeVar("BodyT")


@dataclass(frozen=True, slots=True)
class Head:
    """The HEAD block. ``msg_ref`` equals ``msg_id`` on an originating message; on a reply it is
    the ``MsgID`` of the message answered. Serial-like fields are kept as the digit strings sent."""

    XML_TAG: ClassVar[str] = "HEAD"

    ver: str
    src: str
    des: str
    app: str
    msg_no: str
    msg_id: str
    msg_ref: str
    work_date: date
    reserve: str | None = None


@dataclass(frozen=True, slots=True)
class CfxMessage(Generic[BodyT]):
    """One wire message: the ``CFX`` root with its ``HEAD`` and ``MSG``.

    ``body`` is one of the ``Msg<MsgNo>`` classes of :mod:`gateway.codec.messages`; its
    ``MSG_NO`` must equal ``head.msg_no`` (the encoder refuses a mismatch).
    """

    head: Head
    body: BodyT


def reply_head(original: Head, msg_no: str, msg_id: str, work_date: date) -> Head:
    """HEAD of an answer to ``original``: nodes swapped, ``MsgRef`` = the original ``MsgID``.

    ``work_date`` is the answering side's current work date (§3.2: a re-sent stored answer
    carries the current work date, not the one of the first answer).
    """
    return Head(
        ver="1.0",
        src=original.des,
        des=original.src,
        app="ETS",
        msg_no=msg_no,
        msg_id=msg_id,
        msg_ref=original.msg_id,
        work_date=work_date,
    )


def originating_head(src: str, des: str, msg_no: str, msg_id: str, work_date: date) -> Head:
    """HEAD of a message that answers nothing: ``MsgRef`` = ``MsgID`` (§3.2)."""
    return Head(
        ver="1.0",
        src=src,
        des=des,
        app="ETS",
        msg_no=msg_no,
        msg_id=msg_id,
        msg_ref=msg_id,
        work_date=work_date,
    )
