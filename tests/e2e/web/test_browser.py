"""The pages in a real headless Chromium: every demo role logs in and sees its home, lock-out
after three wrong passwords, a form without its CSRF token is refused, log-out ends the session,
and the portal fits a phone screen (390×844) without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.e2e.web.conftest import screenshot
from tests.integration.web.helpers import HOMES, PASSWORD, TITLES


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_demo_role_logs_in_and_sees_its_home(page, live_url, username):
    log_in(page, live_url, username)
    page.wait_for_url(f"{live_url}{HOMES[username]}")
    assert page.inner_text("h1") == TITLES[HOMES[username]]
    assert page.get_by_test_id("current-user").is_visible()
    screenshot(page, f"home-{username}")


def test_three_wrong_passwords_lock_the_account(page, live_url):
    for _ in range(3):
        log_in(page, live_url, "staff_fs", "wrong-password")
    message = page.get_by_test_id("error-password")
    assert "密码连续错误 3 次，账户已锁定 15 分钟" in message.inner_text()
    screenshot(page, "login-locked")
    log_in(page, live_url, "staff_fs")  # the right password is refused while locked
    assert "该账户已被锁定" in page.get_by_test_id("error-password").inner_text()
    assert page.url.endswith("/login")


def test_a_form_posted_without_its_csrf_token_is_refused(page, live_url):
    page.goto(f"{live_url}/login")
    page.locator("input[name=csrf_token]").evaluate_all("els => els.forEach(e => e.remove())")
    page.fill("#username", "ops")
    page.fill("#password", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 400
    assert "缺少安全令牌" in page.get_by_test_id("error-page").inner_text()


def test_log_out_ends_the_session(page, live_url):
    log_in(page, live_url, "unit_demo")
    page.wait_for_url(f"{live_url}/portal/")
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_url}/login")
    assert "您已安全退出" in page.content()
    page.goto(f"{live_url}/portal/")
    assert "/login" in page.url
    assert page.inner_text("h1") == "登录"


def _horizontal_overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def test_portal_home_fits_a_phone_screen(browser, live_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_url, "unit_demo")
        page.wait_for_url(f"{live_url}/portal/")
        assert page.get_by_test_id("unpaid-levies").is_visible()
        assert _horizontal_overflow(page) <= 0
        screenshot(page, "portal-phone")
        page.goto(f"{live_url}/login")
        assert _horizontal_overflow(page) <= 0
    finally:
        context.close()


def test_staff_pages_fit_a_phone_screen_too(browser, live_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        for username in ("staff_gz", "ops", "auditor"):
            log_in(page, live_url, username)
            page.wait_for_url(f"{live_url}{HOMES[username]}")
            assert _horizontal_overflow(page) <= 0, username
            page.get_by_test_id("logout").click()
            page.wait_for_url(f"{live_url}/login")
    finally:
        context.close()


def test_paying_from_the_portal_shows_the_result(page, live_url):
    log_in(page, live_url, "unit_demo")
    page.wait_for_url(f"{live_url}/portal/")
    page.locator("input[name=levy_ids]").first.check()
    page.click("text=发起扣款")
    page.wait_for_url(f"{live_url}/portal/")
    assert "已发起扣款" in page.locator(".flash-success").inner_text()
    screenshot(page, "portal-paid")
