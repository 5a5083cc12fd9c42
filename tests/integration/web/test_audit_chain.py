"""The audit chain itself on SQLite and PostgreSQL: appends link rows, concurrent writers queue
on the chain head instead of forking it, and verification names the first broken row."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.persistence import audit_log, migrate
from gateway.persistence.engine import make_engine

NOW = dt.datetime(2026, 11, 16, 9, 30, 0)


def _append(engine, n: int, actor: str = "tester") -> None:
    for i in range(n):
        with Session(engine) as s, s.begin():
            audit_log.append(s, audit_log.AuditEntry(actor, "COLLECTOR", "TEST", f"t:{i}",
                                                     after={"i": i, "金额": "1.00"}), NOW)


def test_chain_holds_and_breaks_where_edited(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    _append(engine, 3)
    with engine.connect() as conn:
        assert audit_log.verify(conn) == audit_log.VerifyResult(3)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET target = 'x' WHERE seq = 2"))
    with engine.connect() as conn:
        result = audit_log.verify(conn)
    assert (result.ok, result.broken_seq) == (False, 2)
    engine.dispose()


def test_concurrent_writers_do_not_fork_the_chain(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    _append(engine, 1)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            _append(engine, 5, name)
        except BaseException as exc:  # reported below
            errors.append(exc)
    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert audit_log.verify(conn) == audit_log.VerifyResult(16)
    engine.dispose()
