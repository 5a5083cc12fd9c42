"""The gateway's own health from the application database (SQLite and PostgreSQL): outbox
backlog, in-doubt debits, link state; debit latency into the histogram; the history store and
the data the ops dashboard will show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert

from gateway.clock import BEIJING
from gateway.monitor import dashboard
from gateway.monitor.metrics import MonitorMetrics
from gateway.monitor.model import Severity
from gateway.persistence.records import DebitRecord, GatewayStateRecord, OutboxRecord
from tests.support.seed import ORG, seed

from .conftest import REMOTE, by_key, make_world

NOW = dt.datetime(2025, 1, 2, 9, 32)  # Beijing


@pytest.fixture
def hworld(db_url, tmp_path):
    sim = db_url if db_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'sim.db'}"
    w = make_world(tmp_path, db_url, sim)
    w.clock.now = NOW.replace(tzinfo=BEIJING).timestamp()
    w.seeded = seed(w.engine, units=1)
    yield w
    if w.monitor is not None:
        w.monitor.close()
    w.gw.close()
    w.sim.close()
    w.engine.dispose()
    w.reader.dispose()


def add_debit(w, n: int, state: str, sent_at: dt.datetime, resolved_at: dt.datetime | None):
    with w.engine.begin() as conn:
        conn.execute(insert(DebitRecord).values(
            kind="SINGLE", originator=ORG, tax_org_code=ORG, entrust_date=sent_at.date(),
            tra_no=f"{n:08d}", tax_vou_no=f"{n:018d}", payer_id=w.seeded.payers[0],
            amount=Decimal("100.00"), state=state, sent_at=sent_at, resolved_at=resolved_at))


def test_outbox_backlog_in_doubt_and_link_down(hworld) -> None:
    w = hworld
    assert w.check().report.exit_code == 0
    with w.engine.begin() as conn:
        conn.execute(insert(OutboxRecord).values(
            msg_id="20250102093000000001", msg_no="1001", queue="ETS.EXT.ONLINE.IN",
            correl_id=b"\0" * 24, ccsid=1386, body=b"<CFX/>"))
        conn.execute(insert(GatewayStateRecord).values(key="link", value="DOWN",
                                                       updated_at=NOW))
    add_debit(w, 1, "IN_DOUBT", NOW - dt.timedelta(minutes=10), None)
    add_debit(w, 2, "IN_DOUBT", NOW - dt.timedelta(minutes=3), None)
    add_debit(w, 3, "SUCCEEDED", NOW - dt.timedelta(minutes=3), NOW - dt.timedelta(minutes=2))
    snap = w.check()
    found = by_key(snap)
    outbox = found["gateway:outbox"]
    assert outbox.severity is Severity.WARNING and outbox.value == 1
    assert outbox.detail["oldest_age_s"] == 120  # from the MsgID's Beijing time
    doubt = found["gateway:in_doubt"]
    assert doubt.severity is Severity.WARNING and doubt.value == 2 and "10分0秒" in doubt.summary
    assert found["gateway:link"].severity is Severity.CRITICAL
    assert snap.report.exit_code == 2
    assert sorted(snap.health.debits) == [("SINGLE", "IN_DOUBT", 2), ("SINGLE", "SUCCEEDED", 1)]


def test_debit_latency_observed_once_per_resolved_debit(hworld) -> None:
    w = hworld
    metrics = MonitorMetrics()
    w.check(metrics=metrics)  # the first check sets the watermark: older outcomes are history
    add_debit(w, 1, "SUCCEEDED", NOW - dt.timedelta(seconds=30), NOW - dt.timedelta(seconds=5))
    w.clock.advance(15)
    w.check()
    w.check()
    labels = {"kind": "SINGLE", "state": "SUCCEEDED"}
    r = metrics.registry
    assert r.get_sample_value("etsgw_debit_resolution_seconds_count", labels) is None
    add_debit(w, 2, "FAILED", NOW, NOW + dt.timedelta(seconds=12))
    w.clock.advance(15)
    w.check()
    w.check()
    failed = {"kind": "SINGLE", "state": "FAILED"}
    assert r.get_sample_value("etsgw_debit_resolution_seconds_count", failed) == 1
    assert r.get_sample_value("etsgw_debit_resolution_seconds_sum", failed) == 12.0


def test_debit_throughput_per_bucket(hworld) -> None:
    w = hworld
    base = dt.datetime(2025, 1, 2, 9, 0)
    for n, (state, minute) in enumerate([("SUCCEEDED", 1), ("SUCCEEDED", 5), ("FAILED", 12),
                                         ("SUCCEEDED", 19)], 1):
        add_debit(w, n, state, base, base + dt.timedelta(minutes=minute))
    add_debit(w, 9, "SUCCEEDED", base - dt.timedelta(hours=9), base - dt.timedelta(hours=8))
    rows = dashboard.debit_throughput(w.reader, hours=6, bucket_s=600, now=NOW)
    assert rows == [{"start": base, "SUCCEEDED": 2},
                    {"start": base + dt.timedelta(minutes=10), "FAILED": 1, "SUCCEEDED": 1}]
    sent = dashboard.debit_throughput(w.reader, hours=6, bucket_s=3600, now=NOW,
                                      column="sent_at")
    assert sent == [{"start": base, "SUCCEEDED": 3, "FAILED": 1}]


def test_history_and_status_table_for_the_dashboard(hworld) -> None:
    w = hworld
    w.check()
    w.put(REMOTE, 5)
    w.clock.advance(15)
    w.check()
    series = dashboard.depth_series(w.settings, hours=1, now=NOW + dt.timedelta(minutes=1))
    points = series["depth:QM.TAX:QM.ETS.XMITQ"]
    assert [v for _, v in points] == [0.0, 5.0]
    assert points[1][0] == NOW + dt.timedelta(seconds=15)
    assert "depth:QM.TAX:ETS.EXT.ONLINE.IN" not in series  # derived: not stored twice
    backlog = dashboard.depth_series(w.settings, hours=1, prefix="outbox",
                                     now=NOW + dt.timedelta(minutes=1))
    assert [v for _, v in backlog["outbox_unsent"]] == [0.0, 0.0]

    w.admin.stop_channel("TAX.TO.ETS")
    report = dashboard.current_status(w.settings, w.reader, host=False)
    rows = dashboard.status_table(report)
    assert rows[0]["severity"] == "CRITICAL" and rows[0]["subject"] == "QM.TAX TAX.TO.ETS"
    assert {"severity", "label", "category", "subject", "summary", "value"} == set(rows[0])
    # looking from the dashboard sends nothing and records nothing
    assert all(a.key != "channel:QM.TAX:TAX.TO.ETS" for a in w.sink.alerts)
    assert len(dashboard.depth_series(w.settings, hours=1, now=NOW + dt.timedelta(minutes=1))
               ["depth:QM.TAX:QM.ETS.XMITQ"]) == 2


def test_history_keeps_only_the_retention_window(hworld) -> None:
    w = hworld
    w.check()
    w.clock.advance(w.settings.monitor.history_retention_h * 3600 + 60)
    w.check()
    series = dashboard.depth_series(w.settings, hours=1000, now=NOW + dt.timedelta(days=30))
    assert len(series["depth:QM.TAX:QM.ETS.XMITQ"]) == 1


def test_unreadable_database_is_unknown(tmp_path) -> None:
    w = make_world(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 's.db'}")
    from gateway.persistence.engine import make_reader
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    w.reader = make_reader(f"sqlite:///{empty}")
    snap = w.check()
    assert by_key(snap)["gateway:database"].severity is Severity.UNKNOWN
    assert snap.report.exit_code == 3
    w.monitor.close()
    w.gw.close()
    w.sim.close()
