"""Real-time batch runs through the bus, in memory: launch takes the list's entries, the driver
keeps the run's in-flight limit, every debit follows the single-debit rules (in doubt → 9003,
never a second 1001 for the same entries), and the run finishes when every item is resolved."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.domain.batch_messages import AdvanceRealtimeBatches, LaunchRealtimeBatch
from gateway.domain.debit import DebitState
from gateway.domain.errors import DomainError
from gateway.domain.levy import LevyState
from gateway.domain.pending_list import EntryState
from gateway.domain.realtime_batch import Outcome, RunState, in_flight_budget
from gateway.services.status import LINK
from tests.unit.services.world import World

LIST = 7


def seed_list(world: World) -> None:
    """The entries the SQL selection would write for both payers."""
    world.data.list_entries = [
        {"list_id": LIST, "payer_id": p, "levy_id": lid, "state": EntryState.GENERATED,
         "run_id": None, "debit_id": None, "note": ""}
        for p in world.payers for lid in world.levy_ids(p)]


def progress(world: World, run_id: int):  # noqa: ANN201
    with world.uow() as uow:
        return uow.realtime_batches.progress(run_id)


def launch(world: World, limit: int | None = 1) -> int:
    seed_list(world)
    run_id: int = world.handle(LaunchRealtimeBatch(LIST, "staff1", limit)).run_id
    return run_id


def test_launch_takes_the_entries_and_sends_nothing_yet(world: World) -> None:
    run_id = launch(world)
    assert {e["state"] for e in world.data.list_entries} == {EntryState.REALTIME}
    assert world.sent("1001") == [] and progress(world, run_id).counts[Outcome.QUEUED] == 2
    with pytest.raises(DomainError):
        world.handle(LaunchRealtimeBatch(LIST, "staff1"))  # nothing left to take


def test_the_default_limit_is_the_gateway_s_and_a_limit_below_one_is_refused(world: World) -> None:
    seed_list(world)
    with pytest.raises(DomainError):
        world.handle(LaunchRealtimeBatch(LIST, "staff1", 0))
    assert world.handle(LaunchRealtimeBatch(LIST, "staff1")).max_in_flight == \
        world.options.max_in_flight


def test_the_run_keeps_its_limit_and_an_in_doubt_debit_is_queried_not_resent(world: World) -> None:
    run_id = launch(world, limit=1)
    assert world.handle(AdvanceRealtimeBatches()) == 1
    assert world.handle(AdvanceRealtimeBatches()) == 0  # one in flight
    first = world.debit(world.data.list_entries[0]["debit_id"])
    world.clock.advance(11)
    world.sweep()  # no 9120: IN_DOUBT, still in flight for the run
    assert world.debit(first.id).state is DebitState.IN_DOUBT and len(world.sent("1001")) == 1
    world.clock.advance(60)
    world.sweep()
    assert len(world.sent("9003")) == 1 and len(world.sent("1001")) == 1
    world.status(first, "20")  # 9004 OpStat 20: paid
    world.data.state[LINK] = "UP"  # the in-memory ETS never answers the sweeper's link test
    world.sweep()  # settles it and sends the second payer's debit
    assert len(world.sent("1001")) == 2
    second = world.debit(world.data.list_entries[-1]["debit_id"])
    world.answer_2001(second, "24004", "余额不足")
    world.sweep()
    done = progress(world, run_id)
    assert done.state is RunState.FINISHED and done.finished_at is not None
    assert (done.counts[Outcome.PAID], done.counts[Outcome.FAILED]) == (1, 1)
    assert done.paid_amount == first.amount
    assert world.levy_states(world.payers[1]) == [LevyState.UNPAID] * 3


def test_a_refusal_fails_the_item_with_its_reason_and_the_run_goes_on(world: World) -> None:
    run_id = launch(world, limit=5)
    for lv in world.data.levies.values():
        if lv.payer_id == world.payers[0]:
            lv.state = LevyState.PAID  # paid another way since the list was generated
    assert world.handle(AdvanceRealtimeBatches()) == 1
    refused = [e for e in world.data.list_entries if e["payer_id"] == world.payers[0]]
    assert {e["state"] for e in refused} == {EntryState.FINISHED} and all(e["note"] for e in refused)
    assert progress(world, run_id).counts[Outcome.FAILED] == 1


def test_over_the_gateway_limit_entries_wait_for_the_next_pass(world: World) -> None:
    world.bus.options = dataclasses.replace(world.options, max_in_flight=1)
    run_id = launch(world, limit=5)
    assert world.handle(AdvanceRealtimeBatches()) == 1
    assert progress(world, run_id).counts[Outcome.QUEUED] == 1  # not failed: queued


def test_nothing_is_sent_while_the_link_is_down(world: World) -> None:
    launch(world)
    world.data.state[LINK] = "DOWN"
    assert world.handle(AdvanceRealtimeBatches()) == 0 and world.sent("1001") == []


def test_in_flight_budget() -> None:
    assert (in_flight_budget(5, 2, 100), in_flight_budget(5, 7, 100), in_flight_budget(5, 0, 2)) == (3, 0, 2)
