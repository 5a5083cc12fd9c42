"""What can still be read of a message that is refused (ets-interface §3.1 rule 8).

HEAD is *readable* when SRC, DES, MsgNo and MsgID are present and well-formed; then the
receiver answers 92004 if the message is of a kind that is answered. These helpers collect the
HEAD texts from a parsed tree or, when the bytes do not even parse (truncated, wrong encoding),
from a bounded scan of the raw bytes; the three wire encodings are ASCII-compatible and none
uses ``<`` or ``>`` inside a multi-byte character, so tags are found reliably.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from lxml import etree

from gateway.codec.errors import MessageRejected
from gateway.codec.head import Head

_FORMATS = {
    "SRC": re.compile(r"[0-9]{12}"),
    "DES": re.compile(r"[0-9]{12}"),
    "MsgNo": re.compile(r"[0-9]{4}"),
    "MsgID": re.compile(r"[0-9]{20}"),
    "MsgRef": re.compile(r"[0-9]{20}"),
    "WorkDate": re.compile(r"(19|20)[0-9]{6}"),
}
_SCAN_LIMIT = 64 * 1024
_HEAD_BLOCK = re.compile(rb"<HEAD[ \t\r\n]*>(.*?)</HEAD[ \t\r\n]*>", re.S)
_HEAD_FIELD = re.compile(rb"<(VER|SRC|DES|APP|MsgNo|MsgID|MsgRef|WorkDate)[ \t\r\n]*>([ -;=?-~]*)</\1[ \t\r\n]*>")
_MSG_NO = re.compile(r"<MsgNo>([0-9]{4})</MsgNo>")


def scan_msg_no(text: str) -> str | None:
    """The MsgNo as it appears near the top of a decoded document (a hint, not a fact)."""
    match = _MSG_NO.search(text, 0, 4096)
    return match.group(1) if match else None


def head_texts_from_tree(root: etree._Element) -> dict[str, str]:
    """HEAD child texts of a parsed document (first occurrence of each)."""
    texts: dict[str, str] = {}
    head = root.find("HEAD") if root.tag == "CFX" else None
    if head is not None:
        for child in head:
            if isinstance(child.tag, str) and child.text is not None and len(child) == 0:
                texts.setdefault(child.tag, child.text)
    return texts


def head_texts_from_bytes(data: bytes) -> dict[str, str]:
    """HEAD child texts found by scanning the first bytes of an unparseable document.
    A document that carries a DOCTYPE has no readable HEAD, whatever else is wrong with it."""
    if b"<!DOCTYPE" in data[:_SCAN_LIMIT]:
        return {}
    block = _HEAD_BLOCK.search(data, 0, _SCAN_LIMIT)
    texts: dict[str, str] = {}
    if block:
        for tag, value in _HEAD_FIELD.findall(block.group(1)):
            texts.setdefault(tag.decode("ascii"), value.decode("ascii"))
    return texts


def body_texts_from_tree(root: etree._Element) -> dict[str, str]:
    """Leaf texts of the first body block, for the ``Ori*`` values of an error answer."""
    msg = root.find("MSG") if root.tag == "CFX" else None
    block = msg[0] if msg is not None and len(msg) else None
    if block is None:
        return {}
    return {
        c.tag: c.text for c in block if isinstance(c.tag, str) and c.text is not None and len(c) == 0
    }


def well_formed(texts: Mapping[str, str], name: str) -> str | None:
    """The text of HEAD field ``name`` if present and well-formed."""
    value = texts.get(name)
    return value if value is not None and _FORMATS[name].fullmatch(value) else None


def head_from_texts(texts: Mapping[str, str]) -> Head | None:
    """A full Head when the key fields, MsgRef and WorkDate are all well-formed."""
    keys = [well_formed(texts, n) for n in ("SRC", "DES", "MsgNo", "MsgID", "MsgRef", "WorkDate")]
    if None in keys:
        return None
    src, des, msg_no, msg_id, msg_ref, work = keys
    try:
        work_date = date(int(work[0:4]), int(work[4:6]), int(work[6:8]))  # type: ignore[index]
    except ValueError:
        return None
    return Head(
        ver=texts.get("VER", ""), src=src, des=des, app=texts.get("APP", ""),  # type: ignore[arg-type]
        msg_no=msg_no, msg_id=msg_id, msg_ref=msg_ref, work_date=work_date,  # type: ignore[arg-type]
        reserve=texts.get("Reserve"),
    )


def rejection(
    code: str,
    reason: str,
    texts: Mapping[str, str] | None = None,
    body_texts: Mapping[str, str] | None = None,
    too_large: bool = False,
) -> MessageRejected:
    """A MessageRejected carrying whatever of HEAD is readable in ``texts``."""
    texts = texts or {}
    return MessageRejected(
        code,
        reason,
        msg_no=well_formed(texts, "MsgNo"),
        msg_id=well_formed(texts, "MsgID"),
        src=well_formed(texts, "SRC"),
        des=well_formed(texts, "DES"),
        head=None if too_large else head_from_texts(texts),
        too_large=too_large,
        body_texts=body_texts,
    )
