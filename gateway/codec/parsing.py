"""Hardened libxml2 parsing (ets-interface §3.1 rule 5).

Every parse of wire data goes through these options: no entity substitution, no network, no
DTD loading or validation, libxml2's default size limits (no ``huge_tree``). A DOCTYPE is
refused outright by the reader; with these options even a billion-laughs or an XXE document
is parsed without expanding or fetching anything, so detecting it is cheap and safe.

Comments and processing instructions are dropped while parsing: a comment inside a value
then no longer splits its text, and blocks contain only elements.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

from lxml import etree

OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "collect_ids": False,
}

_PER_THREAD = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe; one per thread, reused (creating one per call costs
    # about as much as parsing a small message).
    parser = getattr(_PER_THREAD, "parser", None)
    if parser is None:
        parser = _PER_THREAD.parser = etree.XMLParser(**OPTIONS)
    return parser


def parse(utf8: bytes) -> etree._Element:
    """Parse a document body (declaration removed, UTF-8). Raises XMLSyntaxError."""
    return etree.fromstring(utf8, _parser())


def has_dtd(utf8: bytes) -> bool:
    """Whether the document carries a DOCTYPE. Called only when the text contains
    ``<!DOCTYPE``, which may also sit harmlessly in a comment or CDATA section; a document
    that does not even parse is treated as carrying one (it is unreadable either way)."""
    try:
        root = parse(utf8)
    except etree.XMLSyntaxError:
        return True
    info = root.getroottree().docinfo
    return info.internalDTD is not None or bool(info.doctype)


def iter_blocks(utf8: bytes, schema: etree.XMLSchema, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Validate while parsing and yield each element named in ``tags`` when it is complete.

    The caller must be done with an element before asking for the next one: the element and
    everything before it are then cleared, so the tree never holds more than one block.
    """
    context = etree.iterparse(io.BytesIO(utf8), events=("end",), tag=tags, schema=schema, **OPTIONS)
    for _event, element in context:
        yield element
        element.clear(keep_tail=False)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
