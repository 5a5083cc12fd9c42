"""`etsgw debit status ID --query` writes a 9003 and waits for its 9004; without an answer in
time it says the 9003 was sent and the answer comes later."""

from __future__ import annotations

import time

from sqlalchemy import select

from gateway.codec.messages import Msg9004, TraStatusReturn9004
from gateway.persistence.records import DebitRecord, OutboxRecord
from tests.integration.cli.conftest import deliver, etsgw_process


def _submit(app, etsgw, config) -> DebitRecord:
    assert etsgw("--config", config, "debit", "submit", "--payer", str(app.data.payers[0]))[0] == 0
    with app.engine.connect() as conn:
        return conn.execute(select(DebitRecord)).one()


def _outbox_9003(app) -> list:
    with app.engine.connect() as conn:
        return conn.execute(select(OutboxRecord).where(OutboxRecord.msg_no == "9003")).all()


def test_query_waits_for_the_9004(app, config, etsgw):
    d = _submit(app, etsgw, config)
    proc = etsgw_process(config, "debit", "status", str(d.id), "--query", "--timeout", "90")
    try:
        deadline = time.monotonic() + 60
        while not _outbox_9003(app):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no 9003 in the outbox"
            time.sleep(0.05)
        (query,) = _outbox_9003(app)
        # Another query's answer (another key) does not end the wait; this one does.
        deliver(app, Msg9004(TraStatusReturn9004(d.tax_org_code, "0", "1001", d.entrust_date,
                                                 "00000000", "99999999", d.entrust_date, "98")),
                msg_id=f"{d.entrust_date:%Y%m%d}120000000001", msg_ref=query.msg_id)
        assert proc.poll() is None
        deliver(app, Msg9004(TraStatusReturn9004(d.tax_org_code, "0", "1001", d.entrust_date,
                                                 "00000000", d.tra_no, d.entrust_date, "20")),
                msg_id=f"{d.entrust_date:%Y%m%d}120000000002", msg_ref=query.msg_id)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "9004" in out and "已收到" in out
    assert "state: SUCCEEDED" in out


def test_query_without_a_worker_says_the_answer_comes_later(app, config, etsgw):
    d = _submit(app, etsgw, config)
    started = time.monotonic()
    code, out, _ = etsgw("--config", config, "debit", "status", str(d.id), "--query",
                         "--timeout", "0.3")
    assert code == 0 and time.monotonic() - started < 20
    assert "已发送 9003" in out and "etsgw gateway" in out and "later" in out
    assert "state: SENT" in out
    (query,) = _outbox_9003(app)
    assert query.sent_at is None and query.msg_id in out
