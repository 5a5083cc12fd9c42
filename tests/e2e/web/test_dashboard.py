"""The ops dashboard in a real headless Chromium (waitress, the real app, strict CSP): the status
table and the server-rendered SVG plot of queue depth are shown, nothing is blocked by the CSP,
and on a phone the chart scrolls inside its box and the page does not scroll sideways."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.clock import beijing_now
from gateway.monitor.history import History
from gateway.monitor.model import Finding, Report, Severity
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in
from tests.integration.web.helpers import copy_of, settings_for

QUEUE = "QM.ETS.XMITQ"


@pytest.fixture
def dashboard_url(browser_template, tmp_path):
    """The app with a monitor history of the last hour (as ``etsgw monitor --watch`` writes)."""
    from webapp.serve import start_in_thread

    settings = settings_for(copy_of(browser_template, tmp_path)).replace(monitor={
        "history_url": f"sqlite:///{tmp_path / 'history.db'}",
        "state_file": str(tmp_path / "state.json"), "host_probes": False})
    history = History(settings.monitor.history_url)
    now = beijing_now()
    for minutes, depth in ((55, 0), (40, 4), (25, 12), (10, 21), (1, 3)):
        finding = Finding(f"queue:QM.TAX:{QUEUE}", "queue", QUEUE, Severity.OK, "", value=depth,
                          detail={"qmgr": "QM.TAX", "queue": QUEUE})
        history.record(Report(now - dt.timedelta(minutes=minutes), (finding,)))
    history.close()
    running = start_in_thread(settings, host="127.0.0.1", port=0, demo_accounts=False)
    yield running.url.rstrip("/")
    running.stop()


def test_the_dashboard_shows_the_status_table_and_the_plot(page, dashboard_url):
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    log_in(page, dashboard_url, "ops")
    page.wait_for_url(f"{dashboard_url}/ops/")
    page.get_by_test_id("dashboard-link").click()
    page.wait_for_url(f"{dashboard_url}/ops/dashboard")
    assert page.inner_text("h1") == "监控看板"

    rows = page.get_by_test_id("status-table").locator("tbody tr")
    assert rows.count() > 1
    assert "QM.TAX" in page.get_by_test_id("status-table").inner_text()

    plot = page.get_by_test_id("depth-chart").locator("svg.chart")
    assert plot.is_visible()
    box = plot.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 80  # sized by the CSS
    line = plot.locator("polyline")
    assert line.count() == 1
    six_hours = line.bounding_box()["width"]
    assert 0 < six_hours < box["width"] / 4  # an hour of samples in a 6-hour window

    page.get_by_role("link", name="1 小时").click()
    page.wait_for_url(f"{dashboard_url}/ops/dashboard?hours=1")
    plot = page.get_by_test_id("depth-chart").locator("svg.chart")
    assert plot.locator("polyline").bounding_box()["width"] > box["width"] / 2  # spans it now
    assert f"QM.TAX:{QUEUE}" in page.get_by_test_id("depth-chart").inner_text()  # the legend
    assert page.get_by_test_id("throughput-chart").locator("svg.chart").is_visible()
    assert blocked == []
    screenshot(page, "ops-dashboard")


def test_the_dashboard_fits_a_phone(browser, dashboard_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, dashboard_url, "ops")
        page.wait_for_url(f"{dashboard_url}/ops/")
        page.goto(f"{dashboard_url}/ops/dashboard")
        box = page.get_by_test_id("depth-chart").locator(".chart-box")
        assert box.locator("svg.chart").is_visible()
        assert box.bounding_box()["width"] <= 390  # the chart scrolls inside its box ...
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # ... not the page
        screenshot(page, "ops-dashboard-phone")
    finally:
        context.close()
