"""In headless Chromium: an office head re-runs the summaries of a month, opens the monthly
report (社保费应收实收明细月报表), exports it to Excel, and the file's totals equal the summary's;
then submits it and the page shows it read-only."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import openpyxl

from gateway.demodata.accounts import STAFF_GZ_OFFICE
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in

MONTH = "2026-10"


def _summary_totals(db, offices_prefix: str) -> tuple[Decimal, Decimal]:
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute(
            "SELECT measure, SUM(amount) FROM daily_summary WHERE tax_org_code LIKE ? "
            "AND day BETWEEN '2026-10-01' AND '2026-10-31' GROUP BY measure",
            (offices_prefix + "%",)).fetchall())
    return (Decimal(rows.get("LEVIED", 0)) / 100).quantize(Decimal("0.01")), \
        (Decimal(rows.get("RECEIVED", 0)) / 100).quantize(Decimal("0.01"))


def test_head_exports_the_monthly_report_and_its_totals_equal_the_summary(page, live_url,
                                                                          tmp_path):
    log_in(page, live_url, "head_gz")
    page.wait_for_url(f"{live_url}/console/")
    page.click("text=统计报表")
    page.fill("[data-testid=refresh-month]", MONTH)
    page.click("[data-testid=refresh]")
    page.wait_for_selector("text=已重新汇总")
    screenshot(page, "console-reports")
    page.goto(f"{live_url}/console/reports/monthly/{STAFF_GZ_OFFICE}?month={MONTH}")
    assert page.inner_text("[data-testid=version-state]") == "草稿"
    with page.expect_download() as info:
        page.click("[data-testid=export-xlsx]")
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)

    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, total = rows[0], rows[-1]
    assert total[1] == "合计"
    levied = Decimal(str(total[header.index("应征金额（元）")])).quantize(Decimal("0.01"))
    received = Decimal(str(total[header.index("入库金额（元）")])).quantize(Decimal("0.01"))
    summary = _summary_totals(tmp_path / "web.db", STAFF_GZ_OFFICE[:-4])
    assert (levied, received) == summary and levied > 0
    assert page.inner_text("[data-testid=summary-levied]").replace(",", "") == f"{levied}"
    body = sum(Decimal(str(r[header.index("应征金额（元）")])) for r in rows[1:-1])
    assert body.quantize(Decimal("0.01")) == levied

    page.click("[data-testid=submit-report]")
    page.wait_for_selector("text=已冻结为只读")
    assert page.inner_text("[data-testid=version-state]") == "已上报（只读）"
    assert page.locator("[data-testid=submit-report]").count() == 0
    screenshot(page, "console-monthly-report")
