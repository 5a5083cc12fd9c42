"""The read-side queries behind the ops commands on SQLite and PostgreSQL: the same rows,
numbers masked, the redrive mark found through the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from gateway.persistence import migrate, ops_actions, ops_queries, party_queries
from gateway.persistence.engine import make_engine
from gateway.persistence.records import AlertRecord, ErrorStoreRecord, ReviewItemRecord
from tests.support.seed import seed

NOW = dt.datetime(2024, 11, 5, 10, 0)


def test_ops_and_party_queries(db_url):
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        data = seed(engine)
        body = b"<CFX><MSG><PayAcct>6222021234567890123</PayAcct></MSG></CFX>"
        with engine.begin() as conn:
            conn.execute(insert(ErrorStoreRecord).values(body=body, reason="bad", queue="Q",
                                                         msg_id="20241105100000000001"))
            conn.execute(insert(ErrorStoreRecord).values(body=b"x", reason="bad 2"))
            conn.execute(insert(AlertRecord).values(severity="CRITICAL", source="9101",
                                                    message="m", acknowledged=False))
            conn.execute(insert(ReviewItemRecord).values(kind="K", detail="d"))
            ops_actions.note_redrive(conn, 1, "Q", "20241105100000000001", "ops", "fixed", NOW)
        ops_actions.acknowledge_alert(engine, 1, "ops", NOW)
        ops_actions.resolve_review(engine, 1, "done", "ops", NOW)
        assert ops_actions.set_work_date(engine, dt.date(2024, 11, 6), "r", "ops", NOW) == ""
        with engine.connect() as conn:
            errors = ops_queries.errors(conn, 10, 0)
            assert [(e["id"], e["redriven"]) for e in errors] == [(2, False), (1, True)]
            detail = ops_queries.error_detail(conn, 1)
            assert b"6222021234567890123" not in detail["body"] and len(detail["body"]) == len(body)
            assert [a["severity"] for a in ops_queries.alerts(conn, False, 10, 0)] == ["INFO"]
            assert len(ops_queries.alerts(conn, True, 10, 0)) == 2
            assert ops_queries.reviews(conn, False, None, 10, 0) == []
            assert ops_queries.gateway_state(conn)["work_date"][0] == "20241106"
            payer = data.payers[0]
            found = party_queries.find_payers(conn, data.codes[payer], 10, 0)
            assert [(p["id"], p["debitable"]) for p in found] == [(payer, True)]
            assert len(party_queries.find_payers(conn, "天河", 2, 0)) == 3  # limit + 1: more
            assert party_queries.find_payers(conn, "%", 10, 0) == []  # wildcards are literal
            assert party_queries.debitable_payer(conn) == data.payers[0]
            shown = party_queries.payer_detail(conn, payer)
            assert shown["unpaid_count"] == 3 and "*" in shown["agreements"][0]["pay_acct"]
    finally:
        engine.dispose()
