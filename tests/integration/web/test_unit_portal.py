"""The unit portal over HTTP (issue 15): registration and assessed types, staff with add /
remove / wage adjustment (floor and ceiling applied), the declaration preview and declaring
(levies with their parameter basis), the pending batch list voided first or the refusal with the
real figures, voiding with lock resolution, paying, the counter voucher and certificate PDFs,
agreements with the cutoff notice, the queries, and the same through /api/v1."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.integration.web.unit_portal_support import (OTHER_UNIT, add_unit_login, debit_state,
                                                       id_number, package_entries)
from tests.support import pdftext

UNIT = 1  # unit_demo's payer (demo data: 2 persons, levies of 2026-10 and 2026-11 UNPAID)
NEXT = "2026-12"


def add(web, client, seq: int, wage: str = "8000.00", scheme: str = "FULL", name: str = "测试员工"):
    return web.post(client, "/portal/unit/staff/add", "/portal/unit/staff",
                    id_number=id_number(seq), name=name, wage=wage, scheme=scheme, period="")


def declare(web, client, period: str = NEXT):
    return web.post(client, "/portal/unit/declare", f"/portal/unit/declare?period={period}",
                    period=period)


def test_unit_information_lists_the_assessed_types_with_floor_ceiling_and_rate(web):
    page = web.client("unit_demo").get("/portal/unit/")
    assert page.status_code == 200
    assert "广州市天河区昌辰五金制品有限公司" in page.text
    assert "5,284.00" in page.text and "26,421.00" in page.text and "16.00%" in page.text
    assert "44010640767199" not in page.text  # the social-security number is masked


def test_add_person_shows_in_staff_and_history_and_is_audited(web):
    client = web.client("unit_demo")
    response = add(web, client, 1, name="张三丰")
    assert response.status_code == 302
    staff = client.get("/portal/unit/staff?q=张三").text
    assert "张三丰" in staff and id_number(1) not in staff  # ID number masked
    assert add(web, client, 1).status_code == 302  # a second add of the same person is refused
    assert "不能重复增员" in client.get("/portal/unit/staff").text
    assert "增员" in client.get("/portal/unit/changes").text
    assert web.sql("SELECT action FROM audit_log WHERE action LIKE 'UNIT_%'") == [("UNIT_ADD_PERSON",)]


def test_invalid_id_number_is_refused_at_the_field(web):
    client = web.client("unit_demo")
    response = web.post(client, "/portal/unit/staff/add", "/portal/unit/staff",
                        id_number="44010619900101001", name="某", wage="100", scheme="FULL")
    assert response.status_code == 422 and "身份证号码为 18 位" in response.text


def test_staff_are_filtered_by_the_units_registration_one_row_per_person(web):
    client = web.client("unit_demo")
    add(web, client, 2, scheme="INJURY_PT", name="钟点工")
    web.sql("UPDATE insured_person SET social_security_no = '44010699999999' WHERE id_number = :i",
            i=id_number(2))
    main = client.get("/portal/unit/staff").text
    assert main.count('data-testid="person-row"') == 2 and "钟点工" not in main
    second = client.get("/portal/unit/staff?reg=1").text
    assert second.count('data-testid="person-row"') == 1 and "钟点工" in second
    # another unit's persons never show
    assert "梁铭立" not in main


def test_wage_adjustment_applies_the_ceiling_and_says_so(web):
    client = web.client("unit_demo")
    person = web.sql("SELECT id FROM insured_person WHERE unit_id = 1 ORDER BY id")[0][0]
    response = web.post(client, f"/portal/unit/staff/{person}/wage", f"/portal/unit/staff/{person}",
                        wage="40000.00", period=NEXT)
    assert response.status_code == 302
    page = client.get(f"/portal/unit/staff/{person}").text
    assert "由 7,742.00 调整为 40,000.00 元（按上限 26,421.00 计费）" in page
    preview = client.get(f"/portal/unit/declare?period={NEXT}").text
    assert "（上限）" in preview


def test_declare_creates_levies_with_basis_and_lines_per_person_and_type(web):
    client = web.client("unit_demo")
    add(web, client, 3, wage="3000.00", scheme="INJURY_PT")  # below the floor; injury only
    preview = client.get(f"/portal/unit/declare?period={NEXT}").text
    assert "待申报 <strong>3</strong> 人" in preview and "<strong>11</strong> 条明细" in preview
    assert "（下限）" in preview
    response = declare(web, client)
    assert response.status_code == 302, response.text[:300]
    levies = web.sql("SELECT insurance_code, amount, state, parameter_basis_id FROM levy "
                     "WHERE payer_id = 1 AND period_start = '2026-12-01' ORDER BY insurance_code")
    assert [r[0] for r in levies] == ["INJURY", "MATERNITY", "MEDICAL", "PENSION", "UNEMPLOYMENT"]
    assert all(r[2] == "UNPAID" and r[3] is not None for r in levies)
    lines = web.sql("SELECT insurance_code, sum(amount) FROM declaration_line GROUP BY 1 ORDER BY 1")
    assert [(c, a) for c, a in lines] == [(c, a) for c, a, *_ in levies]
    # the part-time person: injury only, on the floor: 5284.00 × 0.4 % = 21.14
    assert web.sql("SELECT base, amount FROM declaration_line l JOIN insured_person p "
                   "ON p.id = l.person_id WHERE p.id_number = :i", i=id_number(3)) == [(528400, 2114)]
    # nothing left to declare for the period
    assert "本期没有需要申报的人员" in client.get(f"/portal/unit/declare?period={NEXT}").text


def test_preview_amounts_equal_the_domain_contribution(web):
    from decimal import Decimal

    from gateway.domain.contribution import CityParameters, contribution
    client = web.client("unit_demo")
    add(web, client, 4, wage="12345.67")
    body = client.get(f"/api/v1/portal/unit/declaration-preview?period={NEXT}",
                      headers=bearer(client)).json
    rates = {t["insurance_code"]: Decimal(t["rate_e4"]) / 10000 for t in body["terms"]}
    params = CityParameters("4401", Decimal("5284.00"), Decimal("26421.00"), rates)
    for row in body["rows"]:
        assert Decimal(row["amount"]) == contribution(Decimal(row["wage"]), row["insurance_code"], params)
    assert body["summary"]["lines"] == 15 and body["total"] == 15
    # the totals (priced per wage group) are what the declaration then levies, type by type
    assert declare(web, client).status_code == 302
    levied = dict(web.sql("SELECT insurance_code, amount FROM levy WHERE payer_id = 1 "
                          "AND period_start = '2026-12-01'"))
    assert {c: Decimal(a) for c, a in body["summary"]["per_type"].items()} == \
        {c: Decimal(fen) / 100 for c, fen in levied.items()}
    assert Decimal(body["summary"]["amount"]) == Decimal(sum(levied.values())) / 100


def bearer(client, username: str = "unit_demo") -> dict[str, str]:
    from tests.integration.web.helpers import PASSWORD
    token = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def test_supplement_declaration_adds_to_the_unpaid_levies(web):
    client = web.client("unit_demo")
    declare(web, client)
    before = dict(web.sql("SELECT insurance_code, amount FROM levy WHERE payer_id = 1 "
                          "AND period_start = '2026-12-01'"))
    add(web, client, 5, wage="10000.00")
    assert declare(web, client).status_code == 302
    after = dict(web.sql("SELECT insurance_code, amount FROM levy WHERE payer_id = 1 "
                         "AND period_start = '2026-12-01'"))
    assert after["PENSION"] - before["PENSION"] == 160000  # 10000.00 × 16 %, in fen
    kinds = web.sql("SELECT kind, persons FROM declaration ORDER BY id")
    assert kinds == [("NORMAL", 2), ("SUPPLEMENT", 1)]


def test_pending_list_entries_are_voided_before_declaring(web):
    client = web.client("unit_demo")
    web.sql("INSERT INTO batch_list (kind, tax_org_code, criteria, created_by, created_at) "
            "VALUES ('MONTHLY', '14401060000', '', 'test', '2026-11-26 18:00:00')")
    web.sql("INSERT INTO batch_list_entry (list_id, levy_id, payer_id, tax_org_code, pay_bk_code, "
            "agreement_id, amount, state, note) SELECT 1, id, payer_id, tax_org_code, '1', 1, "
            "amount, 'GENERATED', '' FROM levy WHERE payer_id = 1 AND period_start = '2026-11-01'")
    add(web, client, 6)
    response = declare(web, client, "2026-11")
    assert response.status_code == 302
    assert "已先作废待批扣清册中 5 条" in client.get(response.headers["Location"]).text
    assert web.sql("SELECT DISTINCT state FROM batch_list_entry") == [("VOIDED",)]


def test_a_packaged_pending_list_refuses_with_the_real_figures(web):
    client = web.client("unit_demo")
    declare(web, client)  # the period's first declaration, then its levies go into a package
    package_entries(web, UNIT, "2026-12-01")
    pending = web.sql("SELECT sum(amount) FROM levy WHERE payer_id = 1 AND period_start = '2026-12-01'")[0][0]
    add(web, client, 7)
    add(web, client, 8)
    response = declare(web, client)
    page = client.get(response.headers["Location"]).text
    assert f"你单位已有 {pending / 100:,.2f} 元社保费待银行扣款；本次新增员申报 2 人。" in page
    assert web.sql("SELECT count(*) FROM declaration")[0][0] == 1  # the supplement was not made
    assert web.sql("SELECT count(*) FROM declaration_line")[0][0] == 10
    assert web.sql("SELECT DISTINCT state FROM batch_list_entry") == [("SENT",)]


def _declared(web, client) -> int:
    declare(web, client)
    return web.sql("SELECT max(id) FROM declaration")[0][0]


def _void(web, client, declaration_id: int):
    url = f"/portal/unit/declarations/{declaration_id}"
    response = web.post(client, f"{url}/void", url, reason="测试作废")
    assert response.status_code == 302
    return client.get(url).text


def test_void_an_unpaid_declaration(web):
    client = web.client("unit_demo")
    decl = _declared(web, client)
    page = _void(web, client, decl)
    assert "已作废" in page
    assert web.sql("SELECT DISTINCT state FROM levy WHERE period_start = '2026-12-01'") == [("VOIDED",)]


def _pay(web, client, period: str = "2026-12-01") -> int:
    ids = [r[0] for r in web.sql("SELECT id FROM levy WHERE payer_id = 1 AND period_start = :p",
                                 p=period)]
    response = web.post(client, "/portal/unit/pay", "/portal/unit/pay", levy_ids=[str(i) for i in ids],
                        how="debit")
    assert response.status_code == 302, response.text[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_void_with_an_abandoned_payment_releases_it_first(web):
    client = web.client("unit_demo")
    decl = _declared(web, client)
    debit = _pay(web, client)
    assert web.sql("SELECT DISTINCT state FROM levy WHERE period_start = '2026-12-01'") == [("LOCKED",)]
    # still in flight: the portal asks the bank and does not void yet
    outbox = web.sql("SELECT count(*) FROM outbox")[0][0]
    page = _void(web, client, decl)
    assert "已向银行查询扣款状态" in page and "已申报" in page
    assert web.sql("SELECT count(*) FROM outbox")[0][0] == outbox + 1  # the 9003
    # the bank says it did not happen; the lock is stale (abandoned) → released, then voided
    debit_state(web, debit, "FAILED", "未完成支付")
    page = _void(web, client, decl)
    assert "已作废" in page and "先释放了 5 条" in page
    assert web.sql("SELECT DISTINCT state FROM levy WHERE period_start = '2026-12-01'") == [("VOIDED",)]


def test_void_refused_when_money_moved(web):
    client = web.client("unit_demo")
    decl = _declared(web, client)
    web.sql("UPDATE levy SET state = 'PAID', paid_by = 'DEBIT:1', tax_date = '2026-11-16' "
            "WHERE period_start = '2026-12-01'")
    page = _void(web, client, decl)
    assert "不能作废" in page and "款项已从账户划出" in page
    assert web.sql("SELECT state FROM declaration") == [("DECLARED",)]


def test_void_refused_while_the_levies_are_in_a_sent_batch_package(web):
    client = web.client("unit_demo")
    decl = _declared(web, client)
    package_entries(web, UNIT, "2026-12-01")
    page = _void(web, client, decl)
    assert "已组入批量扣款包并发送银行" in page and "已申报" in page
    assert web.sql("SELECT DISTINCT state FROM levy WHERE period_start = '2026-12-01'") == [("UNPAID",)]


def test_one_time_on_site_entry_through_the_api(web):
    client = web.client()
    response = client.post("/api/v1/portal/unit/agreements", headers=bearer(client), json={
        "protocol_no": "SITE-0001", "pay_bk_code": "102581000013", "pay_op_bk_code": "102581000013",
        "pay_acct": "44050112345678", "channel": "ON_SITE"})
    assert response.status_code == 201 and response.json["notice"] == ""
    assert web.sql("SELECT channel, state FROM agreement WHERE protocol_no = 'SITE-0001'") \
        == [("ON_SITE", "PENDING")]
    listed = client.get("/api/v1/portal/unit/agreements", headers=bearer(client)).json
    assert all("*" in a["pay_acct"] for a in listed["agreements"])


def test_pay_shows_in_progress_then_paid_and_the_certificate(web):
    client = web.client("unit_demo")
    debit = _pay(web, client, "2026-10-01")
    page = client.get(f"/portal/unit/debits/{debit}").text
    assert "扣款处理中" in page and "请勿重复缴款" in page
    # the bank's answer arrives: success (as the 1001 answer handler leaves the rows)
    web.sql("UPDATE debit SET state = 'SUCCEEDED', tax_date = '2026-11-16', tax_vou_no = tax_vou_no "
            "WHERE id = :d", d=debit)
    web.sql("UPDATE levy SET state = 'PAID', lock_kind = NULL, lock_ref = NULL, paid_by = :o, "
            "tax_date = '2026-11-16' WHERE payer_id = 1 AND period_start = '2026-10-01'",
            o=f"DEBIT:{debit}")
    page = client.get(f"/portal/unit/debits/{debit}").text
    assert "扣款成功" in page and page.count("已缴") >= 5
    assert "已缴" in client.get("/portal/unit/history?state=PAID").text
    for form, marker in (("tabular", "表格式"), ("document", "兹证明")):
        pdf = client.get(f"/portal/unit/certificate.pdf?from=2026-10&to=2026-10&form={form}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        text = pdftext.text(pdf.data)
        assert "税收完税证明" in text and marker in text and "广州市天河区昌辰五金制品有限公司" in text
        assert "2026-10-01至2026-10-31" in text and "44010640767199" not in text


def test_certificate_without_paid_levies_is_refused(web):
    client = web.client("unit_demo")
    response = client.get("/portal/unit/certificate.pdf?from=2026-12&to=2026-12&form=tabular")
    assert response.status_code == 302
    assert "没有已缴费款" in client.get("/portal/unit/certificates").text


def test_counter_voucher_pdf(web):
    client = web.client("unit_demo")
    ids = [str(r[0]) for r in web.sql("SELECT id FROM levy WHERE payer_id = 1 AND period_start = '2026-10-01'")]
    response = web.post(client, "/portal/unit/pay", "/portal/unit/pay", levy_ids=ids, how="voucher")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    number = web.sql("SELECT tax_vou_no FROM counter_voucher")[0][0]
    text = pdftext.text(response.data)
    assert "银行端查询缴款凭证" in text and number in text
    assert web.sql("SELECT DISTINCT state FROM levy WHERE period_start = '2026-10-01' AND payer_id = 1") \
        == [("UNPAID",)]  # printing locks nothing


@pytest.mark.parametrize("day, notice", [(dt.datetime(2026, 11, 16, 10), False),
                                         (dt.datetime(2026, 11, 27, 9), True)])
def test_sign_agreement_online_and_the_cutoff_notice(web, day, notice):
    web.clock.now = day
    client = web.client("unit_demo")
    response = web.post(client, "/portal/unit/agreements", "/portal/unit/agreements",
                        protocol_no="TEST-2026-0001", pay_bk_code="102581000013",
                        pay_op_bk_code="102581000013", pay_acct="6222021234567890123",
                        hand_org_name="", channel="ONLINE")
    assert response.status_code == 302, response.text[:400]
    page = client.get("/portal/unit/agreements").text
    assert "6222021234567890123" not in page and "待验证" in page
    assert ("将从下月开始自动扣费" in page) is notice
    assert web.sql("SELECT channel, state FROM agreement WHERE protocol_no = 'TEST-2026-0001'") \
        == [("ONLINE", "PENDING")]


def test_end_an_active_agreement_sends_a_revocation(web):
    client = web.client("unit_demo")
    agreement = web.sql("SELECT id FROM agreement WHERE payer_id = 1")[0][0]
    outbox = web.sql("SELECT count(*) FROM outbox")[0][0]
    response = web.post(client, f"/portal/unit/agreements/{agreement}/end", "/portal/unit/agreements")
    assert response.status_code == 302
    assert "已向银行发起撤销协议" in client.get("/portal/unit/agreements").text
    assert web.sql("SELECT count(*) FROM outbox")[0][0] == outbox + 1


def test_remove_person_then_not_enrolled_and_in_change_history(web):
    client = web.client("unit_demo")
    person = web.sql("SELECT id FROM insured_person WHERE unit_id = 1 ORDER BY id")[0][0]
    assert web.post(client, f"/portal/unit/staff/{person}/remove", "/portal/unit/staff").status_code == 302
    assert client.get("/portal/unit/staff").text.count('data-testid="person-row"') == 1
    assert "减员" in client.get(f"/portal/unit/staff/{person}").text
    assert "待申报 <strong>1</strong> 人" in client.get(f"/portal/unit/declare?period={NEXT}").text


def test_the_api_does_the_same(web):
    client = web.client()
    h = bearer(client)
    added = client.post("/api/v1/portal/unit/staff", headers=h,
                        json={"id_number": id_number(9), "name": "接口员工", "wage": "6000.00"})
    assert added.status_code == 201
    assert client.post("/api/v1/portal/unit/staff", headers=h,
                       json={"id_number": id_number(10), "name": "x", "wage": 1.005}).status_code == 422
    declared = client.post("/api/v1/portal/unit/declarations", headers=h, json={"period": NEXT})
    assert declared.status_code == 201 and declared.json["persons"] == 3
    again = client.post("/api/v1/portal/unit/declarations", headers=h, json={"period": NEXT})
    assert again.status_code == 409 and "没有需要申报" in again.json["error"]["message"]
    voided = client.post(f"/api/v1/portal/unit/declarations/{declared.json['declaration_id']}/void",
                         headers=h, json={})
    assert voided.status_code == 200 and voided.json["state"] == "VOIDED"
    staff = client.get("/api/v1/portal/unit/staff", headers=h).json
    assert staff["total"] == 3 and all("*" in r["id_number"] for r in staff["rows"])
    cert = client.get("/api/v1/portal/unit/certificate?from=2026-12&form=tabular", headers=h)
    assert cert.status_code == 409


def test_other_roles_cannot_use_the_unit_portal(web):
    assert web.client("person_demo").get("/portal/unit/").status_code == 403
    assert web.client("staff_gz").get("/portal/unit/staff").status_code == 403


# -- one unit never reads or changes another's data ------------------------------------------

@pytest.fixture
def foreign(web):
    """Records of another unit (payer 3): a person, a declaration, a debit, an agreement."""
    other = web.client(add_unit_login(web))
    add(web, other, 11, name="别家员工")
    declare(web, other)
    debit = _pay_other(web, other)
    return {"person": web.sql("SELECT id FROM insured_person WHERE unit_id = :p", p=OTHER_UNIT)[0][0],
            "declaration": web.sql("SELECT id FROM declaration WHERE payer_id = :p", p=OTHER_UNIT)[0][0],
            "debit": debit,
            "agreement": web.sql("SELECT id FROM agreement WHERE payer_id = :p", p=OTHER_UNIT)[0][0]}


def _pay_other(web, client) -> int:
    ids = [str(r[0]) for r in web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' "
                                      "AND period_start = '2026-12-01'", p=OTHER_UNIT)]
    response = web.post(client, "/portal/unit/pay", "/portal/unit/pay", levy_ids=ids, how="debit")
    return int(response.headers["Location"].rsplit("/", 1)[1])


UNIT_CASES = {
    "portal.unit_person": ("GET", "/portal/unit/staff/{}", "person"),
    "portal.unit_remove_person": ("POST", "/portal/unit/staff/{}/remove", "person"),
    "portal.unit_adjust_wage": ("POST", "/portal/unit/staff/{}/wage", "person"),
    "portal.unit_declaration": ("GET", "/portal/unit/declarations/{}", "declaration"),
    "portal.unit_void": ("POST", "/portal/unit/declarations/{}/void", "declaration"),
    "portal.unit_debit": ("GET", "/portal/unit/debits/{}", "debit"),
    "portal.unit_end_agreement": ("POST", "/portal/unit/agreements/{}/end", "agreement"),
}


@pytest.mark.parametrize("endpoint", sorted(UNIT_CASES))
def test_guessed_ids_of_another_unit_are_404_and_change_nothing(web, foreign, endpoint):
    method, pattern, what = UNIT_CASES[endpoint]
    client = web.client("unit_demo")
    before = [web.sql(f"SELECT count(*) FROM {t}")[0][0] for t in ("audit_log", "outbox", "person_change")]
    state = web.sql("SELECT state, declared_wage FROM insured_person WHERE id = :i", i=foreign["person"])
    url = pattern.format(foreign[what])
    response = client.get(url) if method == "GET" else web.post(
        client, url, "/portal/unit/staff", wage="9000.00", reason="x")
    assert response.status_code == 404, (url, response.status_code)
    assert [web.sql(f"SELECT count(*) FROM {t}")[0][0] for t in ("audit_log", "outbox", "person_change")] == before
    assert web.sql("SELECT state, declared_wage FROM insured_person WHERE id = :i", i=foreign["person"]) == state
    assert web.sql("SELECT state FROM declaration WHERE id = :i", i=foreign["declaration"]) == [("DECLARED",)]


def test_lists_api_and_pdfs_show_only_the_units_own_data(web, foreign):
    client = web.client("unit_demo")
    for url in ("/portal/unit/staff", "/portal/unit/declarations", "/portal/unit/history",
                "/portal/unit/changes", f"/portal/unit/declare?period={NEXT}"):
        assert "别家员工" not in client.get(url).text
    assert "SB202612" not in client.get("/portal/unit/declarations").text
    api = web.client()
    h = bearer(api)
    for url in (f"/api/v1/portal/unit/staff/{foreign['person']}",
                f"/api/v1/portal/unit/declarations/{foreign['declaration']}",
                f"/api/v1/portal/unit/debits/{foreign['debit']}"):
        assert api.get(url, headers=h).status_code == 404
    assert api.post(f"/api/v1/portal/unit/declarations/{foreign['declaration']}/void",
                    headers=h, json={}).status_code == 404
    # another unit's levies in a payment or voucher request are refused as not found
    theirs = web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'", p=OTHER_UNIT)
    if theirs:
        assert api.post("/api/v1/portal/unit/counter-vouchers", headers=h,
                        json={"levy_ids": [theirs[0][0]]}).status_code == 404


UNIT_API_CASES = [
    ("GET", "/api/v1/portal/unit/staff/{}", "person"),
    ("POST", "/api/v1/portal/unit/staff/{}/remove", "person"),
    ("POST", "/api/v1/portal/unit/staff/{}/wage", "person"),
    ("GET", "/api/v1/portal/unit/declarations/{}", "declaration"),
    ("POST", "/api/v1/portal/unit/declarations/{}/void", "declaration"),
    ("GET", "/api/v1/portal/unit/debits/{}", "debit"),
    ("POST", "/api/v1/portal/unit/agreements/{}/end", "agreement"),
]


@pytest.mark.parametrize("method,pattern,what", UNIT_API_CASES)
def test_api_guessed_ids_of_another_unit_are_404(web, foreign, method, pattern, what):
    client = web.client()
    audit = web.sql("SELECT count(*) FROM audit_log")[0][0]
    response = client.open(pattern.format(foreign[what]), method=method, headers=bearer(client),
                           json={"wage": "9000.00"} if method == "POST" else None)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "lookup.exists"
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == audit
