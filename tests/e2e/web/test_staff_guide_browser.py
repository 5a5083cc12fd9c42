"""The collection staff's follow-up pages in headless Chromium, for the staff guide: a debit
left without an answer shows under 结果待查 and its detail page sends a status query; a
duplicate-payment case (as a late 2102 would open it) is confirmed on 重复缴费退费; and the
office head opens 社保参数."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.domain.commands import SubmitDebit
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in
from tests.integration.web.helpers import copy_of, settings_for


@pytest.fixture
def served(browser_template, tmp_path):
    """The app on a free port and the Application behind it (to start a debit as the portal would)."""
    from gateway.bootstrap import build
    from webapp.serve import start_in_thread

    settings = settings_for(copy_of(browser_template, tmp_path))
    application = build(settings)
    running = start_in_thread(settings, host="127.0.0.1", port=0, demo_accounts=False,
                              application=application)
    yield running.url.rstrip("/"), application
    running.stop()
    application.close()


def _sql(application, statement: str, **params):
    with application.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.fetchall() if result.returns_rows else []


def _unanswered_debit(application) -> int:
    """unit_demo's real-time debit of one levy, which the bank never answered (IN_DOUBT)."""
    payer = _sql(application, "SELECT payer_id FROM app_user WHERE username = 'unit_demo'")[0][0]
    levy = _sql(application, "SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' "
                             "ORDER BY id", p=payer)[0][0]
    debit = application.bus.handle(SubmitDebit(payer, (levy,), "unit_demo"))
    _sql(application, "UPDATE debit SET state = 'IN_DOUBT' WHERE id = :i", i=debit.saved_id)
    return debit.saved_id


def _refund_case(application) -> int:
    levy = _sql(application, "SELECT id, tax_org_code, amount FROM levy WHERE tax_org_code LIKE "
                             "'1440106%' ORDER BY id")[0]
    _sql(application, "INSERT INTO refund_case (levy_id, tax_org_code, payment, debit_key, paid_by, "
                      "amount, state, note, updated_by, created_at, updated_at) VALUES (:l, :o, "
                      "'BATCH_ITEM:1', '14401060000/20261116/00000001', 'DEBIT:2', :a, 'FLAGGED', "
                      "'', '', '2026-11-16 10:00:00', NULL)", l=levy[0], o=levy[1], a=levy[2])
    return _sql(application, "SELECT max(id) FROM refund_case")[0][0]


def test_staff_queries_an_in_doubt_debit_and_confirms_a_refund(page, served):
    base, application = served
    debit_id = _unanswered_debit(application)
    case = _refund_case(application)
    log_in(page, base, "staff_gz")
    page.wait_for_url(f"{base}/console/")
    page.goto(f"{base}/console/batch/in-doubt")
    assert page.get_by_test_id("in-doubt").locator("tbody tr").count() >= 1
    screenshot(page, "console-in-doubt")
    page.goto(f"{base}/console/debits/{debit_id}")
    assert page.get_by_test_id("debit-state").inner_text() == "结果待查"
    page.get_by_role("button", name="查询状态").click()
    assert "状态查询已发送" in page.locator(".flash-success").inner_text()
    assert _sql(application, "SELECT count(*) FROM outbox WHERE msg_no = '9003'")[0][0] >= 1
    screenshot(page, "console-debit")

    page.goto(f"{base}/console/batch/refunds")
    assert "待确认" in page.get_by_test_id("refunds").inner_text()
    screenshot(page, "console-refunds")
    page.get_by_test_id(f"refund-confirm-{case}").click()
    page.wait_for_url(f"{base}/console/batch/refunds")
    assert f"退费 {case}：已确认" in page.locator(".flash-success").inner_text()
    assert _sql(application, "SELECT state FROM refund_case WHERE id = :i", i=case)[0][0] == "CONFIRMED"


def test_the_office_head_opens_the_parameters(page, served):
    base, _application = served
    log_in(page, base, "head_gz")
    page.wait_for_url(f"{base}/console/")
    page.get_by_role("link", name="社保参数").click()
    page.wait_for_url(f"{base}/reference/")
    assert page.get_by_test_id("page-title").inner_text() == "社保参数"
    assert page.get_by_test_id("parameters").locator("tbody tr").count() > 1
    screenshot(page, "reference-parameters")
