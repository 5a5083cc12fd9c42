"""A monitored world on the embedded transport: the gateway's queue manager QM.TAX and the
simulator's QM.ETS from the default definitions, a migrated application database, and a
monitor built as ``etsgw monitor`` builds it, on a clock the test moves by hand and with a
recording alert sink."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.config import Settings
from gateway.monitor.alerts import Alert
from gateway.monitor.model import Finding
from gateway.monitor.runner import Monitor, Snapshot, build_monitor
from gateway.persistence.engine import make_engine, make_reader
from gateway.persistence.migrate import upgrade
from gateway.transport_factory import open_embedded
from gateway.transports.base import REQUEST_CORREL_ID, msg_id_from_digits
from gateway.transports.embedded.admin import EmbeddedQueueAdmin

XMITQ = "QM.ETS.XMITQ"
REMOTE = "ETS.EXT.ONLINE.IN"
INBOUND = "ETS.244000000000.ONLINE.OUT"
BACKOUT = f"{INBOUND}.BACKOUT"
SENDER = "TAX.TO.ETS"


class FakeClock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))  # whole seconds: put times keep microseconds only

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingSink:
    name = "recording"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send(self, alerts) -> None:
        self.alerts.extend(alerts)


@dataclass
class World:
    settings: Settings
    clock: FakeClock
    gw: Any
    sim: Any
    engine: Any
    reader: Any
    sink: RecordingSink = field(default_factory=RecordingSink)
    monitor: Monitor | None = None
    _n: int = 0

    @property
    def admin(self) -> EmbeddedQueueAdmin:
        return EmbeddedQueueAdmin(self.gw)

    @property
    def partner_admin(self) -> EmbeddedQueueAdmin:
        return EmbeddedQueueAdmin(self.sim)

    def check(self, **kw: Any) -> Snapshot:
        if self.monitor is None:
            self.monitor = build_monitor(self.settings, self.reader, host=False,
                                         clock=self.clock, **kw)
            self.monitor.alerts.sinks = [self.sink]
        return self.monitor.check()

    def put(self, queue: str, count: int = 1) -> None:
        with self.gw.session() as s:
            for _ in range(count):
                self._n += 1
                s.put(queue, b"<CFX/>", msg_id=msg_id_from_digits(f"{20250102000000000000 + self._n}"),
                      correl_id=REQUEST_CORREL_ID, ccsid=1386)
            s.commit()

    def poison(self, queue: str = INBOUND) -> None:
        """A message that fails every time until it reaches the backout threshold."""
        self.put(queue)
        for _ in range(self.settings.transport.backout_threshold):
            with self.gw.session() as s:
                assert s.get(queue) is not None
                s.backout()

    def drain(self, queue: str) -> int:
        n = 0
        with self.gw.session() as s:
            while s.get(queue) is not None:
                n += 1
            s.commit()
        return n

    def agent(self) -> Any:
        from gateway.transports.embedded.channels import ChannelAgent
        return ChannelAgent(self.gw, SENDER, self.sim, clock=self.clock, retry_interval_s=5.0)


def by_key(snap: Snapshot) -> dict[str, Finding]:
    return {f.key: f for f in snap.report.findings}


def make_world(tmp_path, app_url: str, sim_url: str) -> World:
    settings = Settings().replace(
        database={"url": app_url}, simulator={"database_url": sim_url},
        transport={"backout_threshold": 2},
        monitor={"state_file": str(tmp_path / "monitor-state.json"),
                 "history_url": f"sqlite:///{tmp_path / 'monitor-history.db'}",
                 "host_probes": False},
        log={"level": "WARNING"})
    engine = make_engine(app_url)
    upgrade(engine)
    clock = FakeClock()
    gw = open_embedded(settings, settings.transport.queue_manager, clock=clock)
    sim = open_embedded(settings, settings.transport.partner_queue_manager, clock=clock)
    return World(settings, clock, gw, sim, engine, make_reader(app_url))


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path, f"sqlite:///{tmp_path / 'app.db'}",
                   f"sqlite:///{tmp_path / 'sim.db'}")
    yield w
    if w.monitor is not None:
        w.monitor.close()
    for thing in (w.gw, w.sim, w.engine, w.reader):
        (thing.close if hasattr(thing, "close") else thing.dispose)()
