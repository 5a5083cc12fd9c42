"""The unit portal in headless Chromium (issue 15): add a person, declare, pay and see PAID,
download the certificate and read its text; preview a 10,000-person declaration page by page;
void a declaration whose payment was abandoned; sign an agreement after the cutoff and see the
notice; and the same pages on a phone-sized screen."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in
from tests.integration.web.helpers import MovableClock, copy_of, settings_for
from tests.integration.web.unit_portal_support import bank_answers, id_number, ten_thousand_persons
from tests.support import pdftext

PERIOD = "2026-12"


@pytest.fixture
def portal(browser_template, tmp_path):
    """The app on a free port over a fresh copy, with a clock the test moves and the
    Application at hand (to play the bank's answers through the bus)."""
    from gateway.bootstrap import build
    from webapp.serve import start_in_thread

    settings = settings_for(copy_of(browser_template, tmp_path))
    clock = MovableClock(dt.datetime(2026, 11, 16, 10, 0, 0))
    application = build(settings, clock=clock)
    running = start_in_thread(settings, host="127.0.0.1", port=0, demo_accounts=False,
                              application=application)
    yield running.url.rstrip("/"), application, clock
    running.stop()
    application.close()


def _enter(page, base: str) -> None:
    log_in(page, base, "unit_demo")
    page.wait_for_url(f"{base}/portal/")
    page.get_by_role("link", name="单位社保").click()
    page.wait_for_url(f"{base}/portal/unit/")


def _declare(page, base: str) -> None:
    page.goto(f"{base}/portal/unit/declare?period={PERIOD}")
    page.get_by_test_id("declare").click()
    page.wait_for_url(f"{base}/portal/unit/declarations/*")
    assert "申报成功" in page.locator(".flash-success").inner_text()


def _pay_period(page, base: str) -> int:
    page.goto(f"{base}/portal/unit/pay")
    for box in page.locator("[data-testid=unpaid] tr").filter(has_text="2026年12月").locator(
            "input[type=checkbox]").all():
        box.check()
    page.get_by_test_id("pay-debit").click()
    page.wait_for_url(f"{base}/portal/unit/debits/*")
    return int(page.url.rsplit("/", 1)[1])


def test_add_declare_pay_and_download_the_certificate(page, portal):
    base, application, _clock = portal
    _enter(page, base)
    page.get_by_test_id("unit-nav").get_by_role("link", name="在册人员").click()
    page.fill("#id_number", id_number(21))
    page.fill("#name", "浏览器员工")
    page.fill("#wage", "9000.00")
    page.get_by_test_id("add-person").get_by_role("button", name="增员").click()
    assert "增员成功" in page.locator(".flash-success").inner_text()
    assert "浏览器员工" in page.get_by_test_id("staff").inner_text()
    screenshot(page, "unit-staff-added")

    page.goto(f"{base}/portal/unit/declare?period={PERIOD}")
    assert "待申报 3 人" in page.get_by_test_id("preview-summary").inner_text()
    screenshot(page, "unit-declare-preview")
    _declare(page, base)
    screenshot(page, "unit-declared")
    page.goto(f"{base}/portal/unit/pay")
    screenshot(page, "unit-pay")
    debit = _pay_period(page, base)
    assert "扣款处理中" in page.get_by_test_id("debit-outcome").inner_text()
    screenshot(page, "unit-debit-in-progress")
    bank_answers(application, debit, "90000", dt.date(2026, 11, 16))
    page.get_by_test_id("refresh").click()
    assert "扣款成功" in page.get_by_test_id("debit-outcome").inner_text()
    assert {s.inner_text() for s in page.get_by_test_id("levy-state").all()} == {"已缴"}
    screenshot(page, "unit-paid")

    page.goto(f"{base}/portal/unit/certificates")
    page.fill("#from", PERIOD)
    page.fill("#to", PERIOD)
    page.select_option("#form", "document")
    screenshot(page, "unit-certificates")
    with page.expect_download() as download:
        page.get_by_test_id("certificate").click()
    data = open(download.value.path(), "rb").read()
    text = pdftext.text(data)
    assert "中华人民共和国税收完税证明" in text and "兹证明" in text
    assert "广州市天河区昌辰五金制品有限公司" in text and "2026-12-01至2026-12-31" in text
    assert "企业职工基本养老保险" in text or "养老" in text


def test_preview_of_a_ten_thousand_person_unit_page_by_page(page, portal):
    base, application, _clock = portal
    ten_thousand_persons(application.engine, 1)
    _enter(page, base)
    page.goto(f"{base}/portal/unit/declare?period={PERIOD}")
    summary = page.get_by_test_id("preview-summary").inner_text()
    assert "待申报 10002 人" in summary and "50010 条明细" in summary
    seen = set()
    for number in (1, 2, 3):
        assert page.get_by_test_id("page-of").inner_text().startswith(f"第 {number} / 1001 页")
        rows = page.get_by_test_id("preview-row")
        assert rows.count() == 50
        first = rows.first.inner_text()
        assert first not in seen
        seen.add(first)
        page.get_by_test_id("next").click()
    page.goto(f"{base}/portal/unit/declare?period={PERIOD}&page=1001")
    assert page.get_by_test_id("preview-row").count() == 10
    assert page.get_by_test_id("next").count() == 0


def test_void_a_declaration_whose_payment_was_abandoned(page, portal):
    base, application, _clock = portal
    _enter(page, base)
    _declare(page, base)
    declaration_url = None
    page.goto(f"{base}/portal/unit/declarations")
    page.get_by_test_id("declarations").get_by_role("link").first.click()
    declaration_url = page.url
    debit = _pay_period(page, base)  # started, never completed (the payer walked away)
    page.goto(declaration_url)
    page.get_by_test_id("void").click()
    assert "已向银行查询扣款状态" in page.locator(".flash").inner_text()
    assert page.get_by_test_id("declaration-state").inner_text() == "已申报"
    screenshot(page, "unit-void-querying")
    bank_answers(application, debit, "24020")  # the status answer: the payment did not happen
    page.get_by_test_id("void").click()
    assert "已作废" in page.locator(".flash-success").inner_text()
    assert page.get_by_test_id("declaration-state").inner_text() == "已作废"
    screenshot(page, "unit-voided")


def test_sign_an_agreement_after_the_cutoff_shows_the_notice(page, portal):
    base, _application, clock = portal
    clock.now = dt.datetime(2026, 11, 27, 9, 30)  # after the 26th, 18:00
    _enter(page, base)
    page.goto(f"{base}/portal/unit/agreements")
    assert "将从下月开始自动扣费" in page.get_by_test_id("cutoff-notice").inner_text()
    page.fill("#protocol_no", "WEB-2026-0099")
    page.fill("#pay_bk_code", "102581000013")
    page.fill("#pay_op_bk_code", "102581000013")
    page.fill("#pay_acct", "6222021234567890999")
    page.get_by_test_id("sign").click()
    notices = page.locator(".flash").all_inner_texts()
    assert any("正在通过银行验证" in n for n in notices)
    assert any("税务机关在本月的社保费批量扣费已结束" in n for n in notices)
    assert "WEB-2026-0099" in page.get_by_test_id("agreements").inner_text()
    assert "6222021234567890999" not in page.content()
    screenshot(page, "unit-agreement-after-cutoff")


def test_the_unit_pages_fit_a_phone_screen(browser, portal):
    base, _application, _clock = portal
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        _enter(page, base)
        for path in ("/portal/unit/", "/portal/unit/staff", f"/portal/unit/declare?period={PERIOD}",
                     "/portal/unit/pay", "/portal/unit/agreements", "/portal/unit/history"):
            page.goto(f"{base}{path}")
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)
        page.goto(f"{base}/portal/unit/declare?period={PERIOD}")
        page.get_by_test_id("declare").click()
        page.wait_for_url(f"{base}/portal/unit/declarations/*")
        assert page.get_by_test_id("declaration-state").inner_text() == "已申报"
        screenshot(page, "unit-phone-declaration")
    finally:
        context.close()
