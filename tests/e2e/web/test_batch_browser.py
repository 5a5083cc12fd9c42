"""The batch-deduction console in headless Chromium, end to end: staff_gz logs in, selects,
previews, creates the 待批扣清册, launches it as 1102 packages; the gateway worker and the
settlement-centre simulator (threads of this process, over the same database) answer with 9121
and 2102; the page shows the package finished, its items, and the Excel export is read back
with openpyxl. The batch pages also fit a phone screen."""

from __future__ import annotations

import io
import re
import time

import openpyxl
import pytest
from sqlalchemy import text

from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import _horizontal_overflow, log_in
from tests.integration.web.helpers import copy_of, settings_for

DEADLINE_S = 60.0


@pytest.fixture
def system(browser_template, tmp_path):
    """The web app, the gateway worker and the simulator on one copy of the demo database; the
    simulator's banks know the demo accounts and process a package shortly after its receipt."""
    from gateway.bootstrap import build
    from gateway.cli.demo_flow import running_system
    from gateway.cli.demo_parts import _seed_simulator
    from webapp.serve import start_in_thread

    settings = settings_for(copy_of(browser_template, tmp_path)).replace(
        simulator={"package_delay_s": 0.2})
    app = build(settings)
    _seed_simulator(app)
    web = start_in_thread(settings, host="127.0.0.1", port=0, demo_accounts=False)
    try:
        with running_system(app):
            yield web.url.rstrip("/"), app
    finally:
        web.stop()
        app.close()


def sql(app, statement: str, **params):
    with app.engine.connect() as conn:
        return conn.execute(text(statement), params).all()


def wait_until(what: str, check, page=None):
    """Poll ``check`` until it answers something true or the deadline passes (no fixed sleep
    stands in for the wait: each round reloads the page or reads the database again)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if page is not None:
            page.reload()
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_staff_select_preview_launch_watch_and_export(page, system):
    base, app = system
    log_in(page, base, "staff_gz")
    page.wait_for_url(f"{base}/console/")
    page.get_by_test_id("batch-link").click()
    page.wait_for_url(f"{base}/console/batch/select")
    page.select_option("#office", "14401060000")
    page.get_by_test_id("preview").click()
    groups = page.get_by_test_id("groups")
    levies = int(page.get_by_test_id("total-levies").inner_text())
    assert levies > 0 and "合计" in groups.inner_text()
    assert sql(app, "SELECT count(*) FROM batch_list")[0][0] == 0  # a preview keeps nothing
    screenshot(page, "console-batch-preview")

    page.get_by_test_id("create-list").click()
    page.wait_for_url(re.compile(r".*/console/batch/lists/\d+$"))
    list_id = int(page.url.rsplit("/", 1)[1])
    assert f"{levies} 条应征" in page.inner_text("main")
    screenshot(page, "console-batch-list")
    page.get_by_test_id("launch-async").click()
    page.wait_for_url(re.compile(rf".*/console/batch/packages\?list={list_id}$"))
    assert "已组包发送" in page.inner_text("main")
    packages = sql(app, "SELECT id, item_count FROM package WHERE list_id = :l ORDER BY id", l=list_id)
    assert packages and page.get_by_test_id("package-link").count() == len(packages)
    screenshot(page, "console-batch-packages")

    # Watch the first package until its 2102 is applied.
    pkg_id, items = packages[0]
    page.goto(f"{base}/console/batch/packages/{pkg_id}")
    wait_until("the 2102 of the package",
               lambda: "已返回结果" in page.get_by_test_id("package-state").inner_text(), page)
    states = [s.inner_text() for s in page.get_by_test_id("item-state").all()]
    assert len(states) == items and set(states) <= {"扣款成功", "扣款失败"}
    stored = sql(app, "SELECT tra_no, state, amount FROM debit WHERE package_id = :p ORDER BY tra_no",
                 p=pkg_id)
    succeeded = sum(1 for r in stored if r[1] == "SUCCEEDED")
    assert f"{succeeded} 笔" in page.get_by_test_id("package-success").inner_text()
    screenshot(page, "console-batch-package")

    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    path = download.value.path()
    assert download.value.suggested_filename == f"批量包{pkg_id}明细.xlsx"
    rows = list(openpyxl.load_workbook(io.BytesIO(open(path, "rb").read()), read_only=True)
                .active.iter_rows(values_only=True))
    assert rows[0][:2] == ("流水号", "凭证号") and len(rows) == items + 1
    accounts = dict(sql(app, "SELECT d.tra_no, a.pay_acct FROM debit d JOIN agreement a ON "
                             "a.id = d.agreement_id WHERE d.package_id = :p", p=pkg_id))
    labels = {"SUCCEEDED": "扣款成功", "FAILED": "扣款失败"}
    for row, (tra_no, state, _amount) in zip(rows[1:], stored, strict=True):
        assert row[0] == tra_no and row[6] == labels[state]
        assert row[4] != accounts[tra_no] and row[4][:4] == accounts[tra_no][:4]  # masked


def test_batch_pages_fit_a_phone_screen(browser, system):
    base, _app = system
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, base, "staff_gz")
        page.wait_for_url(f"{base}/console/")
        for path in ("/console/batch/select", "/console/batch/lists", "/console/batch/packages",
                     "/console/batch/refunds", "/console/batch/notices", "/console/batch/in-doubt"):
            page.goto(f"{base}{path}")
            assert page.get_by_test_id("page-title").is_visible()
            assert _horizontal_overflow(page) <= 0, path
        page.goto(f"{base}/console/batch/select")
        page.get_by_test_id("preview").click()
        assert page.get_by_test_id("groups").is_visible() and _horizontal_overflow(page) <= 0
        screenshot(page, "console-batch-phone")
    finally:
        context.close()
