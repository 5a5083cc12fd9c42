"""Scopes: a taxpayer sees only their payer, staff only their office and its subordinates; a
guessed id of someone else's record answers 404 (never 403, never the record), on every
blueprint route that takes an id. Roles outside a blueprint get 403."""

from __future__ import annotations

import pytest

from tests.integration.web.helpers import make_records
from tests.integration.web.test_unit_portal import UNIT_CASES

# endpoint → (method, url pattern, who asks, the record that is theirs, the one that is not)
CASES = {
    "portal.levy": ("GET", "/portal/levies/{}", "unit_demo", "levy_unit", "levy_person"),
    "portal.agreement": ("GET", "/portal/agreements/{}", "unit_demo", "agreement_unit",
                         "agreement_person"),
    "console.debit": ("GET", "/console/debits/{}", "staff_gz", "debit_gz", "debit_fs"),
    "console.reverse": ("POST", "/console/debits/{}/reverse", "staff_gz", None, "debit_fs"),
    "console.query": ("POST", "/console/debits/{}/query", "staff_gz", None, "debit_fs"),
    "console.agreement": ("GET", "/console/agreements/{}", "staff_gz", "agreement_gz",
                          "agreement_fs"),
    "console.verify": ("POST", "/console/agreements/{}/verify", "staff_gz", None, "agreement_fs"),
    "console.payer": ("GET", "/console/payers/{}", "staff_gz", "payer_gz", "payer_fs"),
    "portal.resident_payment": ("GET", "/portal/history/{}", "person_demo", None, "debit_gz"),
    "console.recon_discrepancy": ("POST", "/console/reconciliation/discrepancies/{}", "staff_gz",
                                  "discrepancy_gz", "discrepancy_fs"),
}
HOME_OF = {"unit_demo": "/portal/", "staff_gz": "/console/"}
# Routes with an id whose guessed-id cases are in a test of their own.
OWN_SCOPE_TESTS = {"console.report_submit": "tests/integration/web/test_report_pages.py"}


@pytest.fixture
def records(web):
    return make_records(web)


def test_every_id_route_of_portal_and_console_has_a_scope_case(web):
    with_ids = {rule.endpoint for rule in web.app.url_map.iter_rules()
                if rule.endpoint.split(".")[0] in ("portal", "console") and "<int:" in rule.rule}
    from tests.integration.web.test_batch_scopes import BATCH_CASES

    # The unit portal's own id routes are tested in test_unit_portal (UNIT_CASES).
    assert with_ids - set(OWN_SCOPE_TESTS) == set(CASES) | set(BATCH_CASES) | set(UNIT_CASES)


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_guessed_id_of_another_payer_or_office_is_404(web, records, endpoint):
    method, pattern, username, own, foreign = CASES[endpoint]
    client = web.client(username)
    audit_before = web.sql("SELECT count(*) FROM audit_log")[0][0]
    outbox_before = web.sql("SELECT count(*) FROM outbox")[0][0]
    url = pattern.format(getattr(records, foreign))
    if method == "GET":
        response = client.get(url)
    else:
        response = web.post(client, url, HOME_OF[username], reason="测试")
    assert response.status_code == 404, url
    assert "未找到" in response.text or "不存在" in response.text
    # Nothing was done and nothing recorded for a record out of scope.
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == audit_before
    assert web.sql("SELECT count(*) FROM outbox")[0][0] == outbox_before
    if own is not None:
        assert client.get(pattern.format(getattr(records, own))).status_code == 200


def test_staff_see_the_records_of_subordinate_offices(web, records):
    # staff_fs works at 禅城区 (14406040000); the debit belongs to a branch office below it.
    client = web.client("staff_fs")
    assert client.get(f"/console/debits/{records.debit_fs}").status_code == 200
    assert client.get(f"/console/debits/{records.debit_gz}").status_code == 404
    home = client.get("/console/").text
    assert f"/console/debits/{records.debit_fs}" in home
    assert f"/console/debits/{records.debit_gz}" not in home


def test_taxpayer_home_lists_only_their_own_levies(web):
    client = web.client("person_demo")
    person = web.user_payer("person_demo")
    own = {r[0] for r in web.sql("SELECT id FROM levy WHERE payer_id = :p AND state='UNPAID'", p=person)}
    others = {r[0] for r in web.sql("SELECT id FROM levy WHERE payer_id != :p", p=person)}
    page = client.get("/portal/").text
    assert all(f'value="{i}"' in page for i in own)
    assert not any(f'name="levy_ids" value="{i}"' in page for i in others)


def test_paying_another_payers_levy_is_404_and_leaves_no_trace(web):
    client = web.client("unit_demo")
    other = web.sql("SELECT id FROM levy WHERE payer_id = :p", p=web.user_payer("person_demo"))[0][0]
    # The levy is not one of the page's choices, so the form refuses it before the bus.
    response = web.post(client, "/portal/pay", "/portal/", levy_ids=str(other))
    assert response.status_code == 422
    assert web.sql("SELECT count(*) FROM debit")[0][0] == 0
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0


@pytest.mark.parametrize("username,url", [
    ("unit_demo", "/console/"), ("unit_demo", "/ops/"), ("staff_gz", "/portal/"),
    ("staff_gz", "/ops/"), ("ops", "/console/"), ("ops", "/portal/"), ("head_gz", "/admin/audit"),
])
def test_a_role_outside_a_blueprint_is_refused(web, username, url):
    response = web.client(username).get(url)
    assert response.status_code == 403 and "无权访问" in response.text


def test_collector_may_not_unmask_but_head_may_and_it_is_audited(web, records):
    collector = web.client("staff_gz")
    masked = collector.get(f"/console/payers/{records.payer_gz}").text
    full_code = web.sql("SELECT tax_pay_code FROM payer WHERE id = :p", p=records.payer_gz)[0][0]
    acct = web.sql("SELECT pay_acct FROM agreement WHERE id = :a", a=records.agreement_gz)[0][0]
    assert acct not in masked and acct[:4] in masked
    assert collector.get(f"/console/payers/{records.payer_gz}?full=1").status_code == 403
    head = web.client("head_gz")
    full = head.get(f"/console/payers/{records.payer_gz}?full=1").text
    assert acct in full and full_code in full
    rows = web.sql("SELECT actor, action, target FROM audit_log WHERE action = 'VIEW_UNMASKED'")
    assert rows == [("head_gz", "VIEW_UNMASKED", f"payer:{records.payer_gz}")]


def test_individual_id_numbers_are_masked_on_the_portal(web):
    person = web.user_payer("person_demo")
    id_no = web.sql("SELECT tax_pay_code FROM payer WHERE id = :p", p=person)[0][0]
    page = web.client("person_demo").get("/portal/").text
    assert id_no not in page and id_no[:6] in page and id_no[-4:] in page
