"""Text of the PDFs the portal renders, without a PDF library: decode the content streams
(ASCII85 and/or Flate) and read the string operands of Tj/TJ. Our documents draw all text in the
one CID font (UTF-16BE codes, reportlab's UnicodeCIDFont), so each string decodes as UTF-16BE;
a line's strings join with "", lines (BT blocks and Td moves) with newlines."""

from __future__ import annotations

import base64
import re
import zlib

# One object's dictionary and stream; the tempered dot keeps a match inside one object.
_STREAM = re.compile(rb"\d+ \d+ obj\s*<<(?P<dict>(?:(?!endobj).)*?)>>\s*stream\r?\n"
                     rb"(?P<body>.*?)\s*endstream", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f",
            b"(": b"(", b")": b")", b"\\": b"\\"}


def _decoded(header: bytes, body: bytes) -> bytes:
    filters = re.findall(rb"/(ASCII85Decode|FlateDecode)", header)
    for name in filters:
        if name == b"ASCII85Decode":
            text = body.strip()
            text = text[2:] if text.startswith(b"<~") else text
            body = base64.a85decode(b"<~" + text + (b"" if text.endswith(b"~>") else b"~>"),
                                    adobe=True)
        else:
            body = zlib.decompress(body)
    return body


def _strings(content: bytes) -> list[bytes]:
    """PDF literal strings in order, with escapes resolved (nested parentheses kept)."""
    out, i = [], 0
    while True:
        i = content.find(b"(", i)
        if i < 0:
            return out
        depth, j, buf = 1, i + 1, bytearray()
        while depth:
            ch = content[j:j + 1]
            if ch == b"\\":
                nxt = content[j + 1:j + 2]
                if nxt in _ESCAPES:
                    buf += _ESCAPES[nxt]
                    j += 2
                elif nxt.isdigit():
                    m = re.match(rb"[0-7]{1,3}", content[j + 1:j + 4])
                    assert m
                    buf.append(int(m.group(), 8))
                    j += 1 + len(m.group())
                else:
                    j += 2
                continue
            if ch == b"(":
                depth += 1
            elif ch == b")":
                depth -= 1
                if not depth:
                    break
            buf += ch
            j += 1
        out.append(bytes(buf))
        i = j + 1


def text(pdf: bytes) -> str:
    """All text drawn in the document, one drawn string to a line."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    lines = []
    for m in _STREAM.finditer(pdf):
        header = m.group("dict")
        if b"/Subtype" in header or b"/Length1" in header:
            continue  # images and embedded fonts, not page content
        try:
            content = _decoded(header, m.group("body"))
        except (ValueError, zlib.error):
            continue
        lines += [s.decode("utf-16-be", "replace") for s in _strings(content)]
    return "\n".join(lines)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
