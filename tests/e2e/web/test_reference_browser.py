"""Maker-checker of a new base ceiling in a real headless Chromium: the office head schedules a
new ceiling of Guangzhou's units from a future date, is refused when approving it themselves,
the security administrator approves it, and the parameter's history shows the new version from
its date and the old one up to the day before — the value in force on both sides of the date is
read through the history page's date query (the unit portal's declaration preview that will use
it is issue 15's and does not exist yet)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in

HISTORY = "/reference/history?kind=BASE_CEILING&city=4401&payer_kind=UNIT"
OLD_VALUE, NEW_VALUE = "26421.00", "27500.00"
YEAR_END = dt.date(2027, 6, 30)  # the demo's current ceiling runs to the end of 社保年度 2026


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _log_out(page, base: str) -> None:
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{base}/login")


def _value_on(page, base: str, day: dt.date) -> str:
    page.goto(f"{base}{HISTORY}")
    page.fill("#on", day.isoformat())
    page.get_by_role("button", name="查询").click()
    return page.get_by_test_id("value-on").inner_text()


def test_one_person_schedules_a_ceiling_and_a_second_approves_it(page, live_url):
    # The live server runs on the real clock: the new value starts on a future first of month.
    start = _first_of_next_month(dt.date.today() + dt.timedelta(days=1))
    if start > YEAR_END:
        pytest.skip(f"the demo data's current ceiling ends {YEAR_END}; today is past it")
    log_in(page, live_url, "head_gz")
    page.wait_for_url(f"{live_url}/console/")
    page.get_by_role("link", name="社保参数").click()
    page.goto(f"{live_url}{HISTORY}")
    assert "4401 缴费基数上限 单位" in page.get_by_test_id("parameter-key").inner_text()
    form = page.get_by_test_id("schedule-form")
    form.locator("#valid_from").fill(start.isoformat())
    form.locator("#value").fill(NEW_VALUE)
    form.locator("#reason").fill("粤人社规〔2026〕演示号")
    form.get_by_role("button", name="提交审核").click()
    page.wait_for_url(re.compile(r".*/reference/proposals/\d+$"))
    proposal_url = page.url
    assert page.get_by_test_id("proposal-state").inner_text() == "待审核"
    assert page.get_by_test_id("preview").is_visible()
    screenshot(page, "reference-proposal")

    page.get_by_test_id("approve").click()  # the maker's own approval is refused
    refusal = page.get_by_test_id("decision-error").inner_text()
    assert "由 head_gz 提出，须由另一人审核批准" in refusal
    screenshot(page, "reference-own-approval-refused")
    assert page.get_by_test_id("proposal-state").inner_text() == "待审核"
    _log_out(page, live_url)

    log_in(page, live_url, "secadmin")
    page.wait_for_url(f"{live_url}/admin/roles")
    page.goto(f"{live_url}/reference/proposals")
    page.locator(f"a[href='{proposal_url[len(live_url):]}']").click()
    page.fill("#note", "同意")
    page.get_by_test_id("approve").click()
    page.wait_for_url(proposal_url)
    assert page.get_by_test_id("proposal-state").inner_text() == "已批准"

    page.goto(f"{live_url}{HISTORY}")
    rows = page.get_by_test_id("history").locator("tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    the_day_before = start - dt.timedelta(days=1)
    assert any(start.isoformat() in t and NEW_VALUE in t and "未生效" in t for t in texts), texts
    assert any(f"2026-07-01\t{the_day_before}" in t and OLD_VALUE in t and "当前生效" in t
               for t in texts), texts
    screenshot(page, "reference-history")
    assert f"{the_day_before} 生效值：{OLD_VALUE}" in _value_on(page, live_url, the_day_before)
    assert f"{start} 生效值：{NEW_VALUE}" in _value_on(page, live_url, start)
