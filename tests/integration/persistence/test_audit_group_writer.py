"""Group commit of audited reads (persistence/audit_log.GroupWriter): rows that arrive while a
commit runs are written together in the next one, each caller returns once its row is
committed, the chain stays whole, and a failed commit reaches every caller of its batch."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select, text

from gateway.persistence import audit_log, migrate
from gateway.persistence.engine import make_engine
from gateway.persistence.records.web import AuditRecord

NOW = dt.datetime(2026, 11, 30, 10, 0)


def entry(n: int) -> audit_log.AuditEntry:
    return audit_log.AuditEntry(actor=f"staff{n}", actor_role="STAFF", action="EXPORT_REPORT",
                                target=f"report:{n}")


def until(cond, what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_rows_arriving_during_a_commit_share_the_next_one(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    writer = audit_log.GroupWriter(engine)
    writer.append(entry(0), NOW)  # the head row exists; one commit
    blocker = engine.connect()
    blocker.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))  # holds the chain
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            writer.append(entry(n), NOW)
        except BaseException as exc:  # noqa: BLE001 - the assertion shows it
            errors.append(exc)

    first = threading.Thread(target=run, args=(1,))
    first.start()
    until(lambda: writer._busy and not writer._pending, "the first caller to take its row")
    others = [threading.Thread(target=run, args=(n,)) for n in range(2, 21)]
    for t in others:
        t.start()
    until(lambda: len(writer._pending) == 19, "19 rows to wait behind the running commit")
    assert first.is_alive()  # its commit waits for the blocker: it has not returned early
    blocker.rollback()
    blocker.close()
    for t in (first, *others):
        t.join(60)
    assert errors == []
    assert writer.commits == 3  # row 0; row 1; rows 2..20 together
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditRecord)).scalar_one() == 21
        assert sorted(conn.execute(select(AuditRecord.seq)).scalars()) == list(range(1, 22))
        assert audit_log.verify(conn).ok
    engine.dispose()


def test_a_failed_commit_reaches_its_caller_and_the_next_row_is_written(db_url, monkeypatch):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    writer = audit_log.GroupWriter(engine)
    real = audit_log.append

    def failing(session, e, now):
        if e.actor == "bad":
            raise RuntimeError("the database refused the row")
        return real(session, e, now)
    monkeypatch.setattr(audit_log, "append", failing)
    with pytest.raises(RuntimeError, match="refused"):
        writer.append(audit_log.AuditEntry(actor="bad", actor_role="STAFF", action="X"), NOW)
    writer.append(entry(1), NOW)  # the writer is free again
    with engine.connect() as conn:
        assert list(conn.execute(select(AuditRecord.actor)).scalars()) == ["staff1"]
        assert audit_log.verify(conn).ok
    engine.dispose()
