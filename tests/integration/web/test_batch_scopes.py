"""Scopes of the batch pages: staff of one office cannot see, preview, launch, stop, query,
void, export or move the lists, packages and refund cases of another office, by guessed ids
either (404, and nothing changes); forms without their CSRF token are refused; anonymous
visitors are sent to the login page; roles outside the console get 403."""

from __future__ import annotations

import pytest

from tests.integration.web.test_batch_console import _refund_case, count, create_list, launch

# endpoint → (method, url pattern, the record of staff_gz it names)
BATCH_CASES = {
    "console.batch_list": ("GET", "/console/batch/lists/{}", "list_id"),
    "console.batch_list_export": ("GET", "/console/batch/lists/{}/entries.xlsx", "list_id"),
    "console.batch_void": ("POST", "/console/batch/lists/{}/void", "list_id"),
    "console.batch_launch": ("POST", "/console/batch/lists/{}/launch", "fresh_list_id"),
    "console.batch_realtime": ("POST", "/console/batch/lists/{}/realtime", "fresh_list_id"),
    "console.batch_package": ("GET", "/console/batch/packages/{}", "package_id"),
    "console.batch_items_export": ("GET", "/console/batch/packages/{}/items.csv", "package_id"),
    "console.batch_stop": ("POST", "/console/batch/packages/{}/stop", "package_id"),
    "console.batch_query": ("POST", "/console/batch/packages/{}/query", "package_id"),
    "console.batch_refund_step": ("POST", "/console/batch/refunds/{}/confirm", "refund_id"),
}
FORM = {"reason": "测试止付", "payer_id": "1", "note": "测试", "tra_no": "00000001"}


@pytest.fixture
def gz(web):
    """staff_gz's records: a launched list with packages, a fresh list, a refund case."""
    staff = web.client("staff_gz")
    list_id = create_list(web, staff)
    launch(web, staff, list_id)
    fresh = create_list(web, staff)  # nothing left to select: an empty list is still a list
    package_id = web.sql("SELECT min(id) FROM package")[0][0]
    return {"list_id": list_id, "fresh_list_id": fresh, "package_id": package_id,
            "refund_id": _refund_case(web)}


def snapshot(web):
    return (count(web, "audit_log"), count(web, "outbox"),
            web.sql("SELECT id, state FROM package ORDER BY id"),
            web.sql("SELECT state, count(*) FROM batch_list_entry GROUP BY state ORDER BY state"),
            web.sql("SELECT id, state FROM refund_case ORDER BY id"),
            count(web, "stop_request"), count(web, "batch_list"))


@pytest.mark.parametrize("endpoint", sorted(BATCH_CASES))
def test_another_offices_record_is_404_and_nothing_changes(web, gz, endpoint):
    method, pattern, record = BATCH_CASES[endpoint]
    fs = web.client("staff_fs")
    before = snapshot(web)
    for guessed in (gz[record], 99999):
        url = pattern.format(guessed)
        response = (fs.get(url) if method == "GET" else web.post(fs, url, "/console/", **FORM))
        assert response.status_code == 404, url
    assert snapshot(web) == before
    # the owner reaches the same record
    own = web.client("staff_gz")
    if method == "GET":
        assert own.get(pattern.format(gz[record])).status_code == 200


def test_listings_and_exports_of_another_office_show_nothing_of_it(web, gz):
    fs = web.client("staff_fs")
    assert f"/console/batch/lists/{gz['list_id']}" not in fs.get("/console/batch/lists").text
    assert "暂无批量包" in fs.get("/console/batch/packages").text
    assert "暂无退费记录" in fs.get("/console/batch/refunds").text
    assert fs.get(f"/console/batch/packages?list={gz['list_id']}").status_code == 404
    assert fs.get(f"/console/batch/packages.csv?list={gz['list_id']}").status_code == 404
    for url in ("/console/batch/packages.csv", "/console/batch/refunds.csv"):
        lines = fs.get(url).data.decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 1  # the heading only
    before = snapshot(web)
    response = web.post(fs, "/console/batch/refunds/verification.csv", "/console/batch/refunds")
    assert response.data.decode("utf-8-sig").strip().count("\n") == 0
    assert snapshot(web)[4] == before[4]  # gz's case was not moved
    gz_pages = web.client("staff_gz")
    assert f"/console/batch/packages/{gz['package_id']}" in gz_pages.get("/console/batch/packages").text


def test_selecting_or_previewing_another_office_is_refused(web):
    fs = web.client("staff_fs")
    before = snapshot(web)
    for button in ("preview", "create"):
        response = web.post(fs, "/console/batch/select", "/console/batch/select",
                            office="14401060000", subordinates="y", **{button: "1"})
        assert response.status_code == 422
        assert "不是有效的选项" in response.text or "Not a valid choice" in response.text
    assert snapshot(web) == before


@pytest.mark.parametrize("url", ["/console/batch/select", "/console/batch/lists/{list_id}/launch",
                                 "/console/batch/lists/{list_id}/void",
                                 "/console/batch/packages/{package_id}/stop",
                                 "/console/batch/packages/{package_id}/query",
                                 "/console/batch/refunds/{refund_id}/confirm",
                                 "/console/batch/refunds/verification.xlsx"])
def test_a_form_without_its_csrf_token_is_refused(web, gz, url):
    staff = web.client("staff_gz")
    before = snapshot(web)
    response = staff.post(url.format(**gz), data={"office": "14401060000", "create": "1", **FORM})
    assert response.status_code == 400 and "缺少安全令牌" in response.text
    assert snapshot(web) == before


@pytest.mark.parametrize("method,url", [
    ("GET", "/console/batch/select"), ("GET", "/console/batch/lists"), ("GET", "/console/batch/lists/1"),
    ("GET", "/console/batch/lists/1/entries.xlsx"), ("POST", "/console/batch/lists/1/launch"),
    ("GET", "/console/batch/packages"), ("GET", "/console/batch/packages/1"),
    ("POST", "/console/batch/packages/1/stop"), ("GET", "/console/batch/in-doubt"),
    ("GET", "/console/batch/refunds"), ("GET", "/console/batch/refunds.xlsx"),
    ("GET", "/console/batch/notices"),
])
def test_anonymous_visitors_are_sent_to_the_login_page(web, method, url):
    client = web.app.test_client()
    before = snapshot(web)
    # A POST carries the CSRF token of the login page, so it is the log-in check that answers.
    response = client.get(url) if method == "GET" else web.post(client, url, "/login", **FORM)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert snapshot(web) == before


@pytest.mark.parametrize("username", ["unit_demo", "ops", "auditor"])
def test_roles_outside_the_console_get_403(web, username):
    assert web.client(username).get("/console/batch/lists").status_code == 403
