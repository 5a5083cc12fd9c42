"""The individual portal in headless Chromium (issue 16), one test per numbered item: personal
information, arrears and collection orders, agreements, stopping insurance with a locked levy,
the contribution base and insurance types, paying for another person (a mismatched name first),
the grade-year rule against a crafted POST, the history, the certificate PDF on a phone screen,
and a virtual unit's import file with bad rows."""

from __future__ import annotations

import pytest

from gateway.domain.commands import SubmitDebit
from gateway.domain.events import InboundRef, StatusReported
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_browser import log_in
from tests.integration.web.helpers import copy_of, settings_for


class Live:
    """The served app and the gateway Application behind it (the tests deliver bank answers)."""

    def __init__(self, url: str, application) -> None:
        self.url, self.application = url, application

    def sql(self, statement: str, **params):
        from sqlalchemy import text
        with self.application.engine.begin() as conn:
            return conn.execute(text(statement), params).fetchall()

    def payer(self, username: str) -> int:
        return self.sql("SELECT payer_id FROM app_user WHERE username = :u", u=username)[0][0]


@pytest.fixture
def live(browser_template, tmp_path):
    from gateway.bootstrap import build
    from webapp.serve import start_in_thread

    settings = settings_for(copy_of(browser_template, tmp_path))
    application = build(settings)
    running = start_in_thread(settings, host="127.0.0.1", port=0, demo_accounts=False,
                              application=application)
    yield Live(running.url.rstrip("/"), application)
    running.stop()
    application.close()


def _enter(page, live: Live, username: str, path: str) -> None:
    log_in(page, live.url, username)
    page.wait_for_url(f"{live.url}/portal/")
    page.goto(f"{live.url}{path}")


def _press(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).first.click()


def _error(page, name: str) -> str:
    return page.get_by_test_id(f"error-{name}").first.inner_text()


def test_1_personal_information_and_contact_change(page, live):
    _enter(page, live, "person_demo", "/portal/me")
    assert "企业职工基本养老保险费" in page.get_by_test_id("insurance-types").inner_text()
    page.fill("#phone", "1234")
    page.fill("#address", "广州市天河区体育西路 1 号")
    _press(page, "保存联系方式")
    assert "手机号码应为 11 位数字" in _error(page, "phone")
    page.fill("#phone", "13912345678")
    _press(page, "保存联系方式")
    page.wait_for_url(f"{live.url}/portal/me")
    assert page.get_by_test_id("phone").inner_text() == "139****5678"
    screenshot(page, "person-info")


def test_2_pay_arrears_and_a_collection_order_and_see_the_details(page, live):
    me = live.payer("person_demo")
    _enter(page, live, "person_demo", "/portal/arrears")
    page.locator("input[name=levy_ids]").first.check()
    _press(page, "实时扣款")
    assert "已发起实时扣款" in page.locator(".flash-success").inner_text()
    screenshot(page, "person-arrears")
    order = page.get_by_test_id("orders").locator("button").first
    order.click()
    assert "托收单" in page.locator(".flash-success").inner_text()
    assert live.sql("SELECT count(*) FROM levy WHERE payer_id = :p AND state = 'LOCKED'", p=me)[0][0] >= 2
    page.select_option("#period", index=0)
    _press(page, "查询")
    assert page.get_by_test_id("details").locator("tbody tr").count() >= 1


@pytest.mark.parametrize("username", ["person_demo", "resident_demo"])
def test_3_agreements_online_print_and_on_site_with_the_cutoff_notice(page, live, username):
    _enter(page, live, username, "/portal/my-agreements")
    with page.context.expect_page() as printed:
        page.evaluate("() => document.querySelector('[data-testid=print-link]').target = '_blank'")
        page.get_by_test_id("print-link").click()
    assert "三方协议书" in printed.value.locator("h1").inner_text()
    printed.value.close()
    page.select_option("#channel", "ON_SITE")
    page.fill("#pay_bk_code", "102581000013")
    page.fill("#pay_op_bk_code", "102581000013")
    page.fill("#pay_acct", "6222020200001234567")
    _press(page, "提交并验证")
    assert "请填写银行给出的协议号" in _error(page, "protocol_no")
    page.fill("#protocol_no", "BANK-2026-0001")
    _press(page, "提交并验证")
    page.wait_for_url(f"{live.url}/portal/my-agreements")
    assert "已提交银行验证" in page.locator(".flash-success").inner_text()
    late = live.application.options.cutoff.after_cutoff(live.application.clock())
    assert (page.locator(".flash-warning").count() > 0) == late
    assert "BANK-2026-0001" in page.get_by_test_id("agreements").inner_text()
    screenshot(page, f"agreements-{username}")
    assert live.sql("SELECT count(*) FROM outbox WHERE msg_no = '9114'")[0][0] == 1


def test_4_stopping_insurance_with_a_locked_levy(page, live):
    me = live.payer("person_demo")
    levy = live.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' ORDER BY id", p=me)[0][0]
    debit = live.application.bus.handle(SubmitDebit(me, (levy,), "abandoned QR payment"))
    _enter(page, live, "person_demo", "/portal/stop")
    page.check("#confirm")
    _press(page, "确认停保")
    assert "已向银行查询扣款状态" in _error(page, "confirm")
    screenshot(page, "person-stop-querying")
    assert live.sql("SELECT count(*) FROM outbox WHERE msg_no = '9003'")[0][0] == 1
    live.application.bus.handle(StatusReported(InboundRef("9004", "E1", "ETS", "ONLINE"),
                                               debit.tax_org_code, "0", debit.entrust_date,
                                               "00000000", debit.tra_no, debit.entrust_date, "21"))
    page.goto(f"{live.url}/portal/stop")
    page.check("#confirm")
    _press(page, "确认停保")
    page.wait_for_url(f"{live.url}/portal/me")
    assert "已停保" in page.locator(".flash-success").inner_text()
    assert "已停保" in page.get_by_test_id("person-state").inner_text()
    assert live.sql("SELECT state FROM levy WHERE id = :i", i=levy) == [("VOIDED",)]
    screenshot(page, "person-stopped")


def test_5_contribution_base_within_bounds_and_insurance_types(page, live):
    _enter(page, live, "person_demo", "/portal/me")
    bounds = page.get_by_test_id("bounds").inner_text()
    floor, ceiling = (float(x.replace(",", "")) for x in bounds.replace(" 元", "").split(" – "))
    page.fill("#base", f"{ceiling + 100:.2f}")
    _press(page, "调整缴费基数")
    assert "缴费基数须在本市下限" in _error(page, "base")
    page.fill("#base", f"{floor + 100:.2f}")
    _press(page, "调整缴费基数")
    assert "缴费基数已调整为" in page.locator(".flash-success").inner_text()
    screenshot(page, "person-base-adjusted")
    page.uncheck("input[value=PENSION]")
    _press(page, "变更险种")
    assert "社保经办机构办理" in _error(page, "insurance_codes")
    page.goto(f"{live.url}/portal/me")
    page.uncheck("input[value=MEDICAL]")
    _press(page, "变更险种")
    assert "参保险种已变更" in page.locator(".flash-success").inner_text()
    assert page.get_by_test_id("insurance-types").inner_text() == "企业职工基本养老保险费"


def _other_resident(live: Live, me: int) -> tuple[str, str]:
    return live.sql("SELECT p.tax_pay_code, p.name FROM payer p JOIN levy l ON l.payer_id = p.id "
                    "WHERE p.kind = 'RESIDENT' AND p.id != :me AND l.state = 'UNPAID' ORDER BY p.id",
                    me=me)[0]


def test_6_and_8_pay_for_another_person_mismatched_name_first_then_history(page, live):
    id_number, name = _other_resident(live, live.payer("resident_demo"))
    _enter(page, live, "resident_demo", "/portal/resident")
    assert page.get_by_test_id("own-levies").count() == 1  # a resident pays for themself too
    page.fill("#id_number", id_number)
    page.fill("#name", "错误姓名")
    _press(page, "查询")
    assert "身份证号码与姓名不匹配" in _error(page, "name")
    page.fill("#name", name)
    _press(page, "查询")
    assert name in page.get_by_test_id("other-levies").inner_text()
    screenshot(page, "resident-pay-other")
    page.get_by_test_id("pay-other").click()
    page.wait_for_url(f"{live.url}/portal/history")
    row = page.get_by_test_id("payments").locator("tbody tr").first.inner_text()
    assert f"代 {name}" in row and id_number not in row
    screenshot(page, "resident-history")


def test_6_a_non_resident_may_only_pay_for_others(page, live):
    _enter(page, live, "person_demo", "/portal/resident")
    assert page.get_by_test_id("others-only").is_visible()
    assert page.get_by_test_id("own-levies").count() == 0


def test_7_grade_year_defaults_to_this_year_allows_next_and_refuses_a_crafted_later_year(page, live):
    _enter(page, live, "resident_demo", "/portal/resident/grade")
    years = [int(v) for v in page.locator("#year option").evaluate_all("os => os.map(o => o.value)")]
    assert len(years) == 2 and years[1] == years[0] + 1
    assert int(page.input_value("#year")) == years[0]  # the default is the current year
    page.select_option("#year", str(years[1]))
    _press(page, "变更档次")
    assert f"{years[1]} 年度缴费档次已变更" in page.locator(".flash-success").inner_text()
    screenshot(page, "resident-grade-changed")
    # A crafted POST: the option's value rewritten to a later year in the page itself.
    page.locator("#year option").first.evaluate(f"o => o.value = '{years[1] + 1}'")
    page.select_option("#year", str(years[1] + 1))
    _press(page, "变更档次")
    assert f"只能选择当年（{years[0]}）或次年（{years[1]}）" in _error(page, "year")
    screenshot(page, "resident-grade-refused")
    assert live.sql("SELECT year FROM resident_grade") == [(years[1],)]


def test_9_certificate_pdf_and_a_phone_screen(browser, live):
    from tests.support.pdftext import text
    me = live.payer("person_demo")
    year = live.sql("SELECT max(tax_date) FROM levy WHERE state = 'PAID' AND payer_id = :p", p=me)[0][0]
    if year is None:  # the small demo set may have no payment of this person yet: make one
        from gateway.domain.events import DebitAnswered
        levy = live.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'", p=me)[0][0]
        debit = live.application.bus.handle(SubmitDebit(me, (levy,), "test"))
        live.application.bus.handle(DebitAnswered(InboundRef("2001", "E2", "ETS", "ONLINE"),
                                                  debit.tax_org_code, debit.entrust_date,
                                                  debit.tra_no, debit.tax_vou_no, "90000", "",
                                                  debit.entrust_date))
        year = debit.entrust_date
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True, accept_downloads=True)
    page = context.new_page()
    try:
        _enter(page, live, "person_demo", "/portal/me")
        for path in ("/portal/me", "/portal/arrears", "/portal/my-agreements", "/portal/stop",
                     "/portal/resident", "/portal/history", "/portal/certificate"):
            page.goto(f"{live.url}{path}")
            assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, path
        page.select_option("#year", str(year)[:4])
        with page.expect_download() as download:
            _press(page, "下载 PDF")
        pdf = open(download.value.path(), "rb").read()
        name = live.sql("SELECT name FROM payer WHERE id = :p", p=me)[0][0]
        content = text(pdf)
        assert pdf.startswith(b"%PDF") and "税收完税证明" in content and name in content
        screenshot(page, "person-certificate-phone")
    finally:
        context.close()


def test_10_virtual_unit_imports_a_file_with_bad_rows_and_pays_the_valid_ones(page, live, tmp_path):
    from gateway.domain.identifiers import is_valid_id_number
    good = next(f"44010619850202{n:03d}{c}" for n in range(100, 999) for c in "0123456789X"
                if is_valid_id_number(f"44010619850202{n:03d}{c}"))
    year = live.application.clock().year
    path = tmp_path / "居民名单.csv"
    path.write_text("\n".join(["身份证号码,姓名,险种,缴费年度,档次", f"{good},陈小红,养老,{year},3",
                               f"{good},陈小红,医疗,{year},", "123,无效,养老,2026,1",
                               f"{good},陈小红,工伤,{year},"]) + "\n", encoding="utf-8")
    _enter(page, live, "resident_unit_demo", "/portal/")
    page.get_by_test_id("residents-unit-link").click()
    page.set_input_files("#file", str(path))
    _press(page, "导入并申报")
    assert "已申报 2 条" in page.get_by_test_id("import-summary").inner_text()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "身份证号码无效" in errors and "未知险种" in errors
    assert page.get_by_test_id("declarations").locator("tbody tr").count() == 2
    screenshot(page, "residents-unit-import")
    _press(page, "缴费")
    assert "已发起扣款" in page.locator(".flash-success").inner_text()
    assert live.sql("SELECT count(*) FROM proxy_payment")[0][0] == 1
    screenshot(page, "residents-unit")
    page.set_viewport_size({"width": 390, "height": 844})  # the unit's page on a phone too
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
