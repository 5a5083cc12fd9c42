"""The codec: message objects <-> wire bytes, validated against the XSDs of ``schemas/``.

Sending a large 1102 validates its items on two threads. A 3000-item package costs ~20 ms of
Python rendering and rule checking (which hold the GIL) and ~30 ms of libxml2 parsing and XSD
validation (which lxml runs without the GIL); done one after the other that is 55-65 ms, over
the 40 ms budget. So the items are rendered in chunks and each chunk, wrapped in the same HEAD,
BatchHead1102 and TurnAccount1102, is parsed and validated as a complete 1102 on a worker
thread while the next chunk is rendered. That is exactly the XSD verdict on the whole message:
MSG1102 is BatchHead1102, TurnAccount1102, Payment1102{min,max}, a Payment1102 is valid or not
on its own (no identity constraints), the rendered text of a block is a closed element (values
are escaped), and the item count is checked against the min/maxOccurs read from the XSD. When a
chunk fails, the whole message is validated the usual way, so the report (path, reason) is the
same as on the sequential path. Tried and dropped: building the lxml tree directly and
validating it without serializing (setting ~60k texts from Python costs more than rendering
plus libxml2's parse), and validating while parsing (``XMLParser(schema=...)``, slower than
parse then validate).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.codec import contract_choices as choices
from gateway.codec import parsing
from gateway.codec.charsets import CCSID_OF, PYTHON_CODEC, UTF8, canonical_encoding, declaration
from gateway.codec.errors import TOO_MANY_ITEMS, EncodeError, InvalidOutgoingMessage
from gateway.codec.head import CfxMessage, Head
from gateway.codec.messages import BODY_CLASSES, BatchHead1102, Msg1102, Payment1102, TurnAccount1102
from gateway.codec.reader import Reader
from gateway.codec.render import diagnose, renderer
from gateway.codec.rules import violations
from gateway.codec.schemas import SchemaSet

#: Items per chunk of a 1102 validated on a worker thread, and the smallest package split so:
#: below ~2 chunks the hand-over costs more than the overlap gains.
CHUNK_ITEMS = 750
PARALLEL_MIN_ITEMS = 2 * CHUNK_ITEMS
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL  # noqa: PLW0603 - one pool per process, created on first use
    with _POOL_LOCK:
        if _POOL is None:
            # Two workers: this machine class has two cores; more only queue behind the GIL.
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="codec-validate")
        return _POOL


class Codec:
    """Encode and decode ETS messages.

    ``encoding`` is the wire encoding for sending (GBK, GB18030 or UTF-8); received messages
    may use any of the three, as declared. ``validate`` applies to sending: when False, the
    XSD, the cross-field rules and the item limit are skipped, so a test client can produce
    deliberately invalid messages (encodability and the size limit are still enforced).
    Decoding always validates: a receiver must refuse what the interface refuses.
    """

    def __init__(
        self,
        encoding: str = "GBK",
        max_bytes: int = choices.MAX_MESSAGE_BYTES,
        validate: bool = True,
        max_package_items: int = choices.DEFAULT_MAX_PACKAGE_ITEMS,
        schema_dir: Path | str | None = None,
    ) -> None:
        self.encoding = canonical_encoding(encoding)
        self.max_bytes = max_bytes
        self.validate = validate
        self.max_package_items = max_package_items
        self.schemas = SchemaSet(schema_dir)
        self._codec = PYTHON_CODEC[self.encoding]
        self._prolog = declaration(self.encoding) + b"\n"
        self._reader = Reader(self.schemas, max_bytes, max_package_items)
        self._render_head = renderer(Head)

    @property
    def ccsid(self) -> int:
        """MQMD CodedCharSetId of what this codec sends (1386, 5488 or 1208)."""
        return CCSID_OF[self.encoding]

    def encode(self, message: CfxMessage[Any]) -> bytes:
        """The wire bytes of ``message``. Raises UnencodableCharacter or
        InvalidOutgoingMessage (both EncodeError); nothing is to be sent then."""
        head, body = message.head, message.body
        msg_no = head.msg_no if isinstance(head, Head) else None
        body_cls = BODY_CLASSES.get(getattr(type(body), "MSG_NO", ""))
        if body_cls is not type(body):
            raise InvalidOutgoingMessage(f"/CFX/MSG: {type(body).__name__} is not a message body", "/CFX/MSG", msg_no)
        if msg_no != body_cls.MSG_NO:
            raise InvalidOutgoingMessage(
                f"/CFX/HEAD/MsgNo: {msg_no!r} does not match the body {body_cls.__name__}", "/CFX/HEAD/MsgNo", msg_no
            )
        chunks: list[Future[bool]] | None = None
        try:
            if self.validate and body_cls is Msg1102 and len(body.payment1102) >= PARALLEL_MIN_ITEMS:
                text, chunks = self._render_1102_validating(head, body)
            else:
                text = "<CFX>" + self._render_head(head) + renderer(body_cls)(body) + "</CFX>"
            payload = text.encode(self._codec)
        except Exception as exc:  # noqa: BLE001 - diagnose() names the element at fault
            raise self._diagnose(message) from exc
        data = self._prolog + payload
        if len(data) > self.max_bytes:
            raise InvalidOutgoingMessage(
                f"message of {len(data)} bytes exceeds the limit of {self.max_bytes} bytes; split it",
                "/CFX", msg_no, too_large=True,
            )
        if self.validate:
            if chunks is not None:
                # Rules first: they run here while the workers are still validating.
                try:
                    broken: list[str] | None = violations(message)
                except Exception:  # noqa: BLE001 - then they fail after the XSD, as they always did
                    broken = None
                if broken is not None and all(_verdict(chunk) for chunk in chunks):
                    self._check_outgoing(message, None, broken)
                    return data
            self._check_outgoing(message, payload if self.encoding == UTF8 else text.encode("utf-8"))
        return data

    def _render_1102_validating(self, head: Head, body: Msg1102) -> tuple[str, list[Future[bool]]]:
        """The text of a large 1102 and one pending XSD verdict per chunk of its items (see
        the module docstring). The text is what ``renderer(Msg1102)`` produces."""
        items = body.payment1102
        low, high = self.schemas.occurs("1102", "MSG1102", "Payment1102")
        prefix = (
            "<CFX>" + self._render_head(head) + "<MSG>" + renderer(BatchHead1102)(body.batch_head1102)
            + renderer(TurnAccount1102)(body.turn_account1102)
        )
        item = renderer(Payment1102)
        schemas, parts, verdicts = self.schemas, [], []
        for start in range(0, len(items), CHUNK_ITEMS):
            part = "".join([item(x) for x in items[start:start + CHUNK_ITEMS]])
            parts.append(part)
            if low <= len(items) <= high:
                chunk = (prefix + part + "</MSG></CFX>").encode("utf-8")
                verdicts.append(_pool().submit(_valid_1102, schemas, chunk))
        if not verdicts:  # the count alone is out of bounds: let the whole document say so
            verdicts.append(_failed())
        return prefix + "".join(parts) + "</MSG></CFX>", verdicts

    def decode(self, data: bytes, ccsid: int | None = None) -> CfxMessage[Any]:
        """The message in ``data``. ``ccsid`` is the MQMD CodedCharSetId when known; it must
        match the declaration. Raises MessageRejected."""
        return self._reader.decode(data, ccsid)

    def read_head(self, data: bytes) -> Head | None:
        """HEAD of ``data`` as far as it can be read (None when unreadable), best effort."""
        return self._reader.read_head(data)

    def block_size(self, block: Any) -> int:
        """Bytes that ``block`` (e.g. a Payment1102) adds to a message in this encoding, for
        splitting packages under the size limit."""
        try:
            return len(renderer(type(block))(block).encode(self._codec))
        except Exception as exc:  # noqa: BLE001
            raise self._diagnose_block(block) from exc

    def _check_outgoing(self, message: CfxMessage[Any], utf8: bytes | None, broken: list[str] | None = None) -> None:
        """XSD (unless ``utf8`` is None: already validated), then rules, then the item limit."""
        msg_no = message.head.msg_no
        if utf8 is not None:
            try:
                root = parsing.parse(utf8)
            except etree.XMLSyntaxError as exc:
                # Only characters XML cannot carry at all (e.g. U+0001) get here.
                raise InvalidOutgoingMessage(f"not well-formed XML: {exc}", "", msg_no) from None
            if not self.schemas.validator(msg_no).validate(root):
                reason = self.schemas.report(msg_no, root, len(utf8))
                raise InvalidOutgoingMessage(reason, reason.split(":", 1)[0], msg_no)
        if broken is None:
            broken = violations(message)
        if broken:
            reason = "; ".join(broken[: choices.MAX_REASONS])
            raise InvalidOutgoingMessage(reason, reason.split(":", 1)[0], msg_no)
        body = message.body
        if isinstance(body, Msg1102) and len(body.payment1102) > self.max_package_items:
            raise InvalidOutgoingMessage(
                f"{len(body.payment1102)} items exceed the limit of {self.max_package_items}",
                "/CFX/MSG/BatchHead1102/AllNum", msg_no, code=TOO_MANY_ITEMS,
            )

    def _diagnose(self, message: CfxMessage[Any]) -> EncodeError:
        msg_no = getattr(message.head, "msg_no", None)
        if not isinstance(message.head, Head):
            return InvalidOutgoingMessage("/CFX/HEAD: not a Head", "/CFX/HEAD", msg_no)
        return (
            diagnose(message.head, "/CFX/HEAD", self._codec, self.encoding, msg_no)
            or diagnose(message.body, "/CFX/MSG", self._codec, self.encoding, msg_no)
            or InvalidOutgoingMessage("/CFX: the message cannot be rendered", "/CFX", msg_no)
        )

    def _diagnose_block(self, block: Any) -> EncodeError:
        where = f"/{type(block).__name__}"
        return diagnose(block, where, self._codec, self.encoding, None) or InvalidOutgoingMessage(
            f"{where}: the block cannot be rendered", where
        )


def _valid_1102(schemas: SchemaSet, utf8: bytes) -> bool:
    # On a worker thread: its own parser and compiled schema (both per thread).
    try:
        return bool(schemas.validator("1102").validate(parsing.parse(utf8)))
    except etree.XMLSyntaxError:
        return False


def _verdict(chunk: Future[bool]) -> bool:
    try:
        return chunk.result()
    except Exception:  # noqa: BLE001 - any trouble: the sequential path decides and reports
        return False


def _failed() -> Future[bool]:
    verdict: Future[bool] = Future()
    verdict.set_result(False)
    return verdict
