"""Bytes -> message object, or a MessageRejected saying why not (ets-interface §3.1).

The checks run cheapest first and every message is parsed once: size, declaration and CCSID,
strict byte decoding, DOCTYPE, well-formedness, XSD (libxml2, on the tree just parsed),
building the objects, cross-field rules, then the 1102 item limit. Package messages are
validated while they stream (see :func:`_stream`); any failure there falls back to the tree
path, which produces the precise report.

A document that is not well-formed (including bytes invalid in the declared encoding) is
rejected with ``well_formed=False``, which makes it unanswerable (§11 row 3.1); see
``contract_choices`` "Unreadable versus invalid".
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from gateway.codec import contract_choices as choices
from gateway.codec import parsing, salvage, wording
from gateway.codec.build import build
from gateway.codec.charsets import CCSID_OF, PYTHON_CODEC, UTF8, read_declaration
from gateway.codec.errors import INVALID, TOO_MANY_ITEMS, MessageRejected
from gateway.codec.head import CfxMessage, Head
from gateway.codec.layout import Kind, layout_of
from gateway.codec.messages import BODY_CLASSES, Msg1102
from gateway.codec.rules import violations
from gateway.codec.schemas import SchemaSet


class Reader:
    """Decoding half of :class:`gateway.codec.Codec`."""

    def __init__(self, schemas: SchemaSet, max_bytes: int, max_package_items: int) -> None:
        self.schemas = schemas
        self.max_bytes = max_bytes
        self.max_package_items = max_package_items

    def decode(self, data: bytes, ccsid: int | None = None) -> CfxMessage[Any]:
        """The message in ``data``; raises MessageRejected."""
        data = bytes(data)
        if len(data) > self.max_bytes:
            # §3.1 rule 6/8: not parsed and never answered; the scan only serves the log.
            raise salvage.rejection(
                INVALID, f"message of {len(data)} bytes exceeds the limit of {self.max_bytes} bytes",
                salvage.head_texts_from_bytes(data), too_large=True,
            )
        utf8, text = self._text(data, ccsid)
        if "<!DOCTYPE" in text and parsing.has_dtd(utf8):
            raise MessageRejected(INVALID, "DOCTYPE/DTD refused (§3.1 rule 5); HEAD not read")
        hint = salvage.scan_msg_no(text)
        if hint in choices.STREAMED_MSG_NOS and len(utf8) >= choices.STREAM_MIN_BYTES:
            streamed = self._stream(utf8, hint)
            if streamed is not None:
                return self._checked(streamed, None)
        try:
            root = parsing.parse(utf8)
        except etree.XMLSyntaxError as exc:
            limit = _parser_limit(exc)
            raise salvage.rejection(
                INVALID, f"{'beyond a parser limit' if limit else 'not well-formed XML'}: {exc}",
                salvage.head_texts_from_bytes(data), parsed=limit,
            ) from None
        return self._from_tree(root, len(data))

    def read_head(self, data: bytes) -> Head | None:
        """HEAD of ``data`` as far as it can be read, for logging. For a document that is not
        well-formed this is the HEAD scanned from the fragment, which is never a reason to
        answer (``MessageRejected.head`` is None then)."""
        try:
            return self.decode(data).head
        except MessageRejected as rejected:
            if rejected.head is None and not rejected.well_formed:
                return salvage.head_from_texts(salvage.head_texts_from_bytes(data))
            return rejected.head

    def _text(self, data: bytes, ccsid: int | None) -> tuple[bytes, str]:
        encoding, end, problem = read_declaration(data)
        if problem is not None or encoding is None:
            raise salvage.rejection(INVALID, problem or "no encoding", salvage.head_texts_from_bytes(data))
        if ccsid is not None and CCSID_OF[encoding] != ccsid:
            raise salvage.rejection(
                INVALID,
                f"CodedCharSetId {ccsid} does not match the declared encoding {encoding} ({CCSID_OF[encoding]})",
                salvage.head_texts_from_bytes(data),
            )
        body = data[end:]
        try:
            text = body.decode(PYTHON_CODEC[encoding])
        except UnicodeDecodeError as exc:
            raise salvage.rejection(
                INVALID,
                f"bytes at offset {end + exc.start} are not valid {encoding} ({exc.reason})",
                salvage.head_texts_from_bytes(data),
                parsed=not choices.UNDECODABLE_BYTES_ARE_NOT_WELL_FORMED,
            ) from None
        # libxml2 reads the text as UTF-8 (no declaration left); see DECODE_WITH_PYTHON_CODECS.
        return (body if encoding == UTF8 else text.encode("utf-8")), text

    def _from_tree(self, root: etree._Element, size: int) -> CfxMessage[Any]:
        msg_no = _msg_no(root)
        body_cls = BODY_CLASSES.get(msg_no) if msg_no is not None else None
        if body_cls is None:
            if root.tag != "CFX":
                reason = f"root element is {root.tag!r}, not 'CFX'"
            elif msg_no is None:
                reason = "/CFX/HEAD/MsgNo: missing"
            else:
                reason = f"/CFX/HEAD/MsgNo: unknown MsgNo {msg_no!r}"
            raise self._rejection(reason, root)
        validator = self.schemas.validator(msg_no)  # type: ignore[arg-type]
        if not validator.validate(root):
            raise self._rejection(self.schemas.report(msg_no, root, size), root)  # type: ignore[arg-type]
        message = CfxMessage(build(Head, root[0]), build(body_cls, root[1]))
        return self._checked(message, root)

    def _checked(self, message: CfxMessage[Any], root: etree._Element | None) -> CfxMessage[Any]:
        broken = violations(message)
        if broken:
            raise self._rejection("; ".join(broken[: choices.MAX_REASONS]), root, message)
        body = message.body
        if isinstance(body, Msg1102) and len(body.payment1102) > self.max_package_items:
            raise self._rejection(
                f"/CFX/MSG/BatchHead1102/AllNum: {len(body.payment1102)} items exceed the limit of "
                f"{self.max_package_items}", root, message, TOO_MANY_ITEMS,
            )
        return message

    def _rejection(
        self, reason: str, root: etree._Element | None, message: CfxMessage[Any] | None = None,
        code: str = INVALID,
    ) -> MessageRejected:
        # The tree (when there is one) lets the Chinese AddWord tell a missing element from a
        # misplaced one; a streamed package refused after decoding takes its texts from the body.
        add_words = wording.add_words(reason, root)
        if message is not None:
            h = message.head
            return MessageRejected(
                code, reason, msg_no=h.msg_no, msg_id=h.msg_id, src=h.src, des=h.des, head=h,
                body_texts=(salvage.body_texts_from_tree(root, h.msg_no) if root is not None
                            else salvage.body_texts_from_message(message.body)),
                add_words=add_words,
            )
        assert root is not None
        head_texts = salvage.head_texts_from_tree(root)
        return salvage.rejection(
            code, reason, head_texts, salvage.body_texts_from_tree(root, salvage.well_formed(head_texts, "MsgNo")),
            add_words=add_words,
        )

    def _stream(self, utf8: bytes, msg_no: str) -> CfxMessage[Any] | None:
        """Decode a package while validating it, block by block; None if anything is wrong
        (the caller then takes the tree path, which explains what)."""
        body_cls = BODY_CLASSES[msg_no]
        slots = {s.tag: s for s in layout_of(body_cls).slots}
        parts: dict[str, list[Any]] = {s.name: [] for s in slots.values()}
        head: Head | None = None
        try:
            for element in parsing.iter_blocks(utf8, self.schemas.validator(msg_no), ("HEAD", *slots)):
                slot = slots.get(element.tag)
                if slot is None:
                    head = build(Head, element)
                else:
                    parts[slot.name].append(build(slot.block, element))  # type: ignore[arg-type]
        except (etree.XMLSyntaxError, ValueError, ArithmeticError, TypeError, IndexError, AttributeError):
            # Events of a parsed chunk may reach us before a later error in that chunk; whatever
            # went wrong, the tree path decides and explains.
            return None
        values = {
            s.name: tuple(parts[s.name]) if s.kind is Kind.BLOCKS else (parts[s.name] or [None])[0]
            for s in slots.values()
        }
        if head is None:
            return None
        return CfxMessage(head, body_cls(**values))


def _parser_limit(exc: etree.XMLSyntaxError) -> bool:
    """Whether libxml2 stopped at one of its resource limits rather than at a well-formedness
    error (see contract_choices "Unreadable versus invalid")."""
    message = str(exc)
    return exc.code in choices.PARSER_LIMIT_CODES or (
        exc.code == etree.ErrorTypes.ERR_INTERNAL_ERROR and any(m in message for m in choices.PARSER_LIMIT_MESSAGES)
    )


def _msg_no(root: etree._Element) -> str | None:
    """HEAD/MsgNo of a parsed document; by position first (the usual case), else by search."""
    if root.tag != "CFX":
        return None
    head = root[0] if len(root) else None
    if head is not None and head.tag == "HEAD" and len(head) > 4 and head[4].tag == "MsgNo":
        return head[4].text
    return root.findtext("HEAD/MsgNo")
