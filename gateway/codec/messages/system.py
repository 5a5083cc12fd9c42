"""Status query and system messages: 9003/9004, 9005, 9101, 9120, 9121, 9122 (§6.10, §6.11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

from gateway.codec.messages.common import Flag01


@dataclass(frozen=True, slots=True)
class TraStatusCheck9003:
    """Ask the ETS for the state of a single debit (SearchType 0, OriMsgNo 1001, OriPackNo
    00000000) or of a package (SearchType 1, OriMsgNo 1102, OriTraNo 00000000)."""

    send_org_code: str
    search_type: Flag01
    ori_msg_no: Literal["1001", "1102"]
    ori_entrust_date: date
    ori_pack_no: str
    ori_tra_no: str


@dataclass(frozen=True, slots=True)
class Msg9003:
    """MSG of a 9003."""

    MSG_NO: ClassVar[str] = "9003"
    XML_TAG: ClassVar[str] = "MSG"

    tra_status_check9003: TraStatusCheck9003


@dataclass(frozen=True, slots=True)
class TraStatusReturn9004:
    """The 9003's six elements echoed, then ChkDate and OpStat (§6.10 table)."""

    send_org_code: str
    search_type: Flag01
    ori_msg_no: Literal["1001", "1102"]
    ori_entrust_date: date
    ori_pack_no: str
    ori_tra_no: str
    chk_date: date
    op_stat: Literal["10", "11", "20", "21", "97", "98", "99"]


@dataclass(frozen=True, slots=True)
class Msg9004:
    """MSG of a 9004."""

    MSG_NO: ClassVar[str] = "9004"
    XML_TAG: ClassVar[str] = "MSG"

    tra_status_return9004: TraStatusReturn9004


@dataclass(frozen=True, slots=True)
class MsgReturn9005:
    """Link test; the block is always present and may be empty."""

    information: str | None = None


@dataclass(frozen=True, slots=True)
class Msg9005:
    """MSG of a 9005."""

    MSG_NO: ClassVar[str] = "9005"
    XML_TAG: ClassVar[str] = "MSG"

    msg_return9005: MsgReturn9005


@dataclass(frozen=True, slots=True)
class ChangeState9101:
    """The ETS work date after the change, and SysStat 0 intraday / 1 day switch / 2 maintenance."""

    work_date: date
    sys_stat: Literal["0", "1", "2"]


@dataclass(frozen=True, slots=True)
class Msg9101:
    """MSG of a 9101."""

    MSG_NO: ClassVar[str] = "9101"
    XML_TAG: ClassVar[str] = "MSG"

    change_state9101: ChangeState9101


@dataclass(frozen=True, slots=True)
class MsgReturn9120:
    """General ONLINE answer: the MsgNo answered and the result."""

    ori_msg_no: str
    result: str
    add_word: str | None = None
    information: str | None = None


@dataclass(frozen=True, slots=True)
class Msg9120:
    """MSG of a 9120."""

    MSG_NO: ClassVar[str] = "9120"
    XML_TAG: ClassVar[str] = "MSG"

    msg_return9120: MsgReturn9120


@dataclass(frozen=True, slots=True)
class MsgReturn9121:
    """BATCH receipt; the Ori* fields are filled as in the §6.11 table."""

    ori_msg_no: str
    ori_send_org_code: str
    ori_entrust_date: date
    ori_request_no: str
    result: str
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg9121:
    """MSG of a 9121."""

    MSG_NO: ClassVar[str] = "9121"
    XML_TAG: ClassVar[str] = "MSG"

    msg_return9121: MsgReturn9121


@dataclass(frozen=True, slots=True)
class MsgReturn9122:
    """An accepted package failed as a whole before any debit (§6.6 rule 3)."""

    ori_msg_no: str
    ori_send_org_code: str
    ori_entrust_date: date
    ori_request_no: str
    result: str
    add_word: str | None = None


@dataclass(frozen=True, slots=True)
class Msg9122:
    """MSG of a 9122."""

    MSG_NO: ClassVar[str] = "9122"
    XML_TAG: ClassVar[str] = "MSG"

    msg_return9122: MsgReturn9122
