"""The report queries on SQLite and PostgreSQL: scoped to the offices given, with the
definitions of gateway.domain.summary (arrears overdue and unpaid, received PAID or SETTLED)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert

from gateway.domain.summary_messages import RefreshDailySummaries, SendArrearsReminders
from gateway.persistence import report_queries as rq
from gateway.persistence.records import AgreementRecord, BankRecord
from tests.integration.reports.conftest import OCT

AS_OF = dt.date(2026, 10, 20)  # the levies' period (September) has ended


def test_report_queries_are_scoped_and_agree_with_the_levies(data):
    city = data.cities[0]
    d1, d2 = data.districts[city]
    own = data.subtree(d1)
    with data.app.engine.connect() as conn:
        arrears = list(rq.arrears_by_payer(conn, own, AS_OF))
        details = list(rq.arrears_details(conn, own, AS_OF, limit=None))
        largest = list(rq.largest_payers(conn, own, "2026-10"))
        nothing_yet = list(rq.arrears_by_payer(conn, own, dt.date(2026, 9, 30)))
    unpaid = data.sql("SELECT payer_id, amount FROM levy WHERE tax_org_code = :d "
                      "AND state = 'UNPAID'", d=d1)
    assert {a["payer_id"] for a in arrears} == {p for p, _ in unpaid}
    assert sum(a["amount"] for a in arrears) == Decimal(sum(a for _, a in unpaid)) / 100
    assert len(details) == len(unpaid) and all(r["tax_org_code"] == d1 for r in details)
    assert nothing_yet == []  # the period had not ended: not overdue yet
    paid = data.sql("SELECT SUM(amount) FROM levy WHERE tax_org_code = :d AND state = 'PAID'",
                    d=d1)[0][0]
    assert sum(r["amount"] for r in largest) == Decimal(paid) / 100
    assert largest[0]["amount"] >= largest[-1]["amount"]

    data.app.bus.handle(RefreshDailySummaries(*OCT))
    d2_offices = data.subtree(d2)
    with data.app.engine.connect() as conn:
        daily = rq.daily_income(conn, own, *OCT)
        other = rq.daily_income(conn, d2_offices, *OCT)
    received = sum(r["amount"] for r in daily if r["measure"] == "RECEIVED")
    assert received == Decimal(paid) / 100
    assert {r["channel"] for r in daily if r["measure"] == "RECEIVED"} <= {
        "REALTIME", "BATCH", "COUNTER"}
    assert other and daily != other


def test_three_months_without_payment_reminders_and_unknown_branches(data):
    city = data.cities[0]
    d1 = data.districts[city][0]
    payer = data.sql("SELECT payer_id FROM levy WHERE tax_org_code = :d ORDER BY id LIMIT 1",
                     d=d1)[0][0]
    # Three months of unpaid levies (July to September) for one payer; the others paid in Sept.
    for month in (7, 8):
        data.sql("INSERT INTO levy (payer_id, tax_org_code, insurance_code, period_start, "
                 "period_end, amount, state, lock_reason, paid_by, declaration_no, version, "
                 "created_at) VALUES (:p, :d, 'PENSION', :s, :e, 10000, 'UNPAID', '', '', '', 1, "
                 ":c)", p=payer, d=d1, s=dt.date(2026, month, 1),
                 e=dt.date(2026, month, 28), c=dt.datetime(2026, month, 1, 8))
    data.sql("UPDATE levy SET state = 'UNPAID', paid_by = '', tax_date = NULL WHERE payer_id = :p",
             p=payer)
    mine, theirs = data.subtree(city), data.subtree(data.cities[1])
    with data.app.engine.connect() as conn:
        warned = list(rq.no_payment_months(conn, mine, "2026-10"))
        elsewhere = list(rq.no_payment_months(conn, theirs, "2026-10"))
    assert [w["payer_id"] for w in warned] == [payer] and elsewhere == []

    queued = data.app.bus.handle(SendArrearsReminders((payer,), mine, AS_OF, "t"))
    again = data.app.bus.handle(SendArrearsReminders((payer,), mine, AS_OF, "t"))
    outside = data.app.bus.handle(SendArrearsReminders((payer,), theirs, AS_OF, "t"))
    assert (queued, again, outside) == (1, 0, 0)
    with data.app.engine.connect() as conn:
        sent = list(rq.reminders(conn, mine))
        assert [r["payer_id"] for r in sent] == [payer] and sent[0]["state"] == "PENDING"
        assert list(rq.reminders(conn, theirs)) == []

    with data.app.engine.begin() as conn:
        known = conn.execute(BankRecord.__table__.select().limit(1)).first().code
        conn.execute(insert(AgreementRecord.__table__).values(
            protocol_no="P1", payer_id=payer, tax_org_code=d1, pay_bk_code=known,
            pay_op_bk_code="999999999999", pay_acct="6222000000000001", hand_org_name="x",
            channel="ONLINE", state="ACTIVE", activated_at=dt.datetime(2026, 10, 2, 9),
            reason=""))
    with data.app.engine.connect() as conn:
        branches = list(rq.unknown_branches(conn, mine))
        assert list(rq.unknown_branches(conn, theirs)) == []
    assert [(b["code"], b["times"], str(b["first_seen"])) for b in branches] == [
        ("999999999999", 1, "2026-10-02")]
