"""Fixtures of the kill tests: a seeded gateway database and both queue managers per test, in
joined or two-phase mode, with every worker process killed at teardown."""

from __future__ import annotations

import pytest

from gateway.bootstrap import build
from gateway.config import load_settings
from gateway.domain.commands import SubmitDebit
from gateway.persistence import migrate
from gateway.runtime.app import build_runtime, same_database
from tests.e2e.killtests.harness import World, write_config
from tests.support.seed import Seeded, seed


def make_world(tmp_path, mode: str, units: int) -> tuple[World, Seeded]:
    config = write_config(tmp_path, mode)
    settings = load_settings(config, environ={})
    joined = same_database(settings.embedded_transport_url, settings.database.url)
    assert joined == (mode == "joined"), f"configuration does not give {mode} mode"
    app = build(settings)
    try:
        migrate.upgrade(app.engine)
        data = seed(app.engine, units=units)
    finally:
        app.close()
    world = World(tmp=tmp_path, mode=mode, config=config, settings=settings)
    world.open_queue_managers()
    return world, data


def submit_debits(world: World, data: Seeded, payers: list[int] | None = None) -> list:
    """One single debit (1001 in the outbox) per payer (default: every seeded payer),
    in-process through the bus."""
    rt = build_runtime(build(world.settings))
    try:
        return [rt.bus.handle(SubmitDebit(payer_id=p, levy_ids=tuple(data.levies[p]),
                                          requested_by="killtest"))
                for p in (data.payers if payers is None else payers)]
    finally:
        rt.close()


@pytest.fixture
def world_factory(tmp_path):
    worlds: list[World] = []

    def make(mode: str, units: int) -> tuple[World, Seeded]:
        world, data = make_world(tmp_path, mode, units)
        worlds.append(world)
        return world, data

    yield make
    for w in worlds:
        w.close()
