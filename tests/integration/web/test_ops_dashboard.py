"""The ops dashboard over HTTP (Flask test client, real SQLite): the status table of a real
check, server-rendered SVG charts of the monitor's history and of debit outcomes, only for the
ops role; and ``/metrics``, which is there only with a token and answers only to it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gateway.monitor import dashboard as mon
from gateway.monitor.history import History
from gateway.monitor.model import Finding, Report, Severity
from tests.integration.web.helpers import MovableClock, Web, copy_of, make_records, settings_for

NOW = dt.datetime(2026, 11, 16, 10, 0, 0)
XMITQ = ("QM.TAX", "QM.ETS.XMITQ")


def dashboard_settings(path, tmp_path, **monitor):
    return settings_for(path).replace(monitor={
        "history_url": f"sqlite:///{tmp_path / 'history.db'}",
        "state_file": str(tmp_path / "state.json"), "host_probes": False, **monitor})


def make_web(web_template, tmp_path, **monitor) -> Web:
    from webapp import create_app

    path = copy_of(web_template, tmp_path)
    clock = MovableClock(NOW)
    return Web(create_app(dashboard_settings(path, tmp_path, **monitor), clock=clock), path,
               clock)


def close_web(web: Web) -> None:
    runner = web.app.extensions.get("etsgw_metrics")
    if runner is not None:
        runner.stop()
    web.app.extensions["etsgw"].app.close()


@pytest.fixture
def dash(web_template, tmp_path):
    web = make_web(web_template, tmp_path)
    yield web
    close_web(web)


def record_depths(settings, samples: list[tuple[int, int]]) -> None:
    """History as ``etsgw monitor --watch`` writes it: (minutes ago, depth of the XMITQ)."""
    history = History(settings.monitor.history_url)
    for minutes, depth in samples:
        at = NOW - dt.timedelta(minutes=minutes)
        findings = (
            Finding(f"queue:{XMITQ[0]}:{XMITQ[1]}", "queue", XMITQ[1], Severity.OK, "",
                    value=depth, detail={"qmgr": XMITQ[0], "queue": XMITQ[1]}),
            Finding("queue:QM.TAX:IDLE.Q", "queue", "IDLE.Q", Severity.OK, "", value=0,
                    detail={"qmgr": "QM.TAX", "queue": "IDLE.Q"}),
            Finding("gateway:outbox", "gateway", "outbox", Severity.OK, "", value=depth // 2))
        history.record(Report(at, findings))
    history.close()


def resolve_debits(web: Web, states: tuple[str, ...], minutes_ago: int) -> None:
    """Two real debits through the bus, then their outcomes as the ETS's answers would set them."""
    records = make_records(web)
    at = NOW - dt.timedelta(minutes=minutes_ago)
    for debit_id, state in zip((records.debit_gz, records.debit_fs), states, strict=True):
        web.sql("UPDATE debit SET state = :s, resolved_at = :t WHERE id = :i", s=state, t=at,
                i=debit_id)


def section(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}".*?</section>', html, re.DOTALL)
    assert found, f"no {testid} on the page"
    return found.group(0)


def test_ops_sees_the_status_table_and_svg_plots(dash):
    settings = dash.app.extensions["etsgw"].settings
    record_depths(settings, [(50, 0), (30, 7), (10, 20)])
    resolve_debits(dash, ("SUCCEEDED", "FAILED"), minutes_ago=25)
    client = dash.client("ops")

    response = client.get("/ops/dashboard")
    assert response.status_code == 200
    html = response.text
    assert "监控看板" in html
    table = section(html, "status-table")
    expected = mon.status_table(mon.current_status(settings, dash.app.extensions["etsgw"]
                                                   .app.reader, host=False))
    assert expected, "a check has findings (at least the queue manager and the gateway)"
    assert table.count("<tr>") == len(expected) + 1  # header + one row per finding
    for row in expected:
        assert row["summary"] in table or str(row["summary"]).replace("<", "&lt;") in table

    depth = section(html, "depth-chart")
    assert "<svg" in depth and "<polyline" in depth
    assert "QM.TAX:QM.ETS.XMITQ：最新 20，最高 20" in depth  # the series' tooltip
    assert "QM.TAX:IDLE.Q" in depth and "未绘制" in depth  # flat queues are listed, not drawn
    assert depth.count("<polyline") == 1

    bars = section(html, "throughput-chart")
    assert "<svg" in bars and "共 2 笔" in bars
    assert "扣款成功：1</title>" in bars and "扣款失败：1</title>" in bars
    assert "<script" not in html and "style=" not in html  # the CSP would block both


def test_the_window_changes_the_buckets_and_unknown_values_fall_back(dash):
    client = dash.client("ops")
    assert "每 2 分钟" in client.get("/ops/dashboard?hours=1").text
    assert "每 10 分钟" in client.get("/ops/dashboard?hours=oops").text  # the 6 h default
    assert "每 60 分钟" in client.get("/ops/dashboard?hours=48").text


def test_without_history_the_page_says_so_and_still_draws_axes(dash):
    html = dash.client("ops").get("/ops/dashboard").text
    depth = section(html, "depth-chart")
    assert "这段时间没有监控记录" in depth and "<svg" in depth and "<polyline" not in depth
    assert "这段时间没有扣款结果" in section(html, "throughput-chart")


@pytest.mark.parametrize("username", ["staff_gz", "head_gz", "unit_demo", "sysadmin", "auditor"])
def test_other_roles_are_refused(dash, username):
    response = dash.client(username).get("/ops/dashboard")
    assert response.status_code == 403  # webapp.roles.requires: logged in but not allowed
    assert "<svg" not in response.text


def test_anonymous_is_sent_to_the_login(dash):
    response = dash.app.test_client().get("/ops/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_ops_home_links_to_the_dashboard(dash):
    assert 'href="/ops/dashboard"' in dash.client("ops").get("/ops/").text


def test_metrics_are_absent_without_a_token(dash):
    assert dash.app.test_client().get("/metrics").status_code == 404
    assert "etsgw_metrics" not in dash.app.extensions


def test_metrics_with_a_token_answer_only_to_it(web_template, tmp_path):
    web = make_web(web_template, tmp_path, web_metrics_token="m" * 32, interval_s=3600)
    try:
        runner = web.app.extensions["etsgw_metrics"]
        assert runner.checked.wait(30), "the background check never ran"
        client = web.app.test_client()
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code \
            == 404
        response = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
        assert response.status_code == 200
        body = response.text
        assert 'etsgw_mq_queue_depth{qmgr="QM.TAX"' in body
        assert "etsgw_outbox_backlog" in body and "etsgw_monitor_status" in body
    finally:
        close_web(web)
    # The web process only looks: no history rows, no state file, no alerts.
    assert not (tmp_path / "state.json").exists()
    assert mon.depth_series(web.app.extensions["etsgw"].settings, 48, now=NOW) == {}
