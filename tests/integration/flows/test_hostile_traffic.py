"""The short form of ``bench/fuzz.py``: a few hundred hostile inbound messages mixed with valid
traffic through the inbound processor on a real database. Each refused one is stored, backed out
and answered exactly when §3.1 rule 8 says so; the good ones are processed and answered;
duplicates take effect once; nothing raises."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from sqlalchemy import func, select

from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd
from gateway.persistence.records import ErrorStoreRecord, OutboxRecord
from gateway.transports.base import Envelope
from tests.support import hostile


class Backout:
    """The transport session's put, recording what was moved to a backout queue."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def put(self, queue, body, *, msg_id, correl_id, ccsid):
        assert queue.endswith(".BACKOUT")
        self.bodies.append(body)


def answers_since(h, last_id: int) -> list[tuple[str, str, str]]:
    """(MsgNo, MsgRef, Result) of the outbox rows after ``last_id``."""
    out = []
    for record, msg in h.outbox():
        if record.id > last_id:
            body = msg.body
            result = getattr(getattr(body, "msg_return9120", None) or getattr(body, "msg_return9121", None)
                             or object(), "result", "")
            out.append((msg.head.msg_no, msg.head.msg_ref, result))
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hostile_traffic_is_refused_per_the_interface_and_good_traffic_processed(harness):
    h = harness
    queue = {"ONLINE": h.rt.queues.online_out, "BATCH": h.rt.queues.batch_out}
    seen: set[str] = set()
    tally: collections.Counter = collections.Counter()
    problems = []
    for case in hostile.traffic(300, seed=18, oversized_every=150):
        expected = hostile.oracle(h.rt.codec, case, seen)
        sink = Backout()
        env = Envelope(body=case.data, msg_id=msg_id_to_mqmd(case.msg_id), correl_id=REQ_CORREL_ID,
                       ccsid=hostile.envelope_ccsid(case), queue=queue[hostile.queue_class(case)],
                       put_time=dt.datetime.now(dt.timezone.utc))
        with h.rt.app.engine.connect() as conn:
            last = conn.execute(select(func.coalesce(func.max(OutboxRecord.id), 0))).scalar_one()
            stored_before = conn.execute(select(func.count()).select_from(ErrorStoreRecord)).scalar_one()
        with h.rt.uow() as uow:
            outcome = h.rt.consumer.processor.process(env, uow, sink)
            uow.commit()
        with h.rt.app.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(ErrorStoreRecord)).scalar_one()
        new = answers_since(h, last)
        observed = hostile.Observed(
            outcome=outcome, stored=stored > stored_before, backed_out=case.data in sink.bodies,
            error_answer=any(no in hostile.ERROR_ANSWERS and ref == expected.msg_id
                             and (no == "1009" or res in ("92004", "92005")) for no, ref, res in new
                             if expected.rejected),
            answered=any(ref == case.msg_id for _no, ref, _res in new))
        if expected.msg_id:
            seen.add(expected.msg_id)
        tally[case.kind, outcome] += 1
        problems += [f"{case.kind} {case.msg_id}: {v}" for v in hostile.violations(case, expected, observed)]
    print("\n".join(f"{kind:20} {outcome:12} {n}" for (kind, outcome), n in sorted(tally.items())))
    assert not problems, "\n".join(problems[:20])
    kinds = {kind for kind, _outcome in tally}
    assert set(hostile.HOSTILE) | {"valid", "duplicate", "oversized"} <= kinds
    assert tally["valid", "PROCESSED"] > 50 and tally["duplicate", "DUPLICATE"] > 0
