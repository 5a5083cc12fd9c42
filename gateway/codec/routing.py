"""Queue classes and answering rules of each message number (ets-interface §2.1, §3.1 rule 8)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

QueueClass = Literal["ONLINE", "BATCH"]

#: MsgNo -> the class of queue it travels on (§2.1). 9005 goes either way, always on ONLINE.
CLASS_OF: Mapping[str, QueueClass] = MappingProxyType(
    {
        **dict.fromkeys(
            ("9114", "9115", "1001", "2001", "1021", "2021", "2091", "1009", "2108",
             "9003", "9004", "9005", "9120"),
            "ONLINE",
        ),
        **dict.fromkeys(
            ("1102", "2102", "1123", "2123", "3122", "3128", "9101", "9121", "9122"),
            "BATCH",
        ),
    }
)

#: Messages answered with Result 92004 when invalid and their HEAD is readable (§3.1 rule 8).
ANSWERED_WHEN_INVALID: frozenset[str] = frozenset(
    {"9114", "1001", "1021", "2091", "2108", "9003", "9005", "1102", "2102", "1123", "3122", "3128"}
)

#: Messages never answered, even when invalid: they go to the error store with an alert.
NEVER_ANSWERED: frozenset[str] = frozenset(CLASS_OF) - ANSWERED_WHEN_INVALID


def invalid_answer_msg_no(msg_no: str, key_readable: bool = True) -> str | None:
    """MsgNo of the 92004 answer to an invalid ``msg_no`` whose HEAD is readable, or None.

    9120 on ONLINE, 9121 on BATCH; a 2091 is answered with a 1009 when its BankNo, EntrustDate
    and QueryNo can be read (``key_readable``), otherwise with a 9120 (§6.4 rule 1).
    """
    if msg_no not in ANSWERED_WHEN_INVALID:
        return None
    if msg_no == "2091" and key_readable:
        return "1009"
    return "9120" if CLASS_OF[msg_no] == "ONLINE" else "9121"
