"""``submit_many`` (SubmitDebits): many single debits in one unit of work, each under the rules
of a single submit; a refused one is answered in the result, the others are written with their
1001s, and a debit that fails after its first write is taken back alone (its savepoint)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from gateway.domain.commands import SubmitDebit, SubmitDebits
from gateway.domain.debit import Debit
from gateway.domain.errors import LevyNotPayable, TooManyInFlight
from gateway.persistence.records import DebitRecord, LevyRecord, OutboxRecord


def one(h, payer, levies=None):
    return SubmitDebit(payer_id=payer, levy_ids=tuple(levies or h.data.levies[payer]),
                       requested_by="test")


def count(h, stmt) -> int:
    with h.rt.app.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def test_many_debits_in_one_unit_with_a_refusal_among_them(harness):
    h = harness
    p0, p1 = h.data.payers[0], h.data.payers[1]
    results = h.handle(SubmitDebits(debits=(one(h, p0), one(h, p0), one(h, p1))))
    assert isinstance(results[0], Debit) and isinstance(results[2], Debit)
    assert isinstance(results[1], LevyNotPayable)  # p0's levies are locked by the first
    assert count(h, select(func.count()).select_from(DebitRecord)) == 2
    assert count(h, select(func.count()).where(OutboxRecord.msg_no == "1001")) == 2
    assert count(h, select(func.count()).where(LevyRecord.state == "LOCKED")) == \
        len(h.data.levies[p0]) + len(h.data.levies[p1])
    tra_nos = {h.outbox("1001")[i][1].body.real_head1001.tra_no for i in range(2)}
    assert tra_nos == {results[0].tra_no, results[2].tra_no} and len(tra_nos) == 2
    assert results[0].tax_vou_no != results[2].tax_vou_no


def test_the_in_flight_limit_counts_the_debits_of_the_batch(harness):
    h = harness
    h.rt.bus.options = dataclasses.replace(h.rt.bus.options, max_in_flight=2)
    results = h.handle(SubmitDebits(debits=tuple(one(h, p) for p in h.data.payers[:3])))
    assert [type(r).__name__ for r in results] == ["Debit", "Debit", "TooManyInFlight"]
    assert isinstance(results[-1], TooManyInFlight)


def test_a_failure_after_the_first_write_takes_back_only_that_debit(harness, monkeypatch):
    h = harness
    p0, p1, p2 = h.data.payers[:3]
    from gateway.wire import messenger

    real = messenger.OutboxMessenger.send_debit

    def send_debit(self, debit, agreement, payer, levies, route):
        if payer.id == p1:  # its debit row, serials and levy locks are written by now
            raise LevyNotPayable("编码失败（测试）")
        return real(self, debit, agreement, payer, levies, route)
    monkeypatch.setattr(messenger.OutboxMessenger, "send_debit", send_debit)
    results = h.handle(SubmitDebits(debits=(one(h, p0), one(h, p1), one(h, p2))))
    assert [type(r).__name__ for r in results] == ["Debit", "LevyNotPayable", "Debit"]
    assert count(h, select(func.count()).select_from(DebitRecord)) == 2
    with h.rt.app.engine.connect() as conn:
        states = set(conn.execute(select(LevyRecord.state).where(
            LevyRecord.payer_id == p1)).scalars())
    assert states == {"UNPAID"}  # its locks went with its savepoint
