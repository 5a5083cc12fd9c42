"""Events the handlers raise are handled after the unit of work that raised them commits: by the
bus for the units it opens, by the caller (the inbound consumer) for the ones it passes; never
when that unit rolled back. DuplicatePaymentFlagged is followed by an alert and a review item."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain import events as e
from gateway.domain.commands import Command
from gateway.domain.debit import DebitState
from gateway.domain.events import Event
from gateway.services.context import HandlerContext
from gateway.services.handlers import HANDLERS
from gateway.services.messagebus import MessageBus
from gateway.services.ports import UnitOfWork
from tests.unit.services.fake_uow import FakeDatabase, FakeUnitOfWork
from tests.unit.services.test_counter import _pay, _query, _voucher
from tests.unit.services.world import AMOUNTS, DAY, World


@dataclass(frozen=True)
class Ping(Command):
    fail_after_emit: bool = False


@dataclass(frozen=True)
class Pong(Event):
    n: int


class Spy:
    """Records each event it handles with what was committed at that moment."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.calls: list[tuple[Event, int, FakeUnitOfWork]] = []

    def __call__(self, event: Event, uow: FakeUnitOfWork, ctx: HandlerContext) -> None:
        self.calls.append((event, self.db.commits, uow))
        uow.alerts.add("INFO", "spy", repr(event))


def _ping(cmd: Ping, uow: UnitOfWork, ctx: HandlerContext) -> str:
    ctx.emit(Pong(1))
    ctx.emit(Pong(2))
    uow.alerts.add("INFO", "ping", "done")
    if cmd.fail_after_emit:
        raise RuntimeError("the handler failed after raising its events")
    return "pong"


def _bus(db: FakeDatabase, **extra: Any) -> tuple[MessageBus, Spy]:
    spy = Spy(db)
    handlers: dict[type, Any] = {Ping: _ping, Pong: spy, **extra}
    return MessageBus(lambda: FakeUnitOfWork(db), _options(), handlers=handlers), spy


def _options() -> Any:
    from gateway.services.options import GatewayOptions

    return GatewayOptions(initial_work_date=DAY)


def test_a_duplicate_payment_reaches_its_handler_after_the_payment_committed(world: World) -> None:
    """The debit fails, the payer pays the same levies at a bank counter, then the bank reports
    the debit succeeded after all: each levy is paid twice (§8.1)."""
    real = HANDLERS[e.DuplicatePaymentFlagged]
    seen: list[tuple[DebitState, UnitOfWork]] = []

    def watching(event: e.DuplicatePaymentFlagged, uow: UnitOfWork, ctx: HandlerContext) -> None:
        seen.append((world.data.debits[debit_id].state, uow))  # what is committed by now
        real(event, uow, ctx)

    world.bus.handlers[e.DuplicatePaymentFlagged] = watching
    d = world.submit()
    debit_id = d.saved_id
    world.answer_2001(d, "24007")
    v = _voucher(world)
    _query(world, v.tax_vou_no)
    assert _pay(world, v.tax_vou_no) == "90000"
    opened = len(world.opened)
    world.answer_2001(d, "90000")
    inbound_uow, *event_uows = world.opened[opened:]
    assert [state for state, _ in seen] == [DebitState.SUCCEEDED] * 3
    assert [uow for _, uow in seen] == event_uows and inbound_uow not in event_uows
    duplicates = [r for r in world.data.reviews if r[0] == "DUPLICATE_PAYMENT"]
    assert [(r[2], r[3], r[4]) for r in duplicates] == [(d.tax_org_code, d.key, a) for a in AMOUNTS]
    assert all(f"COUNTER:{v.id}" in r[1] and "需退费" in r[1] for r in duplicates)
    warnings = [a for a in world.data.alerts if a[:2] == ("WARNING", "payment")]
    assert len(warnings) == 3 and "重复缴款" in warnings[0][2]
    assert "LATE_SUCCESS" in world.review_kinds()


def test_the_duplicate_handler_writes_an_alert_and_a_review_item() -> None:
    db = FakeDatabase()
    bus = MessageBus(lambda: FakeUnitOfWork(db), _options())
    bus.handle(e.DuplicatePaymentFlagged(7, "DEBIT:3", Decimal("619.20"), "14401060000/20241105/"
                                         "00000001", "14401060000", "COUNTER:5"))
    assert db.data.alerts == [("WARNING", "payment", "重复缴款：应征 7 已由 COUNTER:5 缴纳，"
                               "14401060000/20241105/00000001 再次扣款 619.20 元，需退费")]
    assert db.data.reviews == [("DUPLICATE_PAYMENT", "应征 7 已缴（COUNTER:5），14401060000/20241105/"
                                "00000001 再次扣款成功，需退费", "14401060000",
                                "14401060000/20241105/00000001", Decimal("619.20"))]


def test_the_bus_publishes_after_its_own_commit_each_event_in_a_new_unit() -> None:
    db = FakeDatabase()
    bus, spy = _bus(db)
    assert bus.handle(Ping()) == "pong"
    assert [(ev, commits) for ev, commits, _ in spy.calls] == [(Pong(1), 1), (Pong(2), 2)]
    assert len({id(uow) for _, _, uow in spy.calls}) == 2
    assert [a[1] for a in db.data.alerts] == ["ping", "spy", "spy"]


def test_events_of_a_failed_handler_are_never_published() -> None:
    db = FakeDatabase()
    bus, spy = _bus(db)
    with pytest.raises(RuntimeError):
        bus.handle(Ping(fail_after_emit=True))
    assert spy.calls == [] and db.commits == 0 and db.data.alerts == []


def test_with_the_callers_unit_the_events_wait_for_its_commit() -> None:
    db = FakeDatabase()
    bus, spy = _bus(db)
    uow = FakeUnitOfWork(db)
    with uow:
        bus.handle(Ping(), uow)
        assert uow.raised == [Pong(1), Pong(2)] and spy.calls == []
        uow.commit()
    bus.publish(uow)
    assert [ev for ev, _, _ in spy.calls] == [Pong(1), Pong(2)] and uow.raised == []
    bus.publish(uow)  # each event once
    assert len(spy.calls) == 2


def test_a_rollback_discards_the_raised_events() -> None:
    db = FakeDatabase()
    bus, spy = _bus(db)
    uow = FakeUnitOfWork(db)
    with uow:
        bus.handle(Ping(), uow)
        uow.rollback()
    bus.publish(uow)
    assert spy.calls == [] and db.data.alerts == []


def test_a_failing_event_handler_is_logged_and_the_others_still_run(
        caplog: pytest.LogCaptureFixture) -> None:
    db = FakeDatabase()

    def broken(event: Pong, uow: UnitOfWork, ctx: HandlerContext) -> None:
        if event.n == 1:
            raise RuntimeError("alert store unavailable")
        uow.alerts.add("INFO", "pong", str(event.n))

    bus, _ = _bus(db)
    bus.handlers[Pong] = broken
    with caplog.at_level(logging.ERROR, logger="gateway.services.messagebus"):
        assert bus.handle(Ping()) == "pong"
    assert [a[1:] for a in db.data.alerts] == [("ping", "done"), ("pong", "2")]
    assert "handling raised Pong failed" in caplog.text


def test_events_raised_while_handling_events_are_published_too() -> None:
    db = FakeDatabase()

    def relay(event: Pong, uow: UnitOfWork, ctx: HandlerContext) -> None:
        if event.n < 3:
            ctx.emit(Pong(event.n + 10))

    bus, spy = _bus(db)
    bus.handlers[Pong] = lambda ev, uow, ctx: (relay(ev, uow, ctx), spy(ev, uow, ctx))
    bus.handle(Ping())
    assert [ev.n for ev, _, _ in spy.calls if isinstance(ev, Pong)] == [1, 11, 2, 12]


def test_an_event_without_a_handler_is_dropped() -> None:
    db = FakeDatabase()
    bus, spy = _bus(db)
    del bus.handlers[Pong]
    assert bus.handle(Ping()) == "pong" and db.commits == 1


@dataclass(frozen=True)
class Flaky(Command):
    conflicts: int  # how many first attempts the database aborts
    error: str = "conflict"


def test_a_unit_of_work_aborted_for_a_conflict_is_run_again_whole() -> None:
    """Each attempt is a fresh unit of work: what the aborted ones did is not kept, and the
    events of the attempt that committed are published once."""
    from tests.unit.services.fake_uow import FakeConflict

    db = FakeDatabase()
    calls: list[int] = []

    def flaky(cmd: Flaky, uow: UnitOfWork, ctx: HandlerContext) -> str:
        calls.append(len(calls) + 1)
        uow.alerts.add("INFO", "flaky", f"attempt {len(calls)}")
        ctx.emit(Pong(len(calls)))
        if len(calls) <= cmd.conflicts:
            raise FakeConflict("deadlock detected") if cmd.error == "conflict" else ValueError("bad")
        return f"done at {len(calls)}"

    bus, spy = _bus(db)
    bus.handlers[Flaky] = flaky
    assert bus.handle(Flaky(conflicts=2)) == "done at 3"
    assert db.commits == 2  # the third attempt, then the published Pong's unit of work
    assert [ev for ev, _, _ in spy.calls] == [Pong(3)]
    assert [a[2] for a in db.data.alerts if a[1] == "flaky"] == ["attempt 3"]


def test_conflicts_give_up_after_the_last_attempt_and_other_errors_are_not_retried() -> None:
    from gateway.services.messagebus import CONFLICT_ATTEMPTS
    from tests.unit.services.fake_uow import FakeConflict

    db = FakeDatabase()
    calls: list[str] = []

    def flaky(cmd: Flaky, uow: UnitOfWork, ctx: HandlerContext) -> str:
        calls.append(cmd.error)
        if cmd.error == "conflict":
            raise FakeConflict("deadlock detected")
        raise ValueError("not a conflict")

    bus, spy = _bus(db)
    bus.handlers[Flaky] = flaky
    with pytest.raises(FakeConflict):
        bus.handle(Flaky(conflicts=99))
    assert len(calls) == CONFLICT_ATTEMPTS
    calls.clear()
    with pytest.raises(ValueError):
        bus.handle(Flaky(conflicts=1, error="other"))
    assert calls == ["other"] and db.commits == 0 and spy.calls == []
