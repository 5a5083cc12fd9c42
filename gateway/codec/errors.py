"""Why a message cannot be received, or cannot be sent.

:class:`MessageRejected` carries what the receiver needs to act as §3.1 rule 8 says: the
result code, a readable reason, what could be read of HEAD, and whether an answer is due.
Sending-side failures derive from :class:`EncodeError` (a ``ValueError``): the caller built a
message that must not leave, and nothing has been sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from gateway.codec import contract_choices as choices
from gateway.codec import wording
from gateway.codec.head import Head, reply_head
from gateway.codec.routing import ANSWERED_WHEN_INVALID

INVALID = "92004"
TOO_MANY_ITEMS = "92005"


class MessageRejected(Exception):
    """A received message is invalid (92004) or over the item limit (92005).

    ``msg_no``, ``msg_id``, ``src`` and ``des`` are set when they could be read and are
    well-formed; HEAD is *readable* when all four are (§3.1 rule 8). ``head`` is the full
    :class:`Head` when, in addition, ``MsgRef`` and ``WorkDate`` are well-formed; it is None
    when HEAD is unreadable, always for a refused DTD, an oversized message and a document
    that is not well-formed. ``well_formed`` is False for a document that is not well-formed
    XML (or whose bytes are not valid in the declared encoding); its HEAD then counts as not
    readable (§11 row 3.1, ``contract_choices.NOT_WELL_FORMED_IS_UNREADABLE``), while the four
    key fields read from the fragment stay set for the error store and the log.
    ``body_texts`` holds the raw texts of the leaf elements of the message's key block (its
    first block, e.g. BatchHead1102, found by name wherever it stands in MSG: e.g.
    ``{"TaxOrgCode": "144...", "PackNo": "00000045"}``) so that an answer can copy the ``Ori*``
    values "where it can"; never trust them beyond that.
    ``reason`` is technical English, for the error store; ``add_words`` are the Chinese texts
    for the AddWord of an answer, most precise first, each a valid c(..60)
    (:mod:`gateway.codec.wording`); whether the wire encoding can carry them is the answer
    builder's concern.
    """

    def __init__(
        self,
        code: str,
        reason: str,
        *,
        msg_no: str | None = None,
        msg_id: str | None = None,
        src: str | None = None,
        des: str | None = None,
        head: Head | None = None,
        too_large: bool = False,
        body_texts: Mapping[str, str] | None = None,
        well_formed: bool = True,
        add_words: tuple[str, ...] | None = None,
    ) -> None:
        # One line, no control characters: reasons end up in logs, alerts and the error store.
        reason = " ".join(reason.split())
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.msg_no = msg_no
        self.msg_id = msg_id
        self.src = src
        self.des = des
        self.too_large = too_large
        self.well_formed = well_formed
        self.head = head if self.head_readable and not too_large else None
        self.body_texts: Mapping[str, str] = MappingProxyType(dict(body_texts or {}))
        self.add_words: tuple[str, ...] = add_words or wording.add_words(reason)

    @property
    def add_word(self) -> str:
        """The most precise Chinese AddWord (see ``add_words``)."""
        return self.add_words[0]

    @property
    def head_readable(self) -> bool:
        """SRC, DES, MsgNo and MsgID are present and well-formed, in a well-formed document."""
        if not self.well_formed and choices.NOT_WELL_FORMED_IS_UNREADABLE:
            return False
        return None not in (self.msg_no, self.msg_id, self.src, self.des)

    @property
    def answerable(self) -> bool:
        """Whether the interface requires an answer (§3.1 rule 8): the message is of a kind
        that is answered when invalid, its HEAD is readable (which a document that is not
        well-formed never is) and it was not over the size limit. Unknown message numbers are
        never answered."""
        return not self.too_large and self.head_readable and self.msg_no in ANSWERED_WHEN_INVALID

    def reply_head(self, msg_no: str, msg_id: str, work_date: date) -> Head:
        """HEAD of the error answer; only when :attr:`head_readable`."""
        if not self.head_readable:
            raise ValueError("HEAD is not readable: the message is not answered")
        original = self.head or Head(
            ver="1.0", src=self.src or "", des=self.des or "", app="ETS",
            msg_no=self.msg_no or "", msg_id=self.msg_id or "", msg_ref=self.msg_id or "",
            work_date=work_date,
        )
        return reply_head(original, msg_no, msg_id, work_date)


class EncodeError(ValueError):
    """A message cannot be sent as it stands; ``path`` names the offending element."""

    def __init__(self, message: str, path: str = "", msg_no: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.msg_no = msg_no


class UnencodableCharacter(EncodeError):
    """A character of a field has no representation in the configured wire encoding (§3.1
    rule 3). Substituting it, or sending a character reference, is forbidden."""

    def __init__(self, path: str, character: str, encoding: str, msg_no: str | None = None) -> None:
        name = f"U+{ord(character):04X}"
        super().__init__(
            f"{path}: character {character!r} ({name}) cannot be encoded in {encoding}", path, msg_no
        )
        self.character = character
        self.encoding = encoding


class InvalidOutgoingMessage(EncodeError):
    """The message breaks the interface (format, structure, cross-field rule, item or size
    limit); ``code`` is the result code a receiver would answer (92004 or 92005)."""

    def __init__(
        self,
        reason: str,
        path: str = "",
        msg_no: str | None = None,
        code: str = INVALID,
        too_large: bool = False,
    ) -> None:
        super().__init__(reason, path, msg_no)
        self.code = code
        self.reason = reason
        self.too_large = too_large
