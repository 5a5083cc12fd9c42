"""Fault injection: what the simulator does wrong on purpose, by configuration or per account.

Syntax (``simulator.faults`` entries, or an account's ``fault`` as a comma-separated list):

=============================  ===========================================================
``drop:<MsgNo>``               never send that message
``delay:<MsgNo>:<seconds>``    send it that much later (kept in ``sim_job``, sent by the loop)
``late:<MsgNo>:<seconds>``     the same as delay (a late answer after the gateway moved on)
``dup:<MsgNo>``                send it twice (same MsgID: at-least-once delivery)
``corrupt:<MsgNo>``            send it with an unknown element: readable HEAD, invalid body
``garble:<MsgNo>``             send truncated bytes that do not parse (HEAD unreadable)
``lose:<MsgNo>``               swallow that *incoming* message as if lost in transit
``opstat:<NN>``                answer 9003 queries with OpStat NN (98 also forgets the key)
``ets_refuse:<code>[:<MsgNo>]``  the ETS refuses that request (default 1001) with a 9120/9121
``bank_error[:<PayBkCode>]``   the bank fails the debit: 99090
``undeliverable[:<PayBkCode>]``  packages for the bank cannot be delivered: 9122
``entry_omit`` / ``entry_amount`` / ``entry_voucher`` / ``entry_reverse`` / ``entry_extra:<MsgNo>``
                               the 3122 lies about the account's entries (see :mod:`.entry_faults`)
=============================  ===========================================================

Any entry may end in ``*N``: it then fires only the first N times (counted per scope, in the
database). Account faults apply to the messages about that account's debits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from gateway.simulator import schema as t

OUTGOING = frozenset({"drop", "delay", "late", "dup", "corrupt", "garble"})
_WITH_MSG_NO = OUTGOING | {"lose"}
_MSG_NO = re.compile(r"[0-9]{4}")
CONFIG_SCOPE = "config"


class FaultSyntaxError(ValueError):
    """A fault entry does not follow the documented syntax."""


@dataclass(frozen=True)
class Fault:
    """One parsed fault entry; ``text`` (without the ``*N`` limit) identifies it."""

    text: str
    kind: str
    msg_no: str | None = None
    seconds: float = 0.0
    code: str | None = None
    bank: str | None = None
    limit: int | None = None


def parse_fault(entry: str) -> Fault:
    """Parse one entry; raises :class:`FaultSyntaxError`."""
    raw = entry.strip()
    text, limit = raw, None
    if "*" in raw:
        text, _, count = raw.rpartition("*")
        if not count.isdigit() or int(count) < 1:
            raise FaultSyntaxError(f"{entry!r}: the limit after '*' must be a positive number")
        limit = int(count)
    parts = text.split(":")
    kind, args = parts[0], parts[1:]
    try:
        if kind in _WITH_MSG_NO:
            if not args or not _MSG_NO.fullmatch(args[0]):
                raise ValueError("needs a 4-digit MsgNo")
            seconds = 0.0
            if kind in ("delay", "late"):
                if len(args) != 2:
                    raise ValueError("needs <MsgNo>:<seconds>")
                seconds = float(args[1])
                if seconds < 0:
                    raise ValueError("seconds must not be negative")
            elif len(args) != 1:
                raise ValueError("takes only a MsgNo")
            return Fault(text, kind, msg_no=args[0], seconds=seconds, limit=limit)
        if kind == "opstat":
            if len(args) != 1 or args[0] not in ("10", "11", "20", "21", "97", "98", "99"):
                raise ValueError("needs one of 10, 11, 20, 21, 97, 98, 99")
            return Fault(text, kind, code=args[0], limit=limit)
        if kind == "ets_refuse":
            if not 1 <= len(args) <= 2 or not re.fullmatch(r"[0-9]{5}", args[0]):
                raise ValueError("needs a 5-digit result code and optionally a MsgNo")
            msg_no = args[1] if len(args) == 2 else "1001"
            if not _MSG_NO.fullmatch(msg_no):
                raise ValueError("the MsgNo must have 4 digits")
            return Fault(text, kind, msg_no=msg_no, code=args[0], limit=limit)
        if kind in ("entry_omit", "entry_amount", "entry_voucher", "entry_reverse"):
            if args:
                raise ValueError("takes no argument")
            return Fault(text, kind, limit=limit)
        if kind == "entry_extra":
            if len(args) != 1 or args[0] not in ("1001", "1102", "2108"):
                raise ValueError("needs the OriMsgNo of the invented entry: 1001, 1102 or 2108")
            return Fault(text, kind, msg_no=args[0], limit=limit)
        if kind in ("bank_error", "undeliverable"):
            if len(args) > 1 or (args and not re.fullmatch(r"[0-9]{12}", args[0])):
                raise ValueError("takes at most a 12-digit PayBkCode")
            return Fault(text, kind, bank=args[0] if args else None, limit=limit)
    except ValueError as exc:
        raise FaultSyntaxError(f"{entry!r}: {exc}") from None
    raise FaultSyntaxError(f"{entry!r}: unknown fault kind {kind!r}")


def parse_faults(spec: str | Iterable[str] | None) -> tuple[Fault, ...]:
    """Parse a comma-separated string or a sequence of entries (empty entries are ignored)."""
    if spec is None:
        return ()
    entries = spec.split(",") if isinstance(spec, str) else list(spec)
    return tuple(parse_fault(e) for e in entries if e and e.strip())


@dataclass(frozen=True)
class Faults:
    """The faults in force for one message: the configured ones plus the account's."""

    items: tuple[tuple[str, Fault], ...] = ()

    @classmethod
    def configured(cls, spec: str | Iterable[str] | None) -> "Faults":
        return cls(tuple((CONFIG_SCOPE, f) for f in parse_faults(spec)))

    def plus_account(self, pay_bk_code: str | None, acct: str | None,
                     spec: str | None) -> "Faults":
        if not spec:
            return self
        scope = f"acct:{pay_bk_code}:{acct}"
        return Faults(self.items + tuple((scope, f) for f in parse_faults(spec)))

    def accounts_only(self) -> "Faults":
        """Only the per-account entries (the configured ones were checked already)."""
        return Faults(tuple(item for item in self.items if item[0] != CONFIG_SCOPE))

    def matching(self, kind: str | Iterable[str], msg_no: str | None = None,
                 bank: str | None = None) -> list[tuple[str, Fault]]:
        kinds = {kind} if isinstance(kind, str) else set(kind)
        return [(scope, f) for scope, f in self.items
                if f.kind in kinds and (f.msg_no is None or msg_no is None or f.msg_no == msg_no)
                and (f.bank is None or bank is None or f.bank == bank)]


def fire(conn: Connection, scope: str, fault: Fault) -> bool:
    """Whether ``fault`` applies now; a limited fault counts one use when it does."""
    if fault.limit is None:
        return True
    key = (t.fault_uses.c.scope == scope, t.fault_uses.c.fault == fault.text)
    uses = conn.execute(select(t.fault_uses.c.uses).where(*key)).scalar()
    if uses is None:
        conn.execute(insert(t.fault_uses).values(scope=scope, fault=fault.text, uses=1))
        return True
    if uses >= fault.limit:
        return False
    conn.execute(update(t.fault_uses).where(*key).values(uses=uses + 1))
    return True


def first_active(conn: Connection, faults: Faults, kind: str, msg_no: str | None = None,
                 bank: str | None = None) -> Fault | None:
    """The first fault of ``kind`` that applies (and is counted), or None."""
    for scope, fault in faults.matching(kind, msg_no, bank):
        if fire(conn, scope, fault):
            return fault
    return None


def active_outgoing(conn: Connection, faults: Faults, msg_no: str) -> list[Fault]:
    """The outgoing faults that apply to one message ``msg_no`` about to be sent."""
    return [f for scope, f in faults.matching(OUTGOING, msg_no) if f.msg_no == msg_no
            and fire(conn, scope, f)]
