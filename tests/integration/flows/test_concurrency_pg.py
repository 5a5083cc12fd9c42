"""Two workers applying answers for the same debit at once (PostgreSQL, where writers do run
concurrently): the second waits for the first's row lock and sees its result, so nothing is paid
twice, flagged falsely or overwritten. Each interleaving is forced, not timed: worker A holds its
transaction open until worker B is seen waiting on a lock (or has finished)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select, text

from gateway.codec import CfxMessage, Head
from gateway.codec.messages import (DeclareQuery2091, Msg2001, Msg2091, Msg2108, Msg9120,
                                    MsgReturn9120, SingleReturn2001, SingleReturn2108)
from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd
from gateway.domain import commands as c
from gateway.persistence.records import ReviewItemRecord
from gateway.transports.base import Envelope
from tests.integration.flows.conftest import DAY, ETS, GW
from tests.integration.flows.test_debit_flow import debit_row, levy_states, submit

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(pg_url):  # these interleavings exist only where writers run concurrently
    return pg_url


def envelope(h, body, msg_ref=None) -> Envelope:
    msg_id = h.new_msg_id()
    head = Head(ver="1.0", src=ETS, des=GW, app="ETS", msg_no=body.MSG_NO, msg_id=msg_id,
                msg_ref=msg_ref or msg_id, work_date=DAY)
    return Envelope(body=h.rt.codec.encode(CfxMessage(head=head, body=body)),
                    msg_id=msg_id_to_mqmd(msg_id), correl_id=REQ_CORREL_ID, ccsid=h.rt.codec.ccsid,
                    queue=h.rt.queues.online_out, put_time=dt.datetime.now(dt.timezone.utc))


def _waiting_on_lock(h) -> int:
    with h.rt.app.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND wait_event_type = 'Lock'")).scalar_one()


def concurrently(h, env_a: Envelope, env_b: Envelope) -> dict:
    """A processes and holds its transaction; B runs meanwhile; A commits once B waits."""
    with h.rt.uow() as u:  # the traffic stamp would otherwise serialise the two by itself
        from gateway.services import status
        status.note_traffic(u, h.clock())
        u.commit()
    result: dict = {}
    with h.rt.uow() as ua:
        result["a"] = h.rt.consumer.processor.process(env_a, ua, None)

        def run_b() -> None:
            with h.rt.uow() as ub:
                result["b"] = h.rt.consumer.processor.process(env_b, ub, None)
                ub.commit()
        worker_b = threading.Thread(target=run_b)
        worker_b.start()
        deadline = time.monotonic() + 20
        while worker_b.is_alive() and not _waiting_on_lock(h):
            assert time.monotonic() < deadline, "worker B neither waited nor finished"
            time.sleep(0.01)
        ua.commit()
    worker_b.join(30)
    assert not worker_b.is_alive()
    return result


def reviews(h) -> list[str]:
    with h.rt.app.engine.connect() as conn:
        return conn.execute(select(ReviewItemRecord.kind)).scalars().all()


def _2001(h):
    req = h.last("1001")
    rh = req.body.real_head1001
    return Msg2001(SingleReturn2001(rh.tax_org_code, rh.entrust_date, rh.tra_no,
                                    req.body.payment1001.tax_vou_no, DAY, "90000", None)), req.head.msg_id


def test_two_copies_of_a_2001_pay_once_and_flag_nothing(harness):
    h = harness
    d = submit(h)
    body, ref = _2001(h)
    concurrently(h, envelope(h, body, ref), envelope(h, body, ref))
    assert debit_row(h, d.id).state == "SUCCEEDED"
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3
    assert "DUPLICATE_PAYMENT" not in reviews(h)


def test_9120_and_2001_at_once_leave_the_debit_succeeded(harness):
    h = harness
    d = submit(h)
    body, ref = _2001(h)
    ack = Msg9120(MsgReturn9120(ori_msg_no="1001", result="90000"))
    concurrently(h, envelope(h, body, ref), envelope(h, ack, ref))
    row = debit_row(h, d.id)
    assert row.state == "SUCCEEDED" and row.next_check_at is None


def test_two_copies_of_a_2108_get_the_same_answer(harness):
    h = harness
    payer = h.data.payers[0]
    vou = h.handle(c.IssueCounterVoucher(payer_id=payer, levy_ids=tuple(h.data.levies[payer]),
                                         requested_by="t"))
    h.deliver(Msg2091(DeclareQuery2091("102581000013", DAY, "00000001", "102581002107",
                                       "14401060000", h.data.codes[payer], vou)))
    paid = Msg2108(SingleReturn2108("102581000013", vou, DAY, "00000002", DAY,
                                    _total(h, payer),
                                    "90000", None))
    concurrently(h, envelope(h, paid), envelope(h, paid))
    answers = [m.body.msg_return9120.result for _, m in h.outbox("9120")]
    assert answers == ["90000", "90000"]
    assert "REFUSED_2108" not in reviews(h)
    assert levy_states(h, payer) == ["PAID"] * 3


def _total(h, payer):
    from decimal import Decimal

    from gateway.persistence.records import LevyRecord
    with h.rt.app.engine.connect() as conn:
        return sum(conn.execute(select(LevyRecord.amount).where(LevyRecord.payer_id == payer))
                   .scalars(), Decimal("0.00"))
