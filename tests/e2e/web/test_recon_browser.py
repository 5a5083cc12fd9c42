"""Reconciliation in a real headless Chromium: staff open the discrepancy list from the
navigation, filter it, resolve one with a note, and see it resolved."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in
from tests.integration.web.helpers import copy_of, settings_for


@pytest.fixture
def recon_url(browser_template, tmp_path):
    """The app over a copy of the demo data with two open discrepancies of staff_gz's office."""
    from webapp.serve import start_in_thread

    path = copy_of(browser_template, tmp_path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        org = conn.execute(text("SELECT tax_org_code FROM app_user WHERE username = 'staff_gz'")
                           ).scalar_one()
        for n, kind in enumerate(("UNKNOWN", "COUNTER_UNKNOWN"), 1):
            conn.execute(text(
                "INSERT INTO recon_discrepancy (tax_org_code, chk_date, kind, item_id, debit_id, "
                "ori_key, reported_amount, held_amount, reported_voucher, held_voucher, "
                "held_state, state, note, resolved_by) VALUES (:o, '2026-11-13', :k, :n, 0, "
                ":key, 123456, NULL, 'X44010626111300001', '', '', 'OPEN', '', '')"),
                {"o": org, "k": kind, "n": n, "key": f"1001/{org}/00000000/9900000{n}"})
    engine.dispose()
    running = start_in_thread(settings_for(path), host="127.0.0.1", port=0, demo_accounts=False)
    yield running.url.rstrip("/")
    running.stop()


def test_staff_resolve_a_discrepancy(page, recon_url):
    log_in(page, recon_url, "staff_gz")
    page.wait_for_url(f"{recon_url}/console/")
    page.get_by_role("link", name="对账", exact=True).click()
    page.wait_for_url(f"{recon_url}/console/reconciliation")
    page.goto(f"{recon_url}/console/reconciliation/discrepancies")
    page.get_by_test_id("filter-kind").select_option("UNKNOWN")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("[data-testid=discrepancies] tbody tr")
    assert rows.count() == 1 and "网关无此交易" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_selector("[data-testid=resolve]")
    page.get_by_test_id("resolve").click()  # without a note: refused next to the field
    assert "此项为必填项" in page.get_by_test_id("error-note").inner_text()
    page.fill("#note", "ETS 重复推送，已与省中心核实")
    page.get_by_test_id("resolve").click()
    assert page.get_by_test_id("discrepancy-state").inner_text() == "已处理"
    assert page.get_by_test_id("discrepancy-note").inner_text() == "ETS 重复推送，已与省中心核实"
    assert page.locator("[data-testid=resolve]").count() == 0
    screenshot(page, "console-recon-resolved")
    page.goto(f"{recon_url}/console/reconciliation/discrepancies?state=OPEN")
    assert page.locator("[data-testid=discrepancies] tbody tr[data-kind]").count() == 1
