"""The inbound consumer publishes the events its messages raised only after the database commit
and the get are both final, in joined and in two-phase mode, and never after a failure."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterator

import pytest

from gateway.runtime.consumer import QueueConsumer
from gateway.services.messagebus import MessageBus
from tests.unit.services.fake_uow import FakeDatabase, FakeUnitOfWork
from tests.unit.services.test_events import Ping, Pong, Spy, _options, _ping


@dataclass
class FakeEnvelope:
    body: bytes
    backout_count: int = 0


@dataclass
class FakeQueue:
    messages: list[FakeEnvelope] = field(default_factory=list)
    commits: int = 0
    backouts: int = 0


class FakeTransportSession:
    def __init__(self, queue: FakeQueue) -> None:
        self.q = queue
        self.taken: list[FakeEnvelope] = []

    def peek(self, name: str) -> bool:
        return bool(self.q.messages)

    def get(self, name: str, wait_s: float = 0.0) -> FakeEnvelope | None:
        if not self.q.messages:
            return None
        self.taken.append(self.q.messages.pop(0))
        return self.taken[-1]

    def commit(self) -> None:
        self.q.commits += 1
        self.taken = []

    def backout(self) -> None:
        self.q.backouts += 1
        self.q.messages[:0] = self.taken
        self.taken = []


class FakeTransport:
    def __init__(self, queue: FakeQueue) -> None:
        self.q = queue

    @contextlib.contextmanager
    def session(self, connection: Any = None) -> Iterator[FakeTransportSession]:
        yield FakeTransportSession(self.q)


class FakeProcessor:
    """Turns each message into a Ping handled in the consumer's unit of work."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    def process(self, env: FakeEnvelope, uow: FakeUnitOfWork, tsess: Any) -> str:
        self.bus.handle(Ping(fail_after_emit=env.body == b"poison"), uow)
        return "PROCESSED"


class JoinedFakeUnitOfWork(FakeUnitOfWork):
    """Joined mode hands the unit of work's connection to the transport session."""

    session = SimpleNamespace(connection=lambda: None)


@dataclass
class Rig:
    consumer: QueueConsumer
    queue: FakeQueue
    spy: Spy
    db: FakeDatabase
    gets_committed: list[int] = field(default_factory=list)  # the queue's commits per event


def _rig(joined: bool, bodies: list[bytes]) -> Rig:
    db = FakeDatabase()
    queue = FakeQueue([FakeEnvelope(b) for b in bodies])
    spy = Spy(db)
    seen: list[int] = []

    def pong(event: Pong, uow: FakeUnitOfWork, ctx: Any) -> None:
        spy(event, uow, ctx)
        seen.append(queue.commits)  # recorded, not asserted: the bus only logs a failed handler

    bus = MessageBus(lambda: FakeUnitOfWork(db), _options(), handlers={Ping: _ping, Pong: pong})
    factory = (lambda: JoinedFakeUnitOfWork(db)) if joined else (lambda: FakeUnitOfWork(db))
    consumer = QueueConsumer(factory, FakeTransport(queue), FakeProcessor(bus), joined,
                             batch_size=2)
    return Rig(consumer, queue, spy, db, seen)


@pytest.mark.parametrize("joined", [True, False])
def test_events_are_published_after_both_commits(joined: bool) -> None:
    rig = _rig(joined, [b"a", b"b"])
    assert rig.consumer.consume_one("IN") == "PROCESSED"
    # Joined mode takes both messages in one transaction; two-phase takes one.
    expected = [Pong(1), Pong(2), Pong(1), Pong(2)] if joined else [Pong(1), Pong(2)]
    assert [ev for ev, _, _ in rig.spy.calls] == expected
    assert all(commits >= 1 for _, commits, _ in rig.spy.calls)  # after the database commit
    assert rig.gets_committed == [1] * len(expected)  # and after the get became final


@pytest.mark.parametrize("joined", [True, False])
def test_a_failed_message_publishes_nothing(joined: bool) -> None:
    rig = _rig(joined, [b"poison"])
    assert rig.consumer.consume_one("IN") == "FAILED"
    assert rig.spy.calls == [] and rig.queue.backouts == 1 and rig.db.commits == 0
