"""The individual portal over HTTP (issue 16): flexible-employment persons, residents and the
residents' virtual units — each rule on the server (pages and API alike), and that one person
never reads or changes another's data, guessed ids included."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.domain.events import InboundRef, StatusReported
from tests.integration.web.helpers import csrf_token
from tests.integration.web.test_api import token


def _form(web, client, page: str, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client.get(page).text), **data})


def _resident(web, not_payer: int) -> tuple[int, str, str]:
    """Another resident with an unpaid levy: (payer id, ID number, name)."""
    return web.sql("SELECT p.id, p.tax_pay_code, p.name FROM payer p JOIN levy l ON l.payer_id = p.id "
                   "WHERE p.kind = 'RESIDENT' AND p.id != :me AND l.state = 'UNPAID' ORDER BY p.id",
                   me=not_payer)[0]


def pay_through_the_bank(web, payer_id: int) -> dt.date:
    """One UNPAID levy of the payer paid for real: a 1001 and the bank's 2001 success."""
    from gateway.domain.commands import SubmitDebit
    from gateway.domain.events import DebitAnswered
    app = web.app.extensions["etsgw"].app
    levy = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' ORDER BY id",
                   p=payer_id)[0][0]
    debit = app.bus.handle(SubmitDebit(payer_id, (levy,), "test"))
    app.bus.handle(DebitAnswered(InboundRef("2001", "T2", "ETS", "ONLINE"), debit.tax_org_code,
                                 debit.entrust_date, debit.tra_no, debit.tax_vou_no, "90000", "",
                                 debit.entrust_date))
    assert web.sql("SELECT state FROM levy WHERE id = :i", i=levy) == [("PAID",)]
    return debit.entrust_date


def _outbox(web, msg_no: str) -> int:
    return web.sql("SELECT count(*) FROM outbox WHERE msg_no = :m", m=msg_no)[0][0]


# 1. Personal information and contact details.

def test_info_shows_the_assessment_and_contact_changes_are_checked_and_masked(web):
    client = web.client("person_demo")
    page = client.get("/portal/me").text
    assert "企业职工基本养老保险费" in page and "本市基数范围" in page
    bad = _form(web, client, "/portal/me", "/portal/me/contact", phone="12345", address="广州市天河区")
    assert bad.status_code == 422 and "手机号码应为 11 位数字" in bad.text
    ok = _form(web, client, "/portal/me", "/portal/me/contact", phone="13812345678",
               address="广州市天河区体育西路 1 号")
    assert ok.status_code == 302
    page = client.get("/portal/me").text
    assert "138****5678" in page and "13812345678" not in page
    stored = web.sql("SELECT phone FROM individual_profile WHERE payer_id = :p",
                     p=web.user_payer("person_demo"))
    assert stored == [("13812345678",)]
    assert web.sql("SELECT count(*) FROM audit_log WHERE action = 'INDIVIDUAL_CONTACT'")[0][0] == 1


# 5. Contribution base within floor and ceiling; insurance types.

def test_base_within_floor_and_ceiling_else_refused(web):
    client = web.client("person_demo")
    floor, ceiling = web.sql(
        "SELECT min(value), max(value) FROM parameter_version WHERE city_code = '4401' AND "
        "payer_kind = 'FLEXIBLE' AND kind IN ('BASE_FLOOR', 'BASE_CEILING') AND valid_from <= '2026-11-16' "
        "AND (valid_to IS NULL OR valid_to >= '2026-11-16')")[0]
    floor, ceiling = floor / 10_000, ceiling / 10_000  # stored in ten-thousandths (Fixed4)
    too_high = f"{ceiling + 1:.2f}"
    text = _form(web, client, "/portal/me", "/portal/me/base", base="五千")
    assert text.status_code == 422 and "请输入金额" in text.text and "Not a valid" not in text.text
    refused = _form(web, client, "/portal/me", "/portal/me/base", base=too_high)
    assert refused.status_code == 422 and "缴费基数须在本市下限" in refused.text
    inside = f"{(floor + ceiling) // 2:.2f}"
    assert _form(web, client, "/portal/me", "/portal/me/base", base=inside).status_code == 302
    base, first = web.sql("SELECT base, base_from FROM individual_profile WHERE payer_id = :p",
                          p=web.user_payer("person_demo"))[0]
    assert base == int(float(inside) * 100) and str(first) == "2026-12-01"
    api = web.client()
    answer = api.post("/api/v1/individual/base", json={"base": too_high},
                      headers=token(api, "person_demo"))
    assert answer.status_code == 409 and "缴费基数须在本市下限" in answer.json["error"]["message"]
    assert web.client("resident_demo").post("/portal/me/base", data={}).status_code in (400, 403)


def test_medical_may_be_dropped_directly_pension_not(web):
    client = web.client("person_demo")
    refused = _form(web, client, "/portal/me", "/portal/me/types", insurance_codes="MEDICAL")
    assert refused.status_code == 422 and "社保经办机构办理" in refused.text
    assert _form(web, client, "/portal/me", "/portal/me/types",
                 insurance_codes="PENSION").status_code == 302
    assert web.sql("SELECT insurance_codes FROM individual_profile WHERE payer_id = :p",
                   p=web.user_payer("person_demo")) == [("PENSION",)]


# 2. Arrears, collection orders, details per period.

def test_pay_arrears_and_a_collection_order_by_real_time_debit(web):
    client = web.client("person_demo")
    me = web.user_payer("person_demo")
    page = client.get("/portal/arrears").text
    assert "托收单" in page
    order = web.sql("SELECT declaration_no, count(*) FROM levy WHERE payer_id = :p AND state = 'UNPAID' "
                    "GROUP BY declaration_no ORDER BY declaration_no", p=me)[0]
    paid = _form(web, client, "/portal/arrears", f"/portal/orders/{order[0]}/pay")
    assert paid.status_code == 302
    assert web.sql("SELECT count(*) FROM levy WHERE payer_id = :p AND declaration_no = :d "
                   "AND state = 'LOCKED'", p=me, d=order[0]) == [(order[1],)]
    assert _outbox(web, "1001") == 1
    details = client.get("/portal/arrears?period=2026-11-01").text
    assert "缴费明细" in details and 'data-testid="details"' in details


# 4. Stop insurance with a locked levy.

def _stop(web, client):
    return _form(web, client, "/portal/stop", "/portal/stop", confirm="y")


def test_stop_with_a_levy_locked_by_an_unresolved_debit_queries_then_stops_after_the_answer(web):
    client = web.client("person_demo")
    me = web.user_payer("person_demo")
    levy = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' ORDER BY id", p=me)[0][0]
    app = web.app.extensions["etsgw"].app
    from gateway.domain.commands import SubmitDebit
    debit = app.bus.handle(SubmitDebit(me, (levy,), "test"))  # started and abandoned
    refused = _stop(web, client)
    assert refused.status_code == 422 and "已向银行查询扣款状态" in refused.text
    assert _outbox(web, "9003") == 1  # the status query went out
    assert web.sql("SELECT count(*) FROM levy WHERE payer_id = :p AND state = 'VOIDED'", p=me) == [(0,)]
    assert web.sql("SELECT state FROM individual_profile WHERE payer_id = :p", p=me) in ([], [("ACTIVE",)])
    # The bank says the debit failed (9004 OpStat 21): the levy is released, the stop goes through.
    app.bus.handle(StatusReported(InboundRef("9004", "T1", "ETS", "ONLINE"), debit.tax_org_code, "0",
                                  debit.entrust_date, "00000000", debit.tra_no,
                                  debit.entrust_date, "21"))
    assert web.sql("SELECT state FROM levy WHERE id = :i", i=levy) == [("UNPAID",)]
    done = _stop(web, client)
    assert done.status_code == 302
    assert web.sql("SELECT count(*) FROM levy WHERE payer_id = :p AND state IN ('UNPAID', 'LOCKED')",
                   p=me) == [(0,)]
    assert web.sql("SELECT state FROM individual_profile WHERE payer_id = :p", p=me) == [("STOPPED",)]
    assert _outbox(web, "9114") == 1  # the ACTIVE agreement is revoked with the bank
    again = _stop(web, client)
    assert again.status_code == 422 and 'data-testid="stopped"' in again.text


def test_stop_refused_while_a_debit_succeeded_but_the_levy_is_still_locked(web):
    """Money moved: never void (the domain rule, with the data as an inconsistent store has it)."""
    from gateway.domain.individual import LockedLevy, LockResolution, resolve_lock
    from gateway.domain.levy import LockKind
    verdict, why = resolve_lock(LockedLevy(1, LockKind.DEBIT, "SUCCEEDED"), dt.datetime(2026, 11, 16))
    assert verdict is LockResolution.REFUSE and "已扣收" in why


def test_stop_through_the_api_needs_confirmation(web):
    api = web.client()
    headers = token(api, "person_demo")
    assert api.post("/api/v1/individual/stop", json={}, headers=headers).status_code == 422
    answer = api.post("/api/v1/individual/stop", json={"confirm": True}, headers=headers)
    assert answer.status_code == 200 and answer.json["done"] and answer.json["voided"]


# 6. Paying for another person; 8. history.

def test_pay_for_another_resident_needs_the_matching_name(web):
    client = web.client("resident_demo")
    other_id, id_number, name = _resident(web, web.user_payer("resident_demo"))
    wrong = _form(web, client, "/portal/resident", "/portal/resident/others/pay",
                  id_number=id_number, name="王小明" if name != "王小明" else "李小明")
    assert wrong.status_code == 422 and "身份证号码与姓名不匹配" in wrong.text
    assert _outbox(web, "1001") == 0
    looked = _form(web, client, "/portal/resident", "/portal/resident/others",
                   id_number=id_number, name=name)
    assert looked.status_code == 200 and "确认代缴" in looked.text
    paid = _form(web, client, "/portal/resident", "/portal/resident/others/pay",
                 id_number=id_number, name=name)
    assert paid.status_code == 302
    assert web.sql("SELECT payer_id, beneficiary_id FROM proxy_payment") == [
        (web.user_payer("resident_demo"), other_id)]
    history = client.get("/portal/history").text
    assert f"代 {name}" in history and id_number not in history  # masked ID number


def test_a_person_who_is_not_a_resident_contributor_may_only_pay_for_others(web):
    client = web.client("person_demo")
    page = client.get("/portal/resident").text
    assert "只能为他人缴纳" in page and "本人缴费" not in page
    assert _form(web, client, "/portal/resident", "/portal/resident/self",
                 levy_ids="1").status_code == 403
    assert client.get("/portal/resident/grade").status_code == 403
    _, id_number, name = _resident(web, web.user_payer("person_demo"))
    api = web.client()
    answer = api.post("/api/v1/individual/others/pay", json={"id_number": id_number, "name": name},
                      headers=token(api, "person_demo"))
    assert answer.status_code == 201, answer.json
    payments = api.get("/api/v1/individual/payments", headers=token(api, "person_demo")).json
    assert payments["payments"][0]["for_other"] is True


# 7. The grade-year rule, enforced on the server.

def test_a_year_that_is_not_a_number_is_refused_in_chinese(web):
    client = web.client("resident_demo")
    answer = _form(web, client, "/portal/resident/grade", "/portal/resident/grade", year="明年", grade="1")
    assert answer.status_code == 422 and "缴费年度为四位年份" in answer.text
    assert web.sql("SELECT count(*) FROM resident_grade") == [(0,)]


@pytest.mark.parametrize("year,allowed", [(2026, True), (2027, True), (2028, False), (2025, False)])
def test_grade_year_is_this_or_next_year_only_even_for_a_crafted_post(web, year, allowed):
    client = web.client("resident_demo")
    answer = _form(web, client, "/portal/resident/grade", "/portal/resident/grade",
                   year=str(year), grade="3")
    rows = web.sql("SELECT year, grade FROM resident_grade")
    if allowed:
        assert answer.status_code == 302 and rows == [(year, "3")]
    else:
        assert answer.status_code == 422 and "只能选择当年（2026）或次年（2027）" in answer.text
        assert rows == []
    api = web.client()
    through_api = api.post("/api/v1/individual/grades", json={"year": year, "grade": "2"},
                           headers=token(api, "resident_demo"))
    assert through_api.status_code == (200 if allowed else 409)


def test_a_grade_change_reprices_the_unpaid_levy_of_that_year(web):
    me = web.user_payer("resident_demo")
    levy = web.sql("SELECT id, state FROM levy WHERE payer_id = :p AND insurance_code = 'RESIDENT_PENSION' "
                   "AND period_start = '2026-01-01'", p=me)
    api = web.client()
    answer = api.post("/api/v1/individual/grades", json={"year": 2026, "grade": "5"},
                      headers=token(api, "resident_demo"))
    if levy and levy[0][1] != "UNPAID":
        assert answer.status_code == 409
        return
    assert answer.status_code == 200
    if levy:
        amount = web.sql("SELECT amount FROM levy WHERE id = :i", i=levy[0][0])[0][0]
        assert amount == int(answer.json["amount"].replace(".", ""))


# 9. Certificates.

def test_certificate_pdf_of_a_year_with_payments(web):
    from tests.support.pdftext import text
    me = web.user_payer("person_demo")
    year = pay_through_the_bank(web, me).year
    client = web.client("person_demo")
    response = client.get(f"/portal/certificate?year={year}&form=document")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = text(response.data)
    name = web.sql("SELECT name FROM payer WHERE id = :p", p=me)[0][0]
    assert "税收完税证明" in content and name in content
    none = client.get("/portal/certificate?year=2001")
    assert none.status_code == 422 and "没有已缴费记录" in none.text


# 10. The residents' virtual unit.

def _csv(rows: list[str]) -> bytes:
    return ("\n".join(["身份证号码,姓名,险种,缴费年度,档次", *rows]) + "\n").encode("utf-8")


def test_virtual_unit_imports_keeps_valid_rows_lists_bad_ones_and_pays(web):
    import io
    from gateway.domain.identifiers import is_valid_id_number
    good = next(f"44010619900101{n:03d}{c}" for n in range(100, 999) for c in "0123456789X"
                if is_valid_id_number(f"44010619900101{n:03d}{c}"))
    _, known_id, known_name = _resident(web, 0)
    data = _csv([f"{good},张三丰,养老,2026,2", f"{good},张三丰,医疗,2026,",
                 "440106199001011234,李四,养老,2026,1",  # bad check digit
                 f"{known_id},不是本人,医疗,2026,",  # name does not match
                 f"{good},张三丰,养老,2029,1"])  # year not allowed
    client = web.client("resident_unit_demo")
    page = client.get("/portal/residents-unit")
    assert page.status_code == 200
    answer = client.post("/portal/residents-unit/import", data={
        "csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), "residents.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 200
    assert "已申报 2 条" in answer.text and "有误 3 行" in answer.text
    assert "身份证号码无效" in answer.text and "身份证号码与姓名不匹配" in answer.text
    unit = web.user_payer("resident_unit_demo")
    levies = [r[0] for r in web.sql("SELECT levy_id FROM resident_declaration WHERE unit_id = :u", u=unit)]
    assert len(levies) == 2
    api = web.client()
    paid = api.post("/api/v1/residents-unit/debits", json={"levy_ids": levies},
                    headers=token(api, "resident_unit_demo"))
    assert paid.status_code == 201, paid.json
    assert web.sql("SELECT count(*) FROM levy WHERE id IN (:a, :b) AND state = 'LOCKED'",
                   a=levies[0], b=levies[1]) == [(1 if levies[0] == levies[1] else 2,)]


def test_uploads_are_size_limited_and_typed(web):
    import io
    client = web.client("resident_unit_demo")
    page = client.get("/portal/residents-unit").text
    big = client.post("/portal/residents-unit/import", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(b"x" * (1024 * 1024 + 10)), "big.csv")},
        content_type="multipart/form-data")
    assert big.status_code == 413
    wrong = client.post("/portal/residents-unit/import", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(b"MZ\x00"), "residents.exe")},
        content_type="multipart/form-data")
    assert wrong.status_code == 422 and "只接受 .csv 或 .xlsx" in wrong.text


# Scopes: one person never reads or changes another's data.

def test_a_person_cannot_pay_or_read_another_persons_levies_or_payments_by_guessed_ids(web):
    person, resident = web.user_payer("person_demo"), web.user_payer("resident_demo")
    theirs = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'", p=resident)[0][0]
    client = web.client("person_demo")
    forged = _form(web, client, "/portal/arrears", "/portal/arrears/pay", levy_ids=str(theirs))
    assert forged.status_code == 422
    api = web.client()
    headers = token(api, "person_demo")
    assert api.post("/api/v1/portal/debits", json={"levy_ids": [theirs]},
                    headers=headers).status_code == 404
    app = web.app.extensions["etsgw"].app
    from gateway.domain.commands import SubmitDebit
    own = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'", p=resident)
    their_debit = app.bus.handle(SubmitDebit(resident, (own[-1][0],), "test")).id
    assert client.get(f"/portal/history/{their_debit}").status_code == 404
    assert api.get(f"/api/v1/individual/payments/{their_debit}", headers=headers).status_code == 404
    assert str(their_debit) not in {str(p["id"]) for p in
                                    api.get("/api/v1/individual/payments", headers=headers).json["payments"]}
    assert web.sql("SELECT state FROM levy WHERE id = :i", i=theirs) == [("UNPAID",)]
    # A unit that is not a virtual unit has no residents' page, nor pays declared levies.
    unit = web.client("unit_demo")
    assert unit.get("/portal/residents-unit").status_code == 404
    unit_api = web.client()
    assert unit_api.post("/api/v1/residents-unit/debits", json={"levy_ids": [theirs]},
                         headers=token(unit_api, "unit_demo")).status_code == 409
    # A virtual unit cannot pay a levy it did not declare.
    virtual = web.client()
    assert virtual.post("/api/v1/residents-unit/debits", json={"levy_ids": [theirs]},
                        headers=token(virtual, "resident_unit_demo")).status_code == 404
    assert person != resident


def test_pages_are_for_the_right_roles(web):
    assert web.client("unit_demo").get("/portal/me").status_code == 403
    assert web.client("resident_demo").get("/portal/stop").status_code == 403
    assert web.client("staff_gz").get("/portal/history").status_code == 403
    assert web.client().get("/portal/me").status_code == 302  # to the login page


def test_an_excel_file_through_the_api_with_year_and_grade_typed_as_numbers(web):
    import io

    from openpyxl import Workbook
    from gateway.domain.identifiers import is_valid_id_number
    good = next(f"44010619950505{n:03d}{c}" for n in range(100, 999) for c in "0123456789"
                if is_valid_id_number(f"44010619950505{n:03d}{c}"))
    wb = Workbook()
    sheet = wb.active
    sheet.append(["身份证号码", "姓名", "险种", "缴费年度", "档次"])
    sheet.append([good, "孙五", "城乡居民养老保险", 2026, 4])  # year and grade typed as numbers
    sheet.append([good, "孙五", "失业", 2026, None])
    out = io.BytesIO()
    wb.save(out)
    api = web.client()
    headers = token(api, "resident_unit_demo")
    answer = api.post("/api/v1/residents-unit/imports", headers=headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(out.getvalue()), "residents.xlsx")})
    assert answer.status_code == 200, answer.json
    assert answer.json["declared"] == 1, answer.json
    assert answer.json["errors"][0]["line"] == 3
    header = api.post("/api/v1/residents-unit/imports", headers=headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO("姓名,身份证号码\n".encode()), "r.csv")})
    assert header.status_code == 422 and "表头应为" in header.json["error"]["fields"]["file"]
    declared = api.get("/api/v1/residents-unit/declarations", headers=headers).json
    assert [d["name"] for d in declared["declarations"]] == ["孙五"]
    assert good not in str(declared)  # ID numbers masked


# 3. Agreements: online and on site, with the monthly cutoff notice.

def test_residents_sign_online_and_after_the_cutoff_see_the_notice(web):
    client = web.client("resident_demo")
    account = {"pay_bk_code": "102581000013", "pay_op_bk_code": "102581000013",
               "pay_acct": "6222020200009876543"}
    before = _form(web, client, "/portal/my-agreements", "/portal/my-agreements", channel="ONLINE",
                   protocol_no="", **account)
    assert before.status_code == 302
    page = client.get("/portal/my-agreements").text
    assert "已提交银行验证" in page and 'data-testid="cutoff-notice"' not in page
    assert "6222020200009876543" not in page and "6222" in page  # the account masked
    web.clock.advance(days=11)  # 2026-11-27: after the 26th, 18:00 (the session expired meanwhile)
    client = web.client("resident_demo")
    late = _form(web, client, "/portal/my-agreements", "/portal/my-agreements", channel="ONLINE",
                 protocol_no="", **account)
    assert late.status_code == 302
    page = client.get("/portal/my-agreements").text
    assert "将从下月开始自动扣费" in page and 'data-testid="cutoff-notice"' in page
    assert _outbox(web, "9114") == 2
    on_site = web.client()
    answer = on_site.post("/api/v1/individual/agreements", headers=token(on_site, "resident_demo"),
                          json={"channel": "ON_SITE", **account})
    assert answer.status_code == 422  # the bank's protocol number is required on site
    answer = on_site.post("/api/v1/individual/agreements", headers=token(on_site, "resident_demo"),
                          json={"channel": "ON_SITE", "protocol_no": "GZ-BANK-77", **account})
    assert answer.status_code == 201 and answer.json["notice"]


def test_guessed_collection_orders_and_another_virtual_units_declarations_stay_out_of_reach(web):
    resident = web.user_payer("resident_demo")
    theirs = web.sql("SELECT declaration_no FROM levy WHERE payer_id = :p AND state = 'UNPAID'",
                     p=resident)[0][0]
    client = web.client("person_demo")
    answer = _form(web, client, "/portal/arrears", f"/portal/orders/{theirs}/pay")
    assert answer.status_code == 422 and "未找到该记录" in answer.text
    api = web.client()
    assert api.post("/api/v1/individual/orders/pay", json={"declaration_no": theirs},
                    headers=token(api, "person_demo")).status_code == 404
    assert web.sql("SELECT count(*) FROM levy WHERE payer_id = :p AND state = 'LOCKED'", p=resident) == [(0,)]
    # Two virtual units: the second neither sees nor pays what the first declared.
    first = web.user_payer("resident_unit_demo")
    levy = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'", p=resident)[0][0]
    web.sql("INSERT INTO resident_declaration (unit_id, resident_id, levy_id) VALUES (:u, :r, :l)",
            u=first, r=resident, l=levy)
    web.sql("INSERT INTO virtual_unit (payer_id) VALUES (:u)", u=web.user_payer("unit_demo"))
    second = web.client()
    headers = token(second, "unit_demo")
    assert second.get("/api/v1/residents-unit/declarations", headers=headers).json["declarations"] == []
    assert second.post("/api/v1/residents-unit/debits", json={"levy_ids": [levy]},
                       headers=headers).status_code == 404
    assert web.sql("SELECT state FROM levy WHERE id = :i", i=levy) == [("UNPAID",)]
