"""Report pages over HTTP: the staff's scope (their office and subordinates; another office's
report or version is 404), submitting upward (office heads only, then frozen), the difference
from the submitted version, exports served once per data version, masked payer numbers,
reminders through the notification outbox, and the audit rows."""

from __future__ import annotations

import re

from gateway.demodata.accounts import STAFF_FS_OFFICE, STAFF_GZ_OFFICE
from gateway.domain.batch_messages import SendNotices

MONTH = "2026-10"
INDEX = "/console/reports/"
MONTHLY = f"/console/reports/monthly/{STAFF_GZ_OFFICE}?month={MONTH}"


def _refresh(web, client, month=MONTH):
    response = web.post(client, "/console/reports/refresh", INDEX, month=month)
    assert response.status_code == 302
    return response


def _versions(web):
    return web.sql("SELECT id, version, state FROM report_version WHERE tax_org_code = :o "
                   "AND month = :m ORDER BY version", o=STAFF_GZ_OFFICE, m=MONTH)


def _audit(web, action):
    return web.sql("SELECT actor, target FROM audit_log WHERE action = :a ORDER BY seq", a=action)


def test_refresh_is_scoped_recorded_and_audited(web):
    client = web.client("staff_gz")
    _refresh(web, client)
    runs = web.sql("SELECT requested_by, tax_org_code, rows_after FROM summary_run")
    assert runs == [("staff_gz", STAFF_GZ_OFFICE, runs[0][2])] and runs[0][2] > 0
    offices = {r[0] for r in web.sql("SELECT DISTINCT tax_org_code FROM daily_summary")}
    assert offices and all(o.startswith(STAFF_GZ_OFFICE[:7]) for o in offices)
    assert _audit(web, "REFRESH_SUMMARIES") == [("staff_gz", f"summary:{STAFF_GZ_OFFICE}:{MONTH}")]
    page = client.get(MONTHLY)
    assert page.status_code == 200 and 'data-testid="monthly-rows"' in page.text


def test_other_offices_reports_are_404_and_taxpayers_403(web):
    _refresh(web, web.client("staff_gz"))
    (version_id, _v, _s), = _versions(web)
    fs = web.client("staff_fs")
    assert fs.get(MONTHLY).status_code == 404
    assert fs.get(f"/console/reports/monthly/{STAFF_GZ_OFFICE}.xlsx?month={MONTH}").status_code == 404
    assert fs.get(f"/console/reports/monthly/{STAFF_FS_OFFICE}?month={MONTH}").status_code == 200
    assert web.post(fs, f"/console/reports/versions/{version_id}/submit",
                    INDEX).status_code == 404
    assert web.client("unit_demo").get(INDEX).status_code == 403
    assert web.client("ops").get(MONTHLY).status_code == 403
    assert _versions(web)[0][2] == "DRAFT"


def test_head_submits_then_the_version_is_frozen_and_a_rerun_shows_the_difference(web):
    staff, head = web.client("staff_gz"), web.client("head_gz")
    _refresh(web, staff)
    (version_id, _v, _s), = _versions(web)
    submit = f"/console/reports/versions/{version_id}/submit"
    assert web.post(staff, submit, MONTHLY).status_code == 403  # a collector does not submit
    assert 'data-testid="submit-report"' in head.get(MONTHLY).text
    assert web.post(head, submit, MONTHLY).status_code == 302
    assert _versions(web) == [(version_id, 1, "SUBMITTED")]
    again = web.post(head, submit, MONTHLY, )
    assert again.status_code == 302 and "已冻结为只读" in head.get(MONTHLY).text
    assert 'data-testid="submit-report"' not in head.get(MONTHLY).text

    # A payment of October reaches the summaries: version 2, and the page shows the change.
    levy = web.sql("SELECT id, amount FROM levy WHERE tax_org_code = :o AND state = 'UNPAID' "
                   "ORDER BY id LIMIT 1", o=STAFF_GZ_OFFICE)[0]
    web.sql("UPDATE levy SET state = 'PAID', paid_by = 'DEBIT:1', tax_date = '2026-10-20' "
            "WHERE id = :i", i=levy[0])
    _refresh(web, staff)
    assert [v[1:] for v in _versions(web)] == [(1, "SUBMITTED"), (2, "DRAFT")]
    page = head.get(MONTHLY).text
    assert 'data-testid="diff"' in page and "与已上报第 1 版的差异" in page
    assert _audit(web, "SUBMIT_REPORT") == [("head_gz", f"report:{MONTH}:{STAFF_GZ_OFFICE}:v1")]


def test_exports_are_generated_once_per_data_version(web):
    client = web.client("staff_gz")
    _refresh(web, client)
    url = f"/console/reports/monthly/{STAFF_GZ_OFFICE}.xlsx?month={MONTH}"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.data[:2] == b"PK"
    cache = web.app.extensions["etsgw_report_cache"]
    assert cache.generated == 1
    arrears = "/console/reports/list/arrears.csv"
    a1, a2 = client.get(arrears), client.get(arrears)
    assert a1.data == a2.data and cache.generated == 2
    _refresh(web, client)  # a new data version: the list is generated again
    assert client.get(arrears).status_code == 200 and cache.generated == 3
    assert len(_audit(web, "EXPORT_REPORT")) == 5


def test_arrears_mask_individuals_and_reminders_go_through_the_outbox(web):
    client = web.client("staff_gz")
    page = client.get("/console/reports/list/arrears").text
    ids = [int(v) for v in re.findall(r'name="payer_id" value="(\d+)"', page)]
    assert ids, "天河区 should have payers in arrears in the demo data"
    individuals = web.sql("SELECT tax_pay_code FROM payer WHERE kind <> 'UNIT' AND "
                          "tax_org_code LIKE :p", p=STAFF_GZ_OFFICE[:7] + "%")
    assert all(code not in page for (code,) in individuals)
    foreign = web.sql("SELECT id FROM payer WHERE tax_org_code LIKE :p LIMIT 1",
                      p=STAFF_FS_OFFICE[:7] + "%")[0][0]
    token_page = "/console/reports/list/arrears"
    response = web.post(client, "/console/reports/reminders", token_page,
                        payer_id=[ids[0], foreign])
    assert response.status_code == 302
    rows = web.sql("SELECT payer_id, state, ref FROM notification")
    assert [(r[0], r[1]) for r in rows] == [(ids[0], "PENDING")]
    assert rows[0][2] == f"REMIND:2026-11:{ids[0]}"
    web.post(client, "/console/reports/reminders", token_page, payer_id=[ids[0]])  # once a month
    assert len(web.sql("SELECT id FROM notification")) == 1
    web.app.extensions["etsgw"].app.bus.handle(SendNotices(10))
    results = client.get("/console/reports/list/reminders").text
    assert "已发送 1 条" in results and "已发送" in results
    assert web.client("staff_fs").get("/console/reports/list/reminders").text.count("REMIND") == 0
    assert _audit(web, "SEND_REMINDERS")[0][0] == "staff_gz"


def test_daily_monitoring_draws_a_server_side_chart(web):
    client = web.client("staff_gz")
    _refresh(web, client)
    page = client.get("/console/reports/daily?from=2026-10-01&to=2026-10-31")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text and "<script" not in page.text
    assert "实时扣款" in page.text and 'data-testid="daily-rows"' in page.text
    for report in ("arrears_details", "no_payment", "largest", "branches"):
        assert client.get(f"/console/reports/list/{report}").status_code == 200
