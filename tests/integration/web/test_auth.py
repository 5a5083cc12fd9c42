"""Log-in, lock-out, log-out, session expiry, cookie flags and the anonymous redirect."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.helpers import HOMES, TITLES, csrf_token


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_demo_role_lands_on_its_home_page(web, username):
    client = web.client()
    response = web.login(client, username)
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[username]
    home = client.get(HOMES[username])
    assert home.status_code == 200
    assert f">{TITLES[HOMES[username]]}</h1>" in home.text


def test_three_wrong_passwords_lock_the_account_with_a_message(web):
    client = web.client()
    first = web.login(client, "staff_gz", "wrong")
    assert "再错 2 次账户将被锁定" in first.text
    web.login(client, "staff_gz", "wrong")
    third = web.login(client, "staff_gz", "wrong")
    assert third.status_code == 200
    assert "密码连续错误 3 次，账户已锁定 15 分钟" in third.text
    # Locked: even the right password is refused until the lock ends.
    again = web.login(client, "staff_gz")
    assert again.status_code == 200 and "该账户已被锁定" in again.text
    assert web.sql("SELECT count(*) FROM audit_log WHERE action = 'LOGIN_LOCKED'")[0][0] == 1
    web.clock.advance(minutes=16)
    assert web.login(client, "staff_gz").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(web):
    response = web.login(web.client(), "nobody", "wrong")
    assert response.status_code == 200 and "用户名或密码错误" in response.text


def test_form_field_errors_are_shown_next_to_the_field_in_chinese(web):
    client = web.client()
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page.text),
                                           "username": "", "password": ""})
    assert 'data-testid="error-username">此项为必填项' in response.text
    assert 'data-testid="error-password">此项为必填项' in response.text


def test_login_without_csrf_token_is_refused(web):
    response = web.client().post("/login", data={"username": "staff_gz", "password": "x"})
    assert response.status_code == 400
    assert "缺少安全令牌" in response.text


def test_logout_ends_the_session_even_for_a_replayed_cookie(web):
    client = web.client("unit_demo")
    cookie = client.get_cookie("etsgw_session").value
    response = web.post(client, "/logout", "/portal/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    replay = web.app.test_client()
    replay.set_cookie("etsgw_session", cookie)
    after = replay.get("/portal/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")


def test_idle_session_expires(web):
    client = web.client("staff_gz")
    assert client.get("/console/").status_code == 200
    web.clock.advance(minutes=31)
    expired = client.get("/console/")
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/login")
    assert "会话已过期" in client.get("/login").text


def test_session_cookie_is_httponly_and_samesite_lax(web):
    client = web.client()
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page.text),
                                           "username": "ops", "password": "demo-only-password"})
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


def test_secure_cookie_when_configured(web_template, tmp_path):
    from tests.integration.web.helpers import copy_of, settings_for
    from webapp import create_app

    app = create_app(settings_for(copy_of(web_template, tmp_path), secure_cookie=True))
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    app.extensions["etsgw"].app.close()


def test_open_redirect_after_login_is_ignored(web):
    client = web.client()
    page = client.get("/login?next=//evil.example/")
    response = client.post("/login?next=//evil.example/", data={
        "csrf_token": csrf_token(page.text), "username": "ops", "password": "demo-only-password"})
    assert response.headers["Location"] == "/ops/"


def _page_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.endpoint.startswith(("auth.", "api.")):
            continue
        yield rule


def _sample_url(rule) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "csv" if m.group(1) == "fmt" else "1", rule.rule)


def test_every_page_route_sends_an_anonymous_user_to_the_login_page(web):
    client = web.client()
    token = csrf_token(client.get("/login").text)  # a valid token, so only the log-in is missing
    checked = 0
    for rule in _page_rules(web.app):
        url = _sample_url(rule)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, (url, response.status_code)
        assert response.headers["Location"].startswith("/login"), url
        checked += 1
    assert checked >= 20
