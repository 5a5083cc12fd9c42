"""The hash-chained audit log: append a row inside the caller's transaction, verify the chain,
and list rows for the auditor's page and exports.

Each row's hash covers its own fields and the previous row's hash, so editing any stored field
breaks that row's hash and deleting a row breaks the link (``prev_hash``, ``seq``) of the next
one; the head row names the newest seq, so deleting the newest rows is detected too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gateway.persistence.records.web import AuditHeadRecord, AuditRecord

GENESIS = "0" * 64
_HASHED = ("seq", "at", "actor", "actor_role", "address", "action", "target", "tax_org_code",
           "before", "after", "prev_hash")


@dataclass(frozen=True)
class AuditEntry:
    """What the caller knows about an action; ``before``/``after`` are JSON-able values."""

    actor: str
    actor_role: str
    action: str
    target: str = ""
    address: str = ""
    tax_org_code: str = ""
    before: Any = None
    after: Any = None


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def row_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the hashed fields in a fixed order (times to the second, ISO form)."""
    parts = []
    for name in _HASHED:
        value = fields[name]
        if isinstance(value, dt.datetime):
            value = value.replace(microsecond=0).isoformat()
        parts.append(f"{name}={value}")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def append(session: Session, entry: AuditEntry, now: dt.datetime) -> AuditRecord:
    """Add one row to the chain in ``session``'s transaction (committed or rolled back with the
    action it records)."""
    head = session.execute(select(AuditHeadRecord).where(AuditHeadRecord.id == 1)
                           .with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHeadRecord(id=1, seq=0, row_hash=GENESIS)
        session.add(head)
        session.flush()
    fields: dict[str, Any] = {
        "seq": head.seq + 1, "at": now.replace(microsecond=0), "actor": entry.actor,
        "actor_role": entry.actor_role, "address": entry.address[:64], "action": entry.action,
        "target": entry.target[:80], "tax_org_code": entry.tax_org_code,
        "before": _text(entry.before), "after": _text(entry.after), "prev_hash": head.row_hash}
    fields["row_hash"] = row_hash(fields)
    record = AuditRecord(**fields)
    session.add(record)
    head.seq, head.row_hash = fields["seq"], fields["row_hash"]
    session.flush()
    return record


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(conn: Connection, batch: int = 5000) -> VerifyResult:
    """Walk the chain in seq order; the first row whose hash, link or number is wrong is named."""
    expected_prev, expected_seq, rows = GENESIS, 1, 0
    for r in _walk(conn, batch):
        rows += 1
        fields = dict(r._mapping)
        if fields["seq"] != expected_seq:
            return VerifyResult(rows, expected_seq,
                                f"第 {expected_seq} 条记录缺失（下一条为第 {fields['seq']} 条）"
                                f" / row {expected_seq} is missing")
        if fields["prev_hash"] != expected_prev:
            return VerifyResult(rows, fields["seq"], f"第 {fields['seq']} 条记录的前序哈希不符"
                                " / prev_hash does not match the previous row")
        if row_hash(fields) != fields["row_hash"]:
            return VerifyResult(rows, fields["seq"], f"第 {fields['seq']} 条记录内容被修改"
                                " / row hash does not match its contents")
        expected_prev, expected_seq = fields["row_hash"], expected_seq + 1
    head = conn.execute(select(AuditHeadRecord.seq, AuditHeadRecord.row_hash)
                        .where(AuditHeadRecord.id == 1)).first()
    head_seq, head_hash = (head.seq, head.row_hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        return VerifyResult(rows, expected_seq, f"第 {expected_seq} 至 {head_seq} 条记录缺失"
                            f"（链头为第 {head_seq} 条） / rows after {expected_seq - 1} were deleted")
    return VerifyResult(rows)


def _walk(conn: Connection, batch: int) -> Iterator[Any]:
    last = 0
    while True:
        chunk = conn.execute(select(AuditRecord).where(AuditRecord.seq > last)
                             .order_by(AuditRecord.seq).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def _where(stmt, f: AuditFilter):
    if f.actor:
        stmt = stmt.where(AuditRecord.actor == f.actor)
    if f.action:
        stmt = stmt.where(AuditRecord.action == f.action)
    if f.since:
        stmt = stmt.where(AuditRecord.at >= dt.datetime.combine(f.since, dt.time()))
    if f.until:
        stmt = stmt.where(AuditRecord.at < dt.datetime.combine(f.until + dt.timedelta(days=1),
                                                               dt.time()))
    return stmt


def list_entries(conn: Connection, f: AuditFilter, limit: int | None = 200,
                 offset: int = 0) -> list[dict[str, Any]]:
    """Newest first; ``limit=None`` for an export (the caller streams the rows)."""
    stmt = _where(select(AuditRecord), f).order_by(AuditRecord.seq.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def iter_entries(conn: Connection, f: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every matching row, newest first, streamed (for exports of any size)."""
    stmt = _where(select(AuditRecord), f).order_by(AuditRecord.seq.desc())
    for r in conn.execution_options(stream_results=True, yield_per=1000).execute(stmt):
        yield dict(r._mapping)


def count_entries(conn: Connection, f: AuditFilter) -> int:
    return conn.execute(_where(select(func.count()).select_from(AuditRecord), f)).scalar_one()



class _Slot:
    __slots__ = ("entry", "now", "wake", "written", "error")

    def __init__(self, entry: AuditEntry, now: dt.datetime) -> None:
        self.entry, self.now = entry, now
        self.wake = threading.Event()  # set once written, or when this caller is to write
        self.written = False
        self.error: BaseException | None = None


class GroupWriter:
    """Group commit for audit rows that record nothing but themselves (an audited read: a
    download, an unmasked view). :meth:`append` returns once its row is committed, as a commit
    of its own would, and raises what that commit raised; rows that arrive while a commit is
    running are written together in the next one, by the first of their callers (no thread of
    its own, so nothing to start or stop).

    Why: every row extends one hash chain through one head row, so audit rows are written one
    transaction at a time; at month end 100 clients downloading together each waited for a
    durable commit of their own, taking turns with the gateway for SQLite's write lock."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._pending: list[_Slot] = []
        self._busy = False  # a caller is writing; the others wait for it
        self.commits = 0  # transactions that wrote rows (for tests and benchmarks)

    def append(self, entry: AuditEntry, now: dt.datetime) -> None:
        slot = _Slot(entry, now)
        with self._lock:
            self._pending.append(slot)
            lead = not self._busy
            self._busy = True
        if not lead:
            slot.wake.wait()  # written by the caller writing now, or handed the next write
        if not slot.written:
            self._write_pending()  # every row waiting, this one's included
        if slot.error is not None:
            raise slot.error

    def _write_pending(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        error: BaseException | None = None
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                for s in batch:
                    append(session, s.entry, s.now)
                session.commit()
            self.commits += 1
        except BaseException as exc:  # each caller in the batch gets its commit's failure
            error = exc
        with self._lock:
            for s in batch:
                s.error, s.written = error, True
                s.wake.set()
            if self._pending:  # arrived during this commit: the first of them writes next
                self._pending[0].wake.set()
            else:
                self._busy = False


_writers_lock = threading.Lock()


def group_writer(engine: Any) -> GroupWriter:
    """This process's :class:`GroupWriter` for ``engine``'s database (kept on the engine)."""
    held = getattr(engine, "_etsgw_audit_writer", None)
    if held is None or held[0] != os.getpid():
        with _writers_lock:
            held = getattr(engine, "_etsgw_audit_writer", None)
            if held is None or held[0] != os.getpid():
                held = (os.getpid(), GroupWriter(engine))
                engine._etsgw_audit_writer = held
    return held[1]
