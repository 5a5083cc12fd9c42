"""The gateway runtime on a real database, driven message by message without a transport:
the test plays the ETS by reading the outbox and handing replies to the inbound processor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from gateway.bootstrap import build
from gateway.codec import CfxMessage, Head
from gateway.codec.mq_ids import REQ_CORREL_ID, correl_id_for, msg_id_to_mqmd
from gateway.config import Settings
from gateway.persistence import migrate
from gateway.persistence.records import OutboxRecord
from gateway.runtime.app import build_runtime
from gateway.transports.base import Envelope
from tests.support.seed import seed

ETS, GW = "100000000000", "244000000000"
DAY = dt.date(2024, 11, 5)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)


@dataclass
class Harness:
    rt: object
    clock: Clock
    data: object
    seq: int = 0

    def outbox(self, msg_no: str | None = None) -> list[tuple[OutboxRecord, CfxMessage]]:
        with self.rt.app.engine.connect() as conn:
            stmt = select(OutboxRecord).order_by(OutboxRecord.id)
            if msg_no:
                stmt = stmt.where(OutboxRecord.msg_no == msg_no)
            rows = conn.execute(stmt).all()
        return [(r, self.rt.codec.decode(r.body, ccsid=r.ccsid)) for r in rows]

    def last(self, msg_no: str) -> CfxMessage:
        found = self.outbox(msg_no)
        assert found, f"no {msg_no} in the outbox"
        return found[-1][1]

    def new_msg_id(self) -> str:
        self.seq += 1
        return f"{self.clock():%Y%m%d%H%M%S}{900000 + self.seq:06d}"

    def deliver(self, body, msg_ref: str | None = None, msg_id: str | None = None,
                queue: str | None = None, work_date: dt.date = DAY, src: str = ETS) -> str:
        """Encode a message from the ETS and process it as the consumer would."""
        msg_id = msg_id or self.new_msg_id()
        head = Head(ver="1.0", src=src, des=GW, app="ETS", msg_no=body.MSG_NO, msg_id=msg_id,
                    msg_ref=msg_ref or msg_id, work_date=work_date)
        data = self.rt.codec.encode(CfxMessage(head=head, body=body))
        return self.deliver_bytes(data, msg_id, body.MSG_NO, queue, msg_ref)

    def deliver_bytes(self, data: bytes, msg_id: str = "0" * 20, msg_no: str = "9120",
                      queue: str | None = None, msg_ref: str | None = None) -> str:
        env = Envelope(body=data, msg_id=msg_id_to_mqmd(msg_id) if msg_id.isdigit() else b"X" * 24,
                       correl_id=correl_id_for(msg_no, msg_ref) if msg_ref else REQ_CORREL_ID,
                       ccsid=self.rt.codec.ccsid, queue=queue or self.rt.queues.online_out,
                       put_time=dt.datetime.now(dt.timezone.utc))
        with self.rt.uow() as uow:
            outcome = self.rt.consumer.processor.process(env, uow, None)
            uow.commit()
        return outcome

    def handle(self, command):
        return self.rt.bus.handle(command)

    def sweep(self):
        from gateway.domain.commands import SweepTimeouts

        return self.rt.bus.handle(SweepTimeouts(now=self.clock()))


def make_harness(tmp_path, db_url, **gateway) -> Harness:
    """The runtime on ``db_url`` with seeded data; ``gateway`` overrides gateway settings."""
    settings = Settings().replace(
        database={"url": db_url},
        simulator={"database_url": f"sqlite:///{tmp_path / 'sim.db'}"},
        gateway={"initial_work_date": f"{DAY:%Y%m%d}", **gateway})
    clock = Clock(dt.datetime(2024, 11, 5, 9, 30))
    app = build(settings, clock=clock)
    migrate.upgrade(app.engine)
    data = seed(app.engine)
    return Harness(rt=build_runtime(app), clock=clock, data=data)


@pytest.fixture
def harness(tmp_path, db_url) -> Harness:
    """On SQLite and on PostgreSQL (``db_url``); the gateway's queue manager shares the database."""
    h = make_harness(tmp_path, db_url)
    yield h
    h.rt.close()
