"""What can still be read of a message that is refused (ets-interface §3.1 rule 8).

HEAD is *readable* when SRC, DES, MsgNo and MsgID are present and well-formed; then the
receiver answers 92004 if the message is of a kind that is answered. These helpers collect the
HEAD texts from a parsed tree or, when the bytes do not even parse (truncated, wrong encoding),
from a bounded scan of the raw bytes; the three wire encodings are ASCII-compatible and none
uses ``<`` or ``>`` inside a multi-byte character, so tags are found reliably. (A document that
does not parse is not answered, §11 row 3.1; its scanned HEAD serves the error store and log.)

The body texts an answer copies its ``Ori*`` values from come from the message's *key block*,
the first block of its layout (BatchHead1102, DeclareQuery2091, ...), found by name wherever
it stands under MSG: behind an unknown element, out of order, or wrapped in an unknown element
(§11 row 3.1, "wherever the value stands in the message").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from lxml import etree

from gateway.codec.errors import MessageRejected
from gateway.codec.head import Head
from gateway.codec.layout import Kind, layout_of
from gateway.codec.messages import BODY_CLASSES

_FORMATS = {
    "SRC": re.compile(r"[0-9]{12}"),
    "DES": re.compile(r"[0-9]{12}"),
    "MsgNo": re.compile(r"[0-9]{4}"),
    "MsgID": re.compile(r"[0-9]{20}"),
    "MsgRef": re.compile(r"[0-9]{20}"),
    "WorkDate": re.compile(r"(19|20)[0-9]{6}"),
}
_SCAN_LIMIT = 64 * 1024
_HEAD_BLOCK = re.compile(rb"<HEAD[ \t\r\n]*>(.*?)</HEAD[ \t\r\n]*>", re.DOTALL)
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


def key_block_tag(msg_no: str | None) -> str | None:
    """Element name of the first body block of ``msg_no`` (None for an unknown MsgNo)."""
    body_cls = BODY_CLASSES.get(msg_no or "")
    return layout_of(body_cls).slots[0].tag if body_cls is not None else None


def body_texts_from_tree(root: etree._Element, msg_no: str | None = None) -> dict[str, str]:
    """Leaf texts of the key block of ``msg_no``, for the ``Ori*`` values of an error answer.

    The block is looked for by name: among MSG's children first, then anywhere below MSG.
    Without it (its name is misspelt, or MsgNo is unknown) the first child of MSG that is a
    block stands in, which is what a misnamed key block looks like; the caller checks every
    value's format before copying it. Direct leaves come first; leaves wrapped in an unknown
    element inside the block fill what is still missing. The first occurrence of a name wins.
    """
    msg = root.find("MSG") if root.tag == "CFX" else None
    if msg is None:
        return {}
    block = _key_block(msg, key_block_tag(msg_no))
    if block is None:
        return {}
    texts: dict[str, str] = {}
    for leaf in (*block, *block.iterdescendants()):
        if isinstance(leaf.tag, str) and leaf.text is not None and len(leaf) == 0:
            texts.setdefault(leaf.tag, leaf.text)
    return texts


def _key_block(msg: etree._Element, tag: str | None) -> etree._Element | None:
    if tag is not None:
        found = msg.find(tag)
        if found is None:
            found = next(msg.iterdescendants(tag), None)
        if found is not None:
            return found
    return next((c for c in msg if isinstance(c.tag, str) and len(c)), None)


def body_texts_from_message(body: Any) -> dict[str, str]:
    """The same texts from a decoded body (a streamed package refused after decoding, which
    has no tree): the key block's leaves, formatted as on the wire."""
    slots = layout_of(type(body)).slots
    block = getattr(body, slots[0].name, None) if slots else None
    if block is None or slots[0].kind is not Kind.BLOCK:
        return {}
    texts: dict[str, str] = {}
    for slot in layout_of(type(block)).slots:
        value = getattr(block, slot.name)
        if value is None or slot.kind in (Kind.BLOCK, Kind.BLOCKS):
            continue
        texts[slot.tag] = value.strftime("%Y%m%d") if slot.kind is Kind.DATE else str(value)
    return texts


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
    parsed: bool = True,
    add_words: tuple[str, ...] | None = None,
) -> MessageRejected:
    """A MessageRejected carrying whatever of HEAD is readable in ``texts``; ``parsed`` is
    False for a document that is not well-formed (MessageRejected.well_formed)."""
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
        well_formed=parsed,
        add_words=add_words,
    )
