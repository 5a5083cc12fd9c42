"""The simulator as a test's counterparty, in-process, over the embedded transport.

A :class:`GatewayPeer` plays the gateway: it puts wire messages on QM.TAX's remote queues
(ETS.EXT.ONLINE.IN / BATCH.IN), runs QM.TAX's channel agent to QM.ETS, lets the simulator
process them, runs QM.ETS's channel agent back and reads the answers from QM.TAX's local queues
ETS.<node>.ONLINE.OUT / BATCH.OUT. Each test has its own simulator and gateway database files
and a hand-moved clock: nothing sleeps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.codec import CfxMessage, Codec, msg_id_to_mqmd, originating_head, reply_head
from gateway.codec.messages import Msg9120, Msg9121, MsgReturn9120, MsgReturn9121
from gateway.codec.routing import CLASS_OF
from gateway.config import Settings
from gateway.simulator import Simulator
from gateway.transports.base import REQUEST_CORREL_ID, Envelope
from gateway.transport_factory import open_channel_agent, open_transport

from .builders import DAY, Payer


class FakeClock:
    """The simulator's clock, moved by the test."""

    def __init__(self, start: dt.datetime = dt.datetime(2024, 11, 5, 9, 30)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Received:
    """One message the gateway got from the simulator."""

    env: Envelope
    msg: CfxMessage[Any] | None  # None when it does not decode (corrupt faults)

    @property
    def msg_no(self) -> str:
        return self.msg.head.msg_no if self.msg else "????"

    @property
    def block(self) -> Any:
        """The first body block (e.g. SingleReturn2001)."""
        body = self.msg.body
        return getattr(body, dataclasses.fields(body)[0].name)


class GatewayPeer:
    """The gateway's side of the wire, for tests."""

    def __init__(self, settings: Settings, sim: Simulator, clock: FakeClock) -> None:
        self.settings, self.sim, self.clock = settings, sim, clock
        self.codec = Codec(encoding=settings.gateway.encoding)
        self.lenient = Codec(encoding=settings.gateway.encoding, validate=False)
        self.transport = open_transport(settings)
        self.to_ets = open_channel_agent(settings, settings.transport.queue_manager)
        self.to_gateway = open_channel_agent(settings, settings.transport.partner_queue_manager)
        self.seq = 0

    def new_msg_id(self) -> str:
        self.seq += 1
        return f"20241105080000{self.seq:06d}"  # apart from the ETS's own

    def put(self, body: Any, *, msg_id: str | None = None, valid: bool = True,
            queue_class: str | None = None, work_date: dt.date = DAY,
            answer_to: str | None = None) -> str:
        """Encode and put one message towards the ETS; returns its MsgID."""
        msg_id = msg_id or self.new_msg_id()
        if answer_to:
            original = originating_head(self.settings.gateway.ets_node,
                                        self.settings.gateway.node, "0000", answer_to, work_date)
            head = reply_head(original, body.MSG_NO, msg_id, work_date)
        else:
            head = originating_head(self.settings.gateway.node, self.settings.gateway.ets_node,
                                    body.MSG_NO, msg_id, work_date)
        data = (self.codec if valid else self.lenient).encode(CfxMessage(head, body))
        correl = msg_id_to_mqmd(answer_to) if answer_to else REQUEST_CORREL_ID
        self.put_bytes(data, queue_class or CLASS_OF[body.MSG_NO], msg_id, correl)
        return msg_id

    def put_bytes(self, data: bytes, queue_class: str, msg_id: str = "0" * 20,
                  correl: bytes = REQUEST_CORREL_ID) -> None:
        t = self.settings.transport
        queue = t.online_in if queue_class == "ONLINE" else t.batch_in
        with self.transport.session() as s:
            s.put(queue, data, msg_id=msg_id_to_mqmd(msg_id), correl_id=correl,
                  ccsid=self.codec.ccsid)
            s.commit()

    def pump(self) -> None:
        """Move everything across both channels and let the simulator work, until quiet."""
        while True:
            moved = self._drain(self.to_ets) + self.sim.process_once()
            moved += self._drain(self.to_gateway)
            if not moved:
                return

    @staticmethod
    def _drain(agent: Any) -> int:
        total = 0
        while (n := agent.run_once()):
            total += n
        return total

    def replies(self, queue_class: str | None = None) -> list[Received]:
        """Every message waiting on the gateway's OUT queues (ONLINE first, then BATCH)."""
        out = []
        classes = (queue_class,) if queue_class else ("ONLINE", "BATCH")
        for cls in classes:
            queue = self.settings.online_out_queue if cls == "ONLINE" else \
                self.settings.batch_out_queue
            with self.transport.session() as s:
                while (env := s.get(queue)) is not None:
                    try:
                        msg = self.codec.decode(env.body, ccsid=env.ccsid)
                    except Exception:  # noqa: BLE001 - corrupt faults
                        msg = None
                    out.append(Received(env, msg))
                s.commit()
        return out

    def exchange(self, body: Any, **kw: Any) -> list[Received]:
        """Put one message, pump, and return the replies."""
        self.put(body, **kw)
        self.pump()
        return self.replies()

    def ack(self, received: Received, result: str = "90000") -> None:
        """The gateway's 9121 to a BATCH message of the ETS (2102, 3122, 3128)."""
        h, b = received.msg.head, received.block
        if h.msg_no == "2102":
            ori = (b.pay_bk_code, b.entrust_date, b.pack_no)
        elif h.msg_no == "3122":
            ori = (h.src, b.chk_date, b.pack_no)
        else:
            ori = (h.src, b.report_date, "00000000")
        self.put(Msg9121(MsgReturn9121(ori_msg_no=h.msg_no, ori_send_org_code=ori[0],
                                       ori_entrust_date=ori[1], ori_request_no=ori[2],
                                       result=result)),
                 answer_to=h.msg_id)

    def answer_9120(self, received: Received, result: str = "90000") -> None:
        h = received.msg.head
        self.put(Msg9120(MsgReturn9120(ori_msg_no=h.msg_no, result=result)), answer_to=h.msg_id)

    def close(self) -> None:
        self.transport.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_world(tmp_path: Any, clock: FakeClock) -> Any:
    """Build (settings, simulator, peer) with optional simulator settings and 3122 limit."""
    made: list[tuple[Simulator, GatewayPeer]] = []

    def build(faults: tuple[str, ...] = (), package_delay_s: float = 0.0,
              bank_delay_s: float = 0.0, max_3122_items: int = 3000,
              payers: tuple[Payer, ...] = (), sim_url: str | None = None,
              **gateway: Any) -> tuple[Simulator, GatewayPeer]:
        settings = Settings().replace(
            database={"url": f"sqlite:///{tmp_path / 'gateway.db'}"},
            simulator={"database_url": sim_url or f"sqlite:///{tmp_path / 'sim.db'}",
                       "faults": faults,
                       "package_delay_s": package_delay_s, "bank_delay_s": bank_delay_s},
            gateway={"initial_work_date": "20241105", **gateway})
        sim = Simulator(settings, clock=clock, max_3122_items=max_3122_items)
        if payers:
            sim.load_accounts(p.seed() for p in payers)
        peer = GatewayPeer(settings, sim, clock)
        made.append((sim, peer))
        return sim, peer

    yield build
    for sim, peer in made:
        peer.close()
        sim.close()


@pytest.fixture
def payer() -> Payer:
    return Payer(1)


@pytest.fixture
def world(make_world: Any, payer: Payer) -> tuple[Simulator, GatewayPeer]:
    """The default world: one payer with 100000.00 and a normal agreement, no faults."""
    return make_world(payers=(payer,))
