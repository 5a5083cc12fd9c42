"""Where ets-interface.md leaves room, the codec decides here, once.

Each constant is used by the code that applies it; changing a choice means changing it here.

Choices that are not flags (they shape a type or the XSDs) are recorded in this docstring:

* **Enumerations** (VCSign, HandleType, SysStat, OpStat, ...) are ``str`` literals, not ints:
  they are codes on the wire, like ``Result``, which is any n(5).
* **9004 OpStat** is n(2) *and* one of 10, 11, 20, 21, 97, 98, 99 ("one of the values below",
  §6.10). An unlisted OpStat is a format violation.
* **c(..k)** refuses Unicode category Cc and a leading/trailing U+0020 only. Other spaces
  (U+00A0, U+3000) are ordinary characters; tab, CR and LF are Cc and thus refused anywhere.
* **Whitespace.** Every simple type derives from xs:string with a pattern, so a blank around a
  value (including inside CDATA) is a format violation (§3.1 rule 7); numeric XSD types would
  have collapsed it.
* **Dates** are checked for calendar validity by the XSD pattern itself (leap years included).
* **Implied cross-field rules** are enforced as well as the stated ones: TraNo unique within a
  1102 and OriTraNo within a 2102 (item keys, §4.3/§6.6); a 1123 with StopType 0 names a real
  item (OriTraNo not 00000000); a 9003/9004 names a real OriTraNo (single) or OriPackNo
  (package); a 3122 item with OriMsgNo 1102 has a real OriPackNo; a 3122 has CurPackNo <=
  ChildPackNum and does not exceed AllNum/AllAmt; a refused 2102 (Result not 90000) has no
  successful item. Not enforced: 2021 OriCancelDate = OriEntrustDate, 3128 AcctDate =
  ReportDate and the balance identity (business checks, §6.9), MsgRef on replies (§3.2: the
  business key wins, the runtime alerts).
* **Check order on receipt**: size, declaration/CCSID, byte decoding, DTD, well-formedness, XSD,
  cross-field rules (all 92004), then the 1102 item limit (92005): a package that is invalid
  anyway is not worth re-splitting.
* **Unknown MsgNo** (well-formed n(4) but not in the catalogue): 92004, never answered (no
  queue class, so no answer message can be chosen).
* **MessageRejected.head** is a full Head only when MsgRef and WorkDate are well-formed too;
  the four §3.1 key fields are always exposed on their own (``src``, ``des``, ``msg_no``,
  ``msg_id``) and decide ``answerable``.
* **Comments, CDATA, character references and processing instructions** are accepted on
  receipt (§3.1 rule 4); comments and PIs are dropped at parse time so that text split by a
  comment is read whole, as the XSD sees it.
* **XML declaration**: ``version="1.0"`` with an ``encoding`` pseudo-attribute is required;
  ``standalone`` is tolerated. A declaration without ``encoding`` counts as missing.
* **Mis-declared bytes** (e.g. UTF-8 sent as "GBK") are refused when they are not valid in the
  declared encoding, which is almost always the case for Chinese text; a byte sequence that
  happens to be valid in both is read as declared (no guessing).
* **Unreadable versus invalid** (§3.1 rule 8 with §11 row 3.1). *Unreadable* (error store,
  alert, never answered, whatever HEAD the fragment shows): a refused DTD, a HEAD without
  well-formed SRC/DES/MsgNo/MsgID, an oversized message, and a document that is not
  well-formed XML. Not well-formed covers libxml2's syntax errors (truncation, tag mismatch, an
  undefined entity, a character XML cannot carry) *and* bytes that are not valid in the
  declared encoding: XML 1.0 §4.3.3 makes those a fatal (well-formedness) error, and a message
  truncated in transit is usually cut inside a multi-byte character, so counting them as
  merely invalid would answer exactly the copies §11 wants resent. *Invalid* (answered 92004
  when HEAD is readable): everything else, including the declaration cases that §3.1 rule 2
  itself calls invalid (missing declaration or encoding, byte-order mark, a name other than
  GBK/GB18030/UTF-8, a CodedCharSetId that disagrees), and a document libxml2 gives up on at
  one of its resource limits (nesting deeper than 256, a name over 50 000 characters, a text
  node over 10 MB): it has not been shown to be malformed, a resend would bring the same
  bytes, and the sender should hear why. The fields read from the fragment of a document that
  is not well-formed stay on :class:`~gateway.codec.errors.MessageRejected` for the error
  store and the log only.
* **AddWord of a 92004/92005** is Chinese and names elements, never values (values may be
  account numbers, and a hostile one must not reach the wire): the mapping from technical
  reasons is :mod:`gateway.codec.wording`; the English reason stays in ``reason``.
"""

from __future__ import annotations

#: §3.2: "On an originating message, [MsgRef is] equal to MsgID." Enforced on receipt and
#: on sending for every MsgNo that is not a reply (§2.2 list).
ORIGINATING_MSGREF_EQUALS_MSGID = True

#: §3.1 rule 2 / §11: bytes are decoded with Python's codecs (the same tables the encoder
#: uses) and handed to libxml2 as UTF-8. libxml2's iconv GB18030 table maps a few code points
#: differently (e.g. U+1E3F, U+E7C7, U+FE10-U+FE19), which would break the round trip.
DECODE_WITH_PYTHON_CODECS = True

#: Package messages decoded with iterparse, validated while parsing, each block cleared once
#: built: the tree never holds more than one item, whatever the package size. Streaming costs
#: about twice the CPU of parse-then-validate (libxml2's streaming validator is slower and
#: every event crosses into Python), so packages below STREAM_MIN_BYTES, whose trees are
#: small anyway, take the tree path.
STREAMED_MSG_NOS = frozenset({"1102", "2102", "3122", "3128"})
STREAM_MIN_BYTES = 256 * 1024

#: xmlschema gives the most precise, path-qualified reports but is slow; above this size the
#: report comes from libxml2's own error log (which also carries the element path).
PRECISE_REPORT_MAX_BYTES = 512 * 1024
#: ... and above this many attributes in the document. ETS messages carry none; xmlschema's
#: report costs time quadratic in a hostile element's attributes (800 attributes on CFX took 8 s,
#: 5,000 minutes: one small message could stall a worker), libxml2's is linear.
PRECISE_REPORT_MAX_ATTRIBUTES = 16

#: How many broken rules a rejection reason lists.
MAX_REASONS = 3

#: The §3.1 size limit: 4 MiB of encoded XML.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024

#: §9: default maximum number of items per 1102 (configurable; above it -> 92005).
DEFAULT_MAX_PACKAGE_ITEMS = 3000

#: §11 row 3.1: a document that is not well-formed XML counts as *HEAD not readable*, so it is
#: never answered (an answer would stop the sender's resend of an intact copy).
NOT_WELL_FORMED_IS_UNREADABLE = True

#: XML 1.0 §4.3.3: bytes that are not valid in the declared encoding are a fatal error, i.e.
#: the document is not well-formed (see "Unreadable versus invalid" above).
UNDECODABLE_BYTES_ARE_NOT_WELL_FORMED = True

#: libxml2 error codes (and, for older libxml2 that reports them as internal errors, message
#: fragments) of its resource limits: such a document is invalid, not unreadable (see above).
PARSER_LIMIT_CODES = frozenset({110, 114})  # XML_ERR_NAME_TOO_LONG, XML_ERR_RESOURCE_LIMIT
PARSER_LIMIT_MESSAGES = ("Excessive depth", "Resource limit", "too long", "Huge input lookup")

#: §4.2: AddWord is c(..60).
ADD_WORD_MAX = 60

#: §11 row 3.1: the AddWord of a 92004 when no more precise Chinese text can be sent (it would
#: exceed c(..60), or cannot be encoded in the wire encoding, e.g. an element name with an
#: emoji under GBK). Encodable in GBK, GB18030 and UTF-8.
FALLBACK_ADD_WORD = "报文格式错误"
