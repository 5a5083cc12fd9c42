"""Errors in one place and security headers: every domain rule has its Chinese message, error
pages use the layout, no traceback reaches the browser, CSP without inline script."""

from __future__ import annotations

import inspect

from gateway.domain import errors as domain_errors
from webapp.errors import DOMAIN_MESSAGES


def test_every_domain_rule_has_a_chinese_message():
    rules = {cls.rule for _n, cls in inspect.getmembers(domain_errors, inspect.isclass)
             if issubclass(cls, domain_errors.DomainError) and cls is not domain_errors.DomainError}
    assert rules <= set(DOMAIN_MESSAGES)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in DOMAIN_MESSAGES.values())


def test_security_headers_on_pages_and_api(web):
    client = web.client()
    for url in ("/login", "/api/v1/openapi.json", "/no-such-page"):
        h = client.get(url).headers
        assert "script-src 'self'" in h["Content-Security-Policy"]
        assert "unsafe-inline" not in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(web):
    client = web.client("staff_gz")
    for url in ("/console/", "/login"):
        html = client.get(url).text
        assert "<script" not in html and "style=" not in html and "<style" not in html


def test_404_page_is_in_the_layout_and_in_chinese(web):
    response = web.client("ops").get("/no-such-page")
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.text and "页面不存在" in response.text
    assert "运行监控" in response.text  # the layout's menu


def test_an_unexpected_error_shows_the_500_page_without_a_traceback(web):
    @web.app.route("/boom")
    def boom():
        raise ZeroDivisionError("secret detail 6222021234567890123")

    response = web.app.test_client().get("/boom")
    assert response.status_code == 500
    assert "系统错误" in response.text and "事件号" in response.text
    assert "Traceback" not in response.text and "secret detail" not in response.text


def test_domain_error_from_the_bus_is_shown_in_chinese_next_to_the_field(web):
    web.sql("INSERT INTO gateway_state (key, value) VALUES ('link', 'DOWN')")
    client = web.client("unit_demo")
    levy = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'",
                   p=web.user_payer("unit_demo"))[0][0]
    response = web.post(client, "/portal/pay", "/portal/", levy_ids=str(levy))
    assert response.status_code == 422
    assert "与银行的连接暂不可用或正在日切，请稍后再试。" in response.text
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0


def test_console_export_streams_csv_and_xlsx_and_is_audited(web):
    from gateway.domain.commands import SubmitDebit

    unit = web.user_payer("unit_demo")
    levy = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'", p=unit)[0][0]
    web.app.extensions["etsgw"].app.bus.handle(SubmitDebit(unit, (levy,), "test"))
    client = web.client("staff_gz")
    csv = client.get("/console/payments.csv")
    text = csv.data.decode("utf-8-sig")
    acct = web.sql("SELECT pay_acct FROM agreement WHERE payer_id = :p", p=unit)[0][0]
    assert text.splitlines()[0].startswith("业务编号,凭证号,缴费人")
    assert len(text.splitlines()) == 2 and acct not in text and acct[-4:] in text
    xlsx = client.get("/console/payments.xlsx")
    assert xlsx.data[:2] == b"PK" and "attachment" in xlsx.headers["Content-Disposition"]
    assert web.sql("SELECT count(*) FROM audit_log WHERE action = 'EXPORT_PAYMENTS'")[0][0] == 2
