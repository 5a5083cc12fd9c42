"""Console reconciliation pages over HTTP: runs, the discrepancy list (filters, server-side
pages), resolving with a note (CSRF, audited, through the bus), fund reports, exports masked,
and everything within the staff member's office and its subordinates."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from tests.integration.web.helpers import add_discrepancy, make_records


@pytest.fixture
def records(web):
    return make_records(web)


def _fund_line(web, tre_code: str, acct: str, balanced: bool) -> None:
    web.sql("INSERT INTO fund_report_line (report_date, tre_code, acct_code, acct_name, acct_date, "
            "yesterday_balance, today_receipt, today_pay, today_balance, balanced, difference) "
            "VALUES ('2026-11-16', :t, :a, '社保费专户', '2026-11-16', 10000, 2000, 0, :b, :ok, :diff)",
            t=tre_code, a=acct, b=12000 if balanced else 11999, ok=balanced,
            diff=0 if balanced else 1)


def test_list_filters_and_pages_on_the_server(web, records):
    for _ in range(54):
        add_discrepancy(web, records.debit_gz, kind="VOUCHER")
    client = web.client("staff_gz")
    first = client.get("/console/reconciliation/discrepancies?kind=VOUCHER").text
    # the title's count (a bare "55" search also matched a random CSRF token now and then)
    assert re.search(r'对账差异 <span class="muted">(\d+) 笔', first).group(1) == "54"
    assert first.count('data-kind="VOUCHER"') == 50 and "第 1 / 2 页" in first
    second = client.get("/console/reconciliation/discrepancies?kind=VOUCHER&page=2").text
    assert second.count('data-kind="VOUCHER"') == 4
    amount = client.get("/console/reconciliation/discrepancies?kind=AMOUNT").text
    assert amount.count('data-kind="AMOUNT"') == 1  # staff_gz's; staff_fs's is not in scope
    assert f"/console/reconciliation/discrepancies/{records.discrepancy_fs}\"" not in amount
    # account numbers masked on the page
    acct = web.sql("SELECT a.pay_acct FROM debit d JOIN agreement a ON a.id = d.agreement_id "
                   "WHERE d.id = :d", d=records.debit_gz)[0][0]
    assert acct not in amount and acct[:4] in amount


def test_staff_resolve_with_a_note_audited(web, records):
    client = web.client("staff_gz")
    url = f"/console/reconciliation/discrepancies/{records.discrepancy_gz}"
    assert web.post(client, url, url, note="").status_code == 422  # a note is required
    assert client.post(url, data={"note": "无 CSRF"}).status_code in (400, 422)
    response = web.post(client, url, url, note="已与银行核实")
    assert response.status_code == 302
    page = client.get(url).text
    assert "已处理" in page and "已与银行核实" in page
    row = web.sql("SELECT state, note, resolved_by FROM recon_discrepancy WHERE id = :i",
                  i=records.discrepancy_gz)[0]
    assert tuple(row) == ("RESOLVED", "已与银行核实", "staff_gz")
    audit = web.sql("SELECT action, target FROM audit_log WHERE action = 'RESOLVE_DISCREPANCY'")
    assert [tuple(a) for a in audit] == [("RESOLVE_DISCREPANCY",
                                          f"discrepancy:{records.discrepancy_gz}")]
    # resolving twice is refused and leaves no second audit row
    assert web.post(client, url, url, note="再次").status_code in (302, 422)
    assert len(web.sql("SELECT action FROM audit_log WHERE action = 'RESOLVE_DISCREPANCY'")) == 1


def test_guessed_foreign_discrepancy_is_404_for_read_and_resolve(web, records):
    client = web.client("staff_gz")
    url = f"/console/reconciliation/discrepancies/{records.discrepancy_fs}"
    assert client.get(url).status_code == 404
    own = f"/console/reconciliation/discrepancies/{records.discrepancy_gz}"
    assert web.post(client, url, own, note="越权").status_code == 404
    assert web.sql("SELECT state FROM recon_discrepancy WHERE id = :i",
                   i=records.discrepancy_fs)[0][0] == "OPEN"
    assert web.client("staff_fs").get(url).status_code == 200
    assert web.client("unit_demo").get(url).status_code == 403


def test_export_is_masked_scoped_and_audited(web, records):
    client = web.client("staff_gz")
    response = client.get("/console/reconciliation/discrepancies.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "差异编号" and [r[0] for r in rows[1:]] == [records.discrepancy_gz]
    acct = web.sql("SELECT a.pay_acct FROM debit d JOIN agreement a ON a.id = d.agreement_id "
                   "WHERE d.id = :d", d=records.debit_gz)[0][0]
    assert acct not in str(rows) and "*" in rows[1][6]
    assert web.sql("SELECT count(*) FROM audit_log WHERE action = 'EXPORT_RECONCILIATION'")[0][0] == 1


def test_fund_reports_show_violations_within_the_office_treasuries(web, records):
    # 广州 (staff_gz's city: its route is inherited) and 佛山 (another city's treasury)
    gz_treasury, other = "4401000000", "4406000000"
    _fund_line(web, gz_treasury, "44010000002700019", balanced=False)
    _fund_line(web, other, "44060000002700018", balanced=True)
    page = web.client("staff_gz").get("/console/reconciliation/fund").text
    assert 'data-balanced="no"' in page and "不平衡" in page
    assert "44010000002700019" not in page  # masked
    assert other not in page and 'data-balanced="yes"' not in page
    csv = web.client("staff_gz").get("/console/reconciliation/fund.csv?broken=1").data.decode()
    assert "不平衡" in csv and "44010000002700019" not in csv


def test_runs_page_lists_the_office_packages(web, records):
    org = web.sql("SELECT tax_org_code FROM debit WHERE id = :d", d=records.debit_gz)[0][0]
    web.sql("INSERT INTO recon_package (tax_org_code, chk_date, pack_no, child_pack_num, all_num, "
            "all_amt, state, items, settled_items, settled_levies, discrepancies, runs, "
            "reconciled_by) VALUES (:o, '2026-11-16', '00000001', 1, 3, 30000, 'RECONCILED', 3, 2,"
            " 5, 1, 1, 'system')", o=org)
    client = web.client("staff_gz")
    page = client.get("/console/reconciliation").text
    assert "已对账" in page and "00000001" in page
    assert "00000001" not in web.client("staff_fs").get("/console/reconciliation").text
    assert client.get("/console/reconciliation/runs.xlsx").status_code == 200
