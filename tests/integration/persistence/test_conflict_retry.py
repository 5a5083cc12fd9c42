"""A real PostgreSQL deadlock between two commands: the database aborts one, the bus runs it
again whole, and both commands end committed (services/messagebus.py, CONFLICT_ATTEMPTS)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from gateway.domain.commands import Command
from gateway.persistence import migrate
from gateway.persistence.engine import make_engine
from gateway.persistence.unit_of_work import SqlUnitOfWork
from gateway.services.messagebus import MessageBus
from gateway.services.options import GatewayOptions


@dataclass(frozen=True)
class Touch(Command):
    first: str
    second: str


@pytest.mark.postgres
def test_two_commands_that_deadlock_both_commit(pg_url, caplog):
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO gateway_state (key, value) VALUES ('A', '0'), ('B', '0')"))
    both_hold_one = threading.Barrier(2, timeout=30)
    attempts: dict[str, int] = {"A": 0, "B": 0}

    def touch(cmd: Touch, uow, ctx) -> None:
        attempts[cmd.first] += 1
        bump = text("UPDATE gateway_state SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) "
                    "WHERE key = :k")
        uow.session.execute(bump, {"k": cmd.first})
        if attempts[cmd.first] == 1:  # the first attempts cross: A then B against B then A
            both_hold_one.wait()
        uow.session.execute(bump, {"k": cmd.second})

    bus = MessageBus(lambda: SqlUnitOfWork(engine), GatewayOptions(), handlers={Touch: touch})
    errors: list[BaseException] = []

    def run(cmd: Touch) -> None:
        try:
            bus.handle(cmd)
        except BaseException as exc:  # noqa: BLE001 - the assertion shows it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(Touch("A", "B"),)),
               threading.Thread(target=run, args=(Touch("B", "A"),))]
    with caplog.at_level("WARNING", logger="gateway.services.messagebus"):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # one was aborted by the deadlock and ran again
    with engine.connect() as conn:
        values = dict(conn.execute(text("SELECT key, value FROM gateway_state "
                                        "WHERE key IN ('A', 'B')")).all())
    assert values == {"A": "2", "B": "2"}  # each command's two updates, once
    assert any("aborted by a concurrent transaction" in r.getMessage() for r in caplog.records)
    engine.dispose()


@dataclass(frozen=True)
class Ensure(Command):
    key: str


@pytest.mark.postgres
def test_two_commands_inserting_the_same_new_row_both_succeed(pg_url):
    """Look up, not found, insert — in two transactions at once (two imports creating the same
    resident): the second insert fails on the key once the first commits; run again, its
    look-up finds the row and it goes on without inserting."""
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    both_looked = threading.Barrier(2, timeout=30)
    found_on: list[tuple[str, int]] = []
    runs: list[int] = []

    def ensure(cmd: Ensure, uow, ctx) -> None:
        runs.append(1)
        first = len(runs) <= 2
        row = uow.session.execute(text("SELECT value FROM gateway_state WHERE key = :k"),
                                  {"k": cmd.key}).first()
        if first:
            both_looked.wait()
        if row is None:
            uow.session.execute(text("INSERT INTO gateway_state (key, value) VALUES (:k, 'x')"),
                                {"k": cmd.key})
        else:
            found_on.append((cmd.key, len(runs)))

    bus = MessageBus(lambda: SqlUnitOfWork(engine), GatewayOptions(), handlers={Ensure: ensure})
    errors: list[BaseException] = []

    def run() -> None:
        try:
            bus.handle(Ensure("RESIDENT-1"))
        except BaseException as exc:  # noqa: BLE001 - the assertion shows it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(runs) == 3 and len(found_on) == 1  # the loser ran again and found the row
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM gateway_state WHERE key = 'RESIDENT-1'")
                            ).scalar_one() == 1
    engine.dispose()
