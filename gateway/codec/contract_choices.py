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

#: How many broken rules a rejection reason lists.
MAX_REASONS = 3

#: The §3.1 size limit: 4 MiB of encoded XML.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024

#: §9: default maximum number of items per 1102 (configurable; above it -> 92005).
DEFAULT_MAX_PACKAGE_ITEMS = 3000
