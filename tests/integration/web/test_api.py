"""The JSON API: tokens, each role's home data, the same scopes (404 for guessed ids) and audit
as the pages, one error format, and an OpenAPI document that lists every route."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.helpers import PASSWORD, make_records

HOME_DATA = {
    "unit_demo": ("/api/v1/portal/home", "unpaid_levies"),
    "person_demo": ("/api/v1/portal/home", "unpaid_levies"),
    "resident_demo": ("/api/v1/portal/home", "unpaid_levies"),
    "staff_gz": ("/api/v1/console/home", "in_doubt"),
    "head_gz": ("/api/v1/console/home", "today"),
    "ops": ("/api/v1/ops/home", "queues"),
    "auditor": ("/api/v1/audit", "rows"),
}


def token(client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


@pytest.mark.parametrize("username", sorted(HOME_DATA))
def test_home_data_of_each_role_with_a_token(web, username):
    client = web.client()
    url, key = HOME_DATA[username]
    response = client.get(url, headers=token(client, username))
    assert response.status_code == 200
    assert key in response.json
    me = client.get("/api/v1/me", headers=token(client, username)).json
    assert me["username"] == username


def test_portal_home_is_the_payers_own_data_with_masked_accounts(web):
    client = web.client()
    data = client.get("/api/v1/portal/home", headers=token(client, "unit_demo")).json
    unit = web.user_payer("unit_demo")
    assert data["payer"]["id"] == unit
    assert {lv["payer_id"] for lv in data["unpaid_levies"]} == {unit}
    acct = web.sql("SELECT pay_acct FROM agreement WHERE payer_id = :p", p=unit)[0][0]
    assert data["agreements"][0]["pay_acct"] != acct and "*" in data["agreements"][0]["pay_acct"]
    assert re.fullmatch(r"\d+\.\d{2}", data["unpaid_total"])  # money as exact text


API_CASES = [
    ("GET", "/api/v1/portal/levies/{}", "unit_demo", "levy_person"),
    ("GET", "/api/v1/portal/agreements/{}", "unit_demo", "agreement_person"),
    ("GET", "/api/v1/console/debits/{}", "staff_gz", "debit_fs"),
    ("POST", "/api/v1/console/debits/{}/reverse", "staff_gz", "debit_fs"),
    ("POST", "/api/v1/console/debits/{}/query", "staff_gz", "debit_fs"),
    ("GET", "/api/v1/console/agreements/{}", "staff_gz", "agreement_fs"),
    ("POST", "/api/v1/console/agreements/{}/verify", "staff_gz", "agreement_fs"),
    ("GET", "/api/v1/console/payers/{}", "staff_gz", "payer_fs"),
    ("GET", "/api/v1/individual/payments/{}", "person_demo", "debit_gz"),
]


def test_every_api_route_with_an_id_has_a_scope_case(web):
    with_ids = {re.sub(r"<int:\w+>", "{}", r.rule) for r in web.app.url_map.iter_rules()
                if r.rule.startswith("/api/") and "<int:" in r.rule}
    from tests.integration.web.test_unit_portal import UNIT_API_CASES
    assert with_ids == {case[1] for case in API_CASES} | {case[1] for case in UNIT_API_CASES}


@pytest.mark.parametrize("method,pattern,username,foreign", API_CASES)
def test_guessed_ids_answer_404_in_the_one_error_format(web, method, pattern, username, foreign):
    records = make_records(web)
    client = web.client()
    url = pattern.format(getattr(records, foreign))
    response = client.open(url, method=method, headers=token(client, username),
                           json={"reason": "测试"} if method == "POST" else None)
    assert response.status_code == 404
    assert response.json == {"error": {"code": "lookup.exists", "message": "未找到该记录。"}}
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0


def test_api_action_is_audited_like_the_page(web):
    records = make_records(web)
    client = web.client()
    response = client.post(f"/api/v1/console/debits/{records.debit_gz}/query",
                           headers=token(client, "staff_gz"))
    assert response.status_code == 202 and len(response.json["msg_id"]) == 20
    assert web.sql("SELECT actor, action FROM audit_log") == [("staff_gz", "QUERY_DEBIT_STATUS")]


def test_api_errors(web):
    client = web.client()
    missing = client.get("/api/v1/console/home")
    assert missing.status_code == 401 and missing.json["error"]["code"] == "auth.required"
    bad = client.post("/api/v1/tokens", json={"username": "ops", "password": "wrong"})
    assert bad.status_code == 401 and bad.json["error"]["code"] == "auth.bad_credentials"
    wrong_role = client.get("/api/v1/console/home", headers=token(client, "ops"))
    assert wrong_role.status_code == 403 and wrong_role.json["error"]["message"] == "您的角色无权执行此操作。"
    invalid = client.post("/api/v1/portal/debits", json={"levy_ids": "1"},
                          headers=token(client, "unit_demo"))
    assert invalid.status_code == 422 and "levy_ids" in invalid.json["error"]["fields"]
    nowhere = client.get("/api/v1/nothing-here", headers=token(client, "ops"))
    assert nowhere.status_code == 404 and nowhere.json["error"]["code"] == "http.404"


def test_a_browser_session_cookie_does_not_open_the_api(web):
    client = web.client("staff_gz")  # logged in with a cookie, no token
    assert client.get("/api/v1/console/home").status_code == 401


def test_revoked_token_stops_working(web):
    client = web.client()
    headers = token(client, "ops")
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/ops/home", headers=headers).status_code == 401


def test_pay_through_the_api(web):
    client = web.client()
    headers = token(client, "unit_demo")
    levy = client.get("/api/v1/portal/home", headers=headers).json["unpaid_levies"][0]
    response = client.post("/api/v1/portal/debits", json={"levy_ids": [levy["id"]]}, headers=headers)
    assert response.status_code == 201 and response.json["state"] == "SENT"
    assert response.json["amount"] == levy["amount"]
    assert web.sql("SELECT action FROM audit_log") == [("SUBMIT_DEBIT",)]


def test_openapi_document_lists_every_api_route(web):
    doc = web.client().get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routed = set()
    for rule in web.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
