"""Outbox, inbox and error store: the tables that make delivery exactly-once in effect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from gateway.persistence import core_rows
from gateway.persistence.records import (BatchInboundRecord, ErrorStoreRecord, InboxRecord,
                                         OutboxRecord)
from gateway.persistence.serial_blocks import SerialBlocks, pool_for


# The hot path's statements, built once: building a statement and its cache key costs more than
# running it on SQLite, and a Core insert needs no ORM flush (issue 10).
_O, _I = OutboxRecord, InboxRecord
_OUTBOX, _INBOX = cast(Table, OutboxRecord.__table__), cast(Table, InboxRecord.__table__)
_INSERT_OUTBOX = insert(_OUTBOX)
_OUTBOX_COLUMNS = (_O.id, _O.msg_id, _O.msg_no, _O.queue, _O.correl_id, _O.ccsid, _O.body,
                   _O.business_key)
_KIND_OF = select(_OUTBOX.c.msg_no, _OUTBOX.c.business_key).where(
    _OUTBOX.c.msg_id == bindparam("b_msg_id"))
_UNSENT = (select(*_OUTBOX_COLUMNS).where(_O.sent_at.is_(None)).order_by(_O.id)
           .limit(bindparam("b_limit")))
_UNSENT_SKIP_LOCKED = _UNSENT.with_for_update(skip_locked=True)
# The same oldest unsent rows, their body sizes only, then the bodies of those that fit.
_UNSENT_SIZES = (select(_O.id, func.length(_O.body)).where(_O.sent_at.is_(None))
                 .order_by(_O.id).limit(bindparam("b_limit")))
_UNSENT_SIZES_SKIP_LOCKED = _UNSENT_SIZES.with_for_update(skip_locked=True)
_OUTBOX_BY_IDS = (select(*_OUTBOX_COLUMNS).where(_O.id.in_(bindparam("b_ids", expanding=True)))
                  .order_by(_O.id))
_MARK_SENT = (update(_OUTBOX)
              .where(_OUTBOX.c.id.in_(bindparam("b_ids", expanding=True)))
              .values(sent_at=bindparam("b_now"),
                      attempts=_OUTBOX.c.attempts + 1))
_INSERT_INBOX = insert(_INBOX)
_INBOX_COLUMNS = (_I.id, _I.msg_no, _I.business_key, _I.answer_msg_id)
_SEEN = select(*_INBOX_COLUMNS).where(_I.src == bindparam("b_src"),
                                      _I.msg_id == bindparam("b_msg_id"))
_BY_KEY = (select(*_INBOX_COLUMNS).where(_I.msg_no == bindparam("b_msg_no"),
                                         _I.business_key == bindparam("b_key"),
                                         _I.outcome == "PROCESSED").order_by(_I.id).limit(1))


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    msg_id: str
    msg_no: str
    queue: str
    correl_id: bytes
    ccsid: int
    body: bytes
    business_key: str


class OutboxRepository:
    def __init__(self, session: Session, blocks: SerialBlocks | None = None) -> None:
        self.s = session
        self.blocks = blocks or SerialBlocks(session, pool_for(session.get_bind()))

    def add(self, msg_id: str, msg_no: str, queue: str, correl_id: bytes, ccsid: int, body: bytes,
            business_key: str = "") -> None:
        core_rows.connection(self.s).execute(_INSERT_OUTBOX, dict(
            msg_id=msg_id, msg_no=msg_no, queue=queue, correl_id=correl_id, ccsid=ccsid,
            body=body, business_key=business_key))

    def get(self, msg_id: str) -> OutboxMessage | None:
        r = self.s.scalars(select(OutboxRecord).where(OutboxRecord.msg_id == msg_id)).first()
        return _msg(r) if r else None

    def kind_of(self, msg_id: str) -> tuple[str, str] | None:
        """(MsgNo, business key) of a message sent, without loading it: a Core read of two
        columns (outbox rows are inserted with Core, so no pending ORM row can be missed)."""
        row = core_rows.connection(self.s).execute(_KIND_OF, {"b_msg_id": msg_id}).first()
        return (row.msg_no, row.business_key or "") if row else None

    def unsent(self, limit: int, skip_locked: bool = False,
               max_bytes: int | None = None) -> list[OutboxMessage]:
        """The oldest unsent messages: at most ``limit`` and, with ``max_bytes``, no more body
        bytes than that (the first always, however large). The byte bound keeps a relay batch
        of package messages (up to 4 MiB each) from holding hundreds of MB at once."""
        if max_bytes is None:
            stmt = _UNSENT_SKIP_LOCKED if skip_locked else _UNSENT
            conn = core_rows.connection(self.s)
            return [_msg(r) for r in conn.execute(stmt, {"b_limit": limit})]
        sizes = _UNSENT_SIZES_SKIP_LOCKED if skip_locked else _UNSENT_SIZES
        ids: list[int] = []
        taken = 0
        for row_id, size in core_rows.connection(self.s).execute(sizes, {"b_limit": limit}):
            if ids and taken + (size or 0) > max_bytes:
                break
            ids.append(row_id)
            taken += size or 0
        if not ids:
            return []
        conn = core_rows.connection(self.s)
        return [_msg(r) for r in conn.execute(_OUTBOX_BY_IDS, {"b_ids": ids})]

    def mark_sent(self, ids: list[int], now: dt.datetime) -> None:
        if ids:
            core_rows.connection(self.s).execute(_MARK_SENT, {"b_ids": ids, "b_now": now})

    def next_msg_id(self, now: dt.datetime) -> str:
        """``yyyyMMddHHmmss`` + a 6-digit sequence per second (§3.2), from a counter row so that
        several workers and restarts never reuse one."""
        value = self.blocks.next("MSGID", f"MSG{now:%H%M%S}", now.date())
        if value > 999_999:
            raise OverflowError("more than 999999 messages in one second")
        return f"{now:%Y%m%d%H%M%S}{value:06d}"


def _msg(r) -> OutboxMessage:  # noqa: ANN001 - an OutboxRecord or a row of its columns
    return OutboxMessage(r.id, r.msg_id, r.msg_no, r.queue, r.correl_id, r.ccsid, r.body,
                         r.business_key or "")


@dataclass(frozen=True)
class InboxEntry:
    id: int
    msg_no: str
    business_key: str
    answer_msg_id: str | None


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def seen(self, src: str, msg_id: str) -> InboxEntry | None:
        r = core_rows.connection(self.s).execute(_SEEN, {"b_src": src, "b_msg_id": msg_id}).first()
        return InboxEntry(r.id, r.msg_no, r.business_key, r.answer_msg_id) if r else None

    def lock_business_key(self, msg_no: str, key: str) -> None:
        """Serialise the handling of one business key: two copies of a 2108 (new MsgIDs, same
        key) arriving at two workers must not both be processed. PostgreSQL: a transaction-level
        advisory lock; SQLite's single writer serialises them already."""
        if self.s.get_bind().dialect.name == "postgresql":
            self.s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                           {"k": f"{msg_no}:{key}"})

    def by_business_key(self, msg_no: str, key: str) -> InboxEntry | None:
        r = core_rows.connection(self.s).execute(_BY_KEY, {"b_msg_no": msg_no, "b_key": key}).first()
        return InboxEntry(r.id, r.msg_no, r.business_key, r.answer_msg_id) if r else None

    def record(self, src: str, msg_id: str, msg_no: str, business_key: str, now: dt.datetime,
               outcome: str = "PROCESSED", answer_msg_id: str | None = None) -> None:
        """Insert the SRC+MsgID row; a concurrent duplicate fails the unique index and with it
        the whole transaction, so the effect is never applied twice."""
        core_rows.connection(self.s).execute(_INSERT_INBOX, dict(
            src=src, msg_id=msg_id, msg_no=msg_no, business_key=business_key, received_at=now,
            outcome=outcome, answer_msg_id=answer_msg_id))


class ErrorStore:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, body: bytes, reason: str, queue: str = "", code: str = "", msg_no: str = "",
            msg_id: str = "", answered: bool = False) -> None:
        self.s.add(ErrorStoreRecord(body=body, reason=reason, queue=queue, code=code,
                                    msg_no=msg_no or "", msg_id=msg_id or "", answered=answered))


class BatchInboundRepository:
    """Batch-class messages kept as received (3122, 3128, 2102), one per business key."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def store(self, msg_no: str, business_key: str, tax_org_code: str, work_date: dt.date,
              msg_id: str, body: bytes, ccsid: int, now: dt.datetime) -> None:
        self.s.add(BatchInboundRecord(msg_no=msg_no, business_key=business_key,
                                      tax_org_code=tax_org_code, work_date=work_date,
                                      msg_id=msg_id, body=body, ccsid=ccsid, received_at=now))
        self.s.flush()

    def flag(self, msg_no: str, business_key: str, detail: str) -> None:
        self.s.execute(update(BatchInboundRecord).where(
            BatchInboundRecord.msg_no == msg_no, BatchInboundRecord.business_key == business_key
        ).values(state="FLAGGED", detail=detail))
