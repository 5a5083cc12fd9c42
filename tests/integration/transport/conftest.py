"""Harnesses for the transport contract suite: the embedded queue manager on SQLite and on
PostgreSQL, and IBM MQ when a queue manager is configured through ``ETSGW_TEST_MQ_*``.

Embedded harnesses build both queue managers of the demo from the default definitions: the
gateway's ``QM.TAX`` and the simulator's ``QM.ETS`` (separate SQLite files; one shared
PostgreSQL database), with an injectable clock for the channel disconnect interval.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.config import Settings
from gateway.transports.base import (REQUEST_CORREL_ID, Envelope, QueueAdmin, QueueInfo,
                                     Transport, msg_id_from_digits)

MQ_ENV = ("ETSGW_TEST_MQ_HOST", "ETSGW_TEST_MQ_QMGR", "ETSGW_TEST_MQ_CHANNEL")


class FakeClock:
    """A clock the test moves by hand (channel disconnect interval, retry interval)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def msg_id(n: int) -> bytes:
    return msg_id_from_digits(f"{20240101000000000000 + n:020d}")


@dataclass
class Harness:
    kind: str  # sqlite | postgres | ibmmq
    settings: Settings
    transport: Transport
    admin: QueueAdmin
    queue: str  # a local queue with a backout queue
    clock: FakeClock = field(default_factory=FakeClock)
    partner: Any = None  # the simulator's EmbeddedTransport
    partner_admin: Any = None

    @property
    def embedded(self) -> bool:
        return self.kind != "ibmmq"

    def need_embedded(self, why: str) -> None:
        if not self.embedded:
            pytest.skip(f"embedded queue manager only: {why}")

    def put(self, queue: str, n: int, body: bytes = b"<CFX/>", correl_id: bytes = REQUEST_CORREL_ID,
            transport: Any = None) -> bytes:
        """Put one message and commit; returns its MsgId."""
        with (transport or self.transport).session() as s:
            s.put(queue, body + str(n).encode(), msg_id=msg_id(n), correl_id=correl_id, ccsid=1386)
            s.commit()
        return msg_id(n)

    def get(self, queue: str, transport: Any = None, **kw: Any) -> Envelope | None:
        """Get one message and commit."""
        with (transport or self.transport).session() as s:
            env = s.get(queue, **kw)
            s.commit()
            return env

    def queue_info(self, name: str, admin: Any = None) -> QueueInfo:
        return {q.name: q for q in (admin or self.admin).queues()}[name]

    def agent(self, **kw: Any) -> Any:
        from gateway.transports.embedded.channels import ChannelAgent
        return ChannelAgent(self.transport, self.settings.transport.sender_channel, self.partner,
                            clock=self.clock, **kw)

    def drain(self, queue: str) -> None:
        while self.get(queue) is not None:
            pass


def _embedded(kind: str, app_url: str, sim_url: str) -> Harness:
    from gateway.transports.embedded.admin import EmbeddedQueueAdmin
    from gateway.transport_factory import open_embedded

    settings = Settings().replace(
        database={"url": app_url}, simulator={"database_url": sim_url},
        transport={"backout_threshold": 2, "channel_disconnect_s": 300})
    clock = FakeClock()
    gw = open_embedded(settings, settings.transport.queue_manager, clock=clock)
    sim = open_embedded(settings, settings.transport.partner_queue_manager, clock=clock)
    return Harness(kind, settings, gw, EmbeddedQueueAdmin(gw), settings.online_out_queue,
                   clock=clock, partner=sim, partner_admin=EmbeddedQueueAdmin(sim))


def _ibmmq() -> Harness:
    missing = [name for name in MQ_ENV if not os.environ.get(name)]
    if missing:
        pytest.skip(f"IBM MQ contract tests need {', '.join(missing)}")
    from gateway.transport_factory import open_admin, open_transport

    env = os.environ
    settings = Settings().replace(
        transport={"kind": "ibmmq", "queue_manager": env["ETSGW_TEST_MQ_QMGR"]},
        ibmmq={"host": env["ETSGW_TEST_MQ_HOST"], "channel": env["ETSGW_TEST_MQ_CHANNEL"],
               "port": int(env.get("ETSGW_TEST_MQ_PORT", "1414")),
               "user": env.get("ETSGW_TEST_MQ_USER", ""),
               "password": env.get("ETSGW_TEST_MQ_PASSWORD", "")})
    h = Harness("ibmmq", settings, open_transport(settings), open_admin(settings),
                env.get("ETSGW_TEST_MQ_QUEUE", "DEV.QUEUE.1"))
    h.drain(h.queue)
    return h


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("ibmmq", marks=pytest.mark.ibmmq)])
def harness(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    if request.param == "sqlite":
        h = _embedded("sqlite", f"sqlite:///{tmp_path / 'app.db'}",
                      f"sqlite:///{tmp_path / 'sim.db'}")
    elif request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        h = _embedded("postgres", url, url)  # both queue managers share one database
    else:
        h = _ibmmq()
    yield h
    h.transport.close()
    if h.partner is not None:
        h.partner.close()
