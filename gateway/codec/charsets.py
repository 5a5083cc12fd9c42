"""Wire encodings, their MQ CCSIDs and the XML declaration (ets-interface §2.2, §3.1 rule 2).

Only three encodings exist on this interface. Declared names are matched case-insensitively
against exactly these three (§11): no aliases such as GB2312 or UTF8.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

GBK, GB18030, UTF8 = "GBK", "GB18030", "UTF-8"

#: Wire encoding name -> MQMD CodedCharSetId.
CCSID_OF: Mapping[str, int] = MappingProxyType({GBK: 1386, GB18030: 5488, UTF8: 1208})
#: MQMD CodedCharSetId -> wire encoding name.
ENCODING_OF_CCSID: Mapping[int, str] = MappingProxyType({v: k for k, v in CCSID_OF.items()})
#: Wire encoding name -> Python codec. Both directions use Python's tables, so what we can
#: encode we decode to the same characters (libxml2's iconv GB18030 table differs on a few
#: code points, e.g. U+1E3F; see contract_choices.DECODE_WITH_PYTHON_CODECS).
PYTHON_CODEC: Mapping[str, str] = MappingProxyType({GBK: "gbk", GB18030: "gb18030", UTF8: "utf-8"})

# The declaration must open the document: no BOM, nothing before it (XML 1.0 §2.8).
_DECLARATION = re.compile(
    rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(['\"])1\.0\1"
    rb"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(['\"])([A-Za-z][A-Za-z0-9._-]*)\2)?"
    rb"(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(['\"])(?:yes|no)\4)?"
    rb"[ \t\r\n]*\?>"
)


def canonical_encoding(name: str) -> str:
    """The wire name for a configured or declared encoding name; ValueError if not allowed."""
    upper = name.upper()
    if upper not in CCSID_OF:
        raise ValueError(f"encoding {name!r} is not GBK, GB18030 or UTF-8")
    return upper


def declaration(encoding: str) -> bytes:
    """The XML declaration a sender writes: ``<?xml version="1.0" encoding="GBK"?>``."""
    return f'<?xml version="1.0" encoding="{canonical_encoding(encoding)}"?>'.encode("ascii")


def read_declaration(data: bytes) -> tuple[str | None, int, str | None]:
    """Parse the declaration at the start of ``data``.

    Returns ``(encoding, end, problem)``: the canonical encoding and the offset just after the
    declaration when it is acceptable; otherwise ``problem`` says why.
    """
    match = _DECLARATION.match(data)
    if match is None:
        if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            return None, 0, "byte-order mark before the XML declaration"
        return None, 0, "XML declaration missing or malformed at the start of the message"
    declared = match.group(3)
    if declared is None:
        return None, match.end(), "XML declaration names no encoding"
    name = declared.decode("ascii")
    try:
        return canonical_encoding(name), match.end(), None
    except ValueError:
        return None, match.end(), f"declared encoding {name!r} is not GBK, GB18030 or UTF-8"
