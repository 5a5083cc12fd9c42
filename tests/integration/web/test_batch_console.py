"""The staff's batch-deduction pages over HTTP: select with a preview that keeps nothing, create
the 待批扣清册, launch it as 1102 packages (one audit row per package), see packages and items,
stop and query, void a payer's entries, the refund-case steps and their export, the notices and
in-doubt lists; every export masked and audited."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from tests.integration.web.helpers import Web

GZ = "14401060000"  # staff_gz's office (天河区)


def count(web: Web, table: str, where: str = "1=1", **params) -> int:
    return web.sql(f"SELECT count(*) FROM {table} WHERE {where}", **params)[0][0]


def create_list(web: Web, client, office: str = GZ) -> int:
    response = web.post(client, "/console/batch/select", "/console/batch/select", office=office,
                        subordinates="y", create="1")
    assert response.status_code == 302, response.text[:500]
    return int(re.search(r"/console/batch/lists/(\d+)", response.headers["Location"]).group(1))


def launch(web: Web, client, list_id: int):
    return web.post(client, f"/console/batch/lists/{list_id}/launch",
                    f"/console/batch/lists/{list_id}")


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [tuple(r) for r in book.active.iter_rows(values_only=True)]


@pytest.fixture
def staff(web):
    return web.client("staff_gz")


def test_preview_shows_counts_per_bank_and_office_and_keeps_nothing(web, staff):
    page = staff.get("/console/batch/select")
    assert page.status_code == 200 and "批量扣款选取" in page.text
    # the office choices are staff_gz's subtree only
    assert f'value="{GZ}"' in page.text and 'value="14406040000"' not in page.text
    response = web.post(staff, "/console/batch/select", "/console/batch/select", office=GZ,
                        subordinates="y", preview="1")
    assert response.status_code == 200
    expected = web.sql("SELECT a.pay_bk_code, count(*) FROM levy l JOIN agreement a ON "
                       "a.payer_id = l.payer_id WHERE l.state = 'UNPAID' AND l.tax_org_code "
                       "LIKE '1440106%' GROUP BY a.pay_bk_code ORDER BY a.pay_bk_code")
    assert expected, "the demo data has levies to select in 天河区"
    for bank, _n in expected:
        assert bank in response.text
        name = web.sql("SELECT min(bank_name) FROM bank WHERE clearing_code = :c", c=bank)[0][0]
        assert name is None or name in response.text  # the clearing bank's name beside its code
    levies = re.search(r'data-testid="total-levies">(\d+)<', response.text).group(1)
    assert int(levies) == sum(n for _b, n in expected)
    assert count(web, "batch_list") == 0 and count(web, "batch_list_entry") == 0
    assert count(web, "audit_log") == 0


def test_create_launch_and_see_packages_items_and_audit(web, staff):
    list_id = create_list(web, staff)
    entries = count(web, "batch_list_entry", "list_id = :l", l=list_id)
    assert entries > 0
    page = staff.get(f"/console/batch/lists/{list_id}")
    assert page.status_code == 200 and f"待批扣清册 {list_id}" in page.text
    assert 'data-testid="realtime-unavailable"' in page.text or 'data-testid="launch-realtime"' in page.text
    response = launch(web, staff, list_id)
    assert response.status_code == 302 and f"list={list_id}" in response.headers["Location"]
    packages = web.sql("SELECT id, pay_bk_code, item_count FROM package WHERE list_id = :l ORDER BY id",
                       l=list_id)
    banks = {r[0] for r in web.sql("SELECT DISTINCT pay_bk_code FROM batch_list_entry WHERE list_id = :l",
                                   l=list_id)}
    assert {p[1] for p in packages} == banks  # one package per bank and office here
    assert count(web, "outbox", "msg_no = '1102'") == len(packages)
    audit = web.sql("SELECT action, target, actor FROM audit_log ORDER BY seq")
    assert audit[0] == ("CREATE_BATCH_LIST", "batch_list:new", "staff_gz")
    assert [a for a in audit if a[0] == "LAUNCH_BATCH_PACKAGE"] == \
        [("LAUNCH_BATCH_PACKAGE", f"batch_list:{list_id}", "staff_gz")] * len(packages)
    assert count(web, "batch_list_entry", "list_id = :l AND state = 'IN_PACKAGE'", l=list_id) == entries
    # a second launch finds nothing left and sends nothing
    launch(web, staff, list_id)
    assert count(web, "outbox", "msg_no = '1102'") == len(packages)
    listing = staff.get(f"/console/batch/packages?list={list_id}").text
    assert all(f"/console/batch/packages/{p[0]}" in listing for p in packages)
    pkg_id = packages[0][0]
    detail = staff.get(f"/console/batch/packages/{pkg_id}").text
    assert "已发送" in detail and 'data-testid="stop-package"' in detail
    acct = web.sql("SELECT a.pay_acct FROM debit d JOIN agreement a ON a.id = d.agreement_id "
                   "WHERE d.package_id = :p", p=pkg_id)[0][0]
    assert acct not in detail and acct[:4] in detail and acct[-4:] in detail


def test_items_export_is_masked_audited_and_matches_the_package(web, staff):
    list_id = create_list(web, staff)
    launch(web, staff, list_id)
    pkg_id, n = web.sql("SELECT id, item_count FROM package ORDER BY id")[0]
    rows = xlsx_rows(staff.get(f"/console/batch/packages/{pkg_id}/items.xlsx"))
    assert rows[0][:3] == ("流水号", "凭证号", "缴费人") and len(rows) == n + 1
    items = web.sql("SELECT d.tra_no, a.pay_acct, d.amount FROM debit d JOIN agreement a ON "
                    "a.id = d.agreement_id WHERE d.package_id = :p ORDER BY d.tra_no", p=pkg_id)
    for row, (tra_no, acct, _fen) in zip(rows[1:], items, strict=True):
        assert row[0] == tra_no and row[4] != acct and row[4].startswith(acct[:4])
        assert row[6] == "已发送"
    assert web.sql("SELECT action, target FROM audit_log WHERE action = 'EXPORT_PACKAGE_ITEMS'") == \
        [("EXPORT_PACKAGE_ITEMS", f"package:{pkg_id}")]
    entries = xlsx_rows(staff.get(f"/console/batch/lists/{list_id}/entries.xlsx"))
    assert len(entries) == 1 + count(web, "batch_list_entry", "list_id = :l", l=list_id)
    assert staff.get(f"/console/batch/lists/{list_id}/entries.pdf").status_code == 404
    assert count(web, "audit_log", "action = 'EXPORT_BATCH_LIST'") == 1  # the 404 left none


def test_entries_are_paginated_and_searchable_on_the_server(web, staff):
    list_id = create_list(web, staff)
    name, code = web.sql("SELECT p.name, p.tax_pay_code FROM batch_list_entry e JOIN payer p ON "
                         "p.id = e.payer_id WHERE e.list_id = :l ORDER BY e.id LIMIT 1", l=list_id)[0]
    others = web.sql("SELECT DISTINCT p.name FROM batch_list_entry e JOIN payer p ON p.id = e.payer_id "
                     "WHERE e.list_id = :l AND p.name != :n", l=list_id, n=name)
    page = staff.get(f"/console/batch/lists/{list_id}", query_string={"q": name}).text
    assert name in page and all(o[0] not in page for o in others)
    mine = count(web, "batch_list_entry e JOIN payer p ON p.id = e.payer_id",
                 "e.list_id = :l AND p.name = :n", l=list_id, n=name)
    assert f"共 {mine} 条" in page
    page2 = staff.get(f"/console/batch/lists/{list_id}", query_string={"page": 99}).text
    assert "暂无条目" in page2


def test_void_a_payers_entries_says_what_stays_pending(web, staff):
    list_id = create_list(web, staff)
    payer = web.sql("SELECT payer_id FROM batch_list_entry WHERE list_id = :l LIMIT 1", l=list_id)[0][0]
    n = count(web, "batch_list_entry", "list_id = :l AND payer_id = :p", l=list_id, p=payer)
    web.post(staff, f"/console/batch/lists/{list_id}/void", f"/console/batch/lists/{list_id}",
             payer_id="abc", reason="x")
    assert "缴费人编号必须是数字" in staff.get(f"/console/batch/lists/{list_id}").text
    assert count(web, "batch_list_entry", "state = 'VOIDED'") == 0
    response = web.post(staff, f"/console/batch/lists/{list_id}/void",
                        f"/console/batch/lists/{list_id}", payer_id=str(payer), reason="单位新申报")
    assert response.status_code == 302
    assert count(web, "batch_list_entry", "payer_id = :p AND state = 'VOIDED'", p=payer) == n
    page = staff.get(f"/console/batch/lists/{list_id}").text
    assert f"已作废待批扣清册中 {n} 条应征" in page
    assert web.sql("SELECT action, target FROM audit_log WHERE action = 'VOID_PENDING_ENTRIES'") == \
        [("VOID_PENDING_ENTRIES", f"payer:{payer}")]


def test_stop_and_query_send_their_messages_and_are_audited(web, staff):
    list_id = create_list(web, staff)
    launch(web, staff, list_id)
    pkg_id = web.sql("SELECT id FROM package ORDER BY id")[0][0]
    page = f"/console/batch/packages/{pkg_id}"
    assert web.post(staff, f"{page}/query", page).status_code == 302
    assert count(web, "outbox", "msg_no = '9003'") == 1
    tra_no = web.sql("SELECT tra_no FROM debit WHERE package_id = :p ORDER BY tra_no", p=pkg_id)[0][0]
    assert web.post(staff, f"{page}/stop", page, reason="单位申请止付", tra_no=tra_no).status_code == 302
    assert web.post(staff, f"{page}/stop", page, reason="整包止付").status_code == 302
    assert count(web, "outbox", "msg_no = '1123'") == 2
    assert web.sql("SELECT action, target FROM audit_log WHERE action IN ('QUERY_PACKAGE', "
                   "'STOP_ITEM', 'STOP_PACKAGE') ORDER BY seq") == [
        ("QUERY_PACKAGE", f"package:{pkg_id}"), ("STOP_ITEM", f"package:{pkg_id}/{tra_no}"),
        ("STOP_PACKAGE", f"package:{pkg_id}")]
    # levies stay locked until the 2123 says stopped
    assert count(web, "levy", "state = 'LOCKED'") > 0
    detail = staff.get(page).text
    assert "止付申请" in detail and "单位申请止付" in detail
    # a stop with an unknown TraNo is refused and changes nothing
    audit = count(web, "audit_log")
    web.post(staff, f"{page}/stop", page, reason="测试", tra_no="99999999")
    assert count(web, "outbox", "msg_no = '1123'") == 2 and count(web, "audit_log") == audit
    assert "该批量包中没有此流水号" in staff.get(page).text


def test_realtime_launch_is_guarded_when_the_driver_is_missing(web, staff, monkeypatch):
    from webapp.services import console_batches as cb

    monkeypatch.setattr(cb, "realtime_command", lambda: None)
    list_id = create_list(web, staff)
    page = staff.get(f"/console/batch/lists/{list_id}").text
    assert "实时批量扣款功能尚未启用" in page
    audit, outbox = count(web, "audit_log"), count(web, "outbox")
    response = web.post(staff, f"/console/batch/lists/{list_id}/realtime",
                        f"/console/batch/lists/{list_id}")
    assert response.status_code == 302
    assert "实时批量扣款功能尚未启用，请使用批量包" in staff.get(f"/console/batch/lists/{list_id}").text
    assert count(web, "audit_log") == audit and count(web, "outbox") == outbox


def _refund_case(web: Web, office_like: str = "1440106%", nth: int = 0) -> int:
    """A FLAGGED case for the ``nth`` levy of the offices (as a late 2102 would open it)."""
    levy = web.sql("SELECT id, tax_org_code, amount FROM levy WHERE tax_org_code LIKE :o ORDER BY id "
                   "LIMIT 1 OFFSET :n", o=office_like, n=nth)[0]
    web.sql("INSERT INTO refund_case (levy_id, tax_org_code, payment, debit_key, paid_by, amount, "
            "state, note, updated_by, created_at, updated_at) VALUES (:l, :o, 'BATCH_ITEM:1', "
            "'14401060000/20261116/00000001', 'DEBIT:2', :a, 'FLAGGED', '', '', "
            "'2026-11-16 10:00:00', NULL)", l=levy[0], o=levy[1], a=levy[2])
    return web.sql("SELECT max(id) FROM refund_case")[0][0]


def test_refund_case_steps_each_audited_and_the_verification_export(web, staff):
    case = _refund_case(web)
    other = _refund_case(web, nth=1)
    page = staff.get("/console/batch/refunds").text
    assert "待确认" in page and f'data-testid="refund-confirm-{case}"' in page
    url = f"/console/batch/refunds/{case}"
    # "export" moves cases only through the verification export; an unknown step is 404
    for step in ("export", "delete"):
        assert web.post(staff, f"{url}/{step}", "/console/batch/refunds").status_code == 404
    assert web.sql("SELECT state FROM refund_case WHERE id = :i", i=case)[0][0] == "FLAGGED"
    assert web.post(staff, f"{url}/confirm", "/console/batch/refunds").status_code == 302
    assert web.sql("SELECT state FROM refund_case WHERE id = :i", i=case)[0][0] == "CONFIRMED"
    # a reject needs its reason: refused, nothing changes
    web.post(staff, f"/console/batch/refunds/{other}/reject", "/console/batch/refunds", note="")
    assert web.sql("SELECT state FROM refund_case WHERE id = :i", i=other)[0][0] == "FLAGGED"
    assert "驳回退费须说明原因" in staff.get("/console/batch/refunds").text
    rows = xlsx_rows(web.post(staff, "/console/batch/refunds/verification.xlsx",
                              "/console/batch/refunds"))
    assert [r[0] for r in rows[1:]] == [case] and rows[1][10] == "已导出待社保核实"
    code = web.sql("SELECT p.tax_pay_code, p.kind FROM refund_case r JOIN levy l ON l.id = r.levy_id "
                   "JOIN payer p ON p.id = l.payer_id WHERE r.id = :i", i=case)[0]
    assert rows[1][2] == code[0] or code[1] != "UNIT"  # a unit's credit code is public
    assert web.sql("SELECT state FROM refund_case WHERE id = :i", i=case)[0][0] == "EXPORTED"
    web.post(staff, f"{url}/refunded", "/console/batch/refunds", note="社保已核实")
    web.post(staff, f"/console/batch/refunds/{other}/reject", "/console/batch/refunds", note="非重复")
    assert web.sql("SELECT id, state FROM refund_case ORDER BY id") == [(case, "REFUNDED"),
                                                                        (other, "REJECTED")]
    assert web.sql("SELECT action, target FROM audit_log WHERE action LIKE 'REFUND_%' ORDER BY seq") == [
        ("REFUND_CONFIRM", f"refund:{case}"), ("REFUND_EXPORT", f"refund:{case}"),
        ("REFUND_REFUNDED", f"refund:{case}"), ("REFUND_REJECT", f"refund:{other}")]
    listing = xlsx_rows(staff.get("/console/batch/refunds.xlsx"))
    assert len(listing) == 3 and listing[0][0] == "退费编号"


def test_notices_and_in_doubt_lists_mask_and_export(web, staff):
    person = web.sql("SELECT id, tax_pay_code, tax_org_code FROM payer WHERE kind = 'FLEXIBLE' AND "
                     "tax_org_code LIKE '1440106%' ORDER BY id LIMIT 1")
    if not person:
        pytest.skip("the demo data has no flexible-employment payer in 天河区")
    pid, code, org = person[0]
    web.sql("INSERT INTO notification (payer_id, tax_org_code, channel, ref, text, state, error, "
            "created_at) VALUES (:p, :o, 'SMS', 'ITEM_FAILED:1', '【社保费】扣款未成功', "
            "'PENDING', '', '2026-11-16 10:00:00')", p=pid, o=org)
    page = staff.get("/console/batch/notices").text
    assert "扣款未成功" in page and code not in page and code[:6] in page
    rows = xlsx_rows(staff.get("/console/batch/notices.xlsx"))
    assert len(rows) == 2 and rows[1][2] != code and rows[1][4] == "待发送"
    assert staff.get("/console/batch/in-doubt").status_code == 200
    assert xlsx_rows(staff.get("/console/batch/in-doubt.xlsx"))[0][0] == "业务编号"
    assert count(web, "audit_log", "action IN ('EXPORT_NOTICES', 'EXPORT_IN_DOUBT')") == 2


def test_realtime_launch_calls_the_driver_with_the_list_and_is_audited(web, staff, monkeypatch):
    """With a driver installed (a stand-in for LaunchRealtimeBatch here), the button hands it
    the list, the operator and the in-flight bound, and the launch is audited."""
    from dataclasses import dataclass

    from webapp.services import console_batches as cb

    @dataclass(frozen=True)
    class LaunchRealtimeBatch:
        list_id: int
        operator: str
        max_in_flight: int | None = None

    calls = []
    bus = web.app.extensions["etsgw"].app.bus
    monkeypatch.setitem(bus.handlers, LaunchRealtimeBatch,
                        lambda cmd, uow, ctx: calls.append(cmd) or {"debits": 0})
    monkeypatch.setattr(cb, "realtime_command", lambda: LaunchRealtimeBatch)
    list_id = create_list(web, staff)
    assert 'data-testid="launch-realtime"' in staff.get(f"/console/batch/lists/{list_id}").text
    response = web.post(staff, f"/console/batch/lists/{list_id}/realtime",
                        f"/console/batch/lists/{list_id}", max_in_flight="20")
    assert response.status_code == 302
    assert calls == [LaunchRealtimeBatch(list_id, "staff_gz", 20)]
    assert web.sql("SELECT action, target FROM audit_log WHERE action = 'LAUNCH_REALTIME_BATCH'") == \
        [("LAUNCH_REALTIME_BATCH", f"batch_list:{list_id}")]
    assert "实时批量扣款已启动" in staff.get(f"/console/batch/lists/{list_id}").text


def test_in_doubt_batch_items_are_queried_by_their_package_single_debits_on_their_page(web, staff):
    from tests.integration.web.helpers import make_records

    single = make_records(web).debit_gz
    list_id = create_list(web, staff)
    launch(web, staff, list_id)
    item, pkg_id = web.sql("SELECT id, package_id FROM debit WHERE kind = 'BATCH_ITEM' ORDER BY id")[0]
    web.sql("UPDATE debit SET state = 'IN_DOUBT' WHERE id IN (:a, :b)", a=item, b=single)
    page = staff.get("/console/batch/in-doubt").text
    assert f'data-testid="query-package-{pkg_id}"' in page
    assert f'href="/console/debits/{single}"' in page and "查询 / 冲正" in page
    queries = count(web, "outbox", "msg_no = '9003'")
    assert web.post(staff, f"/console/batch/packages/{pkg_id}/query",
                    "/console/batch/in-doubt").status_code == 302
    assert count(web, "outbox", "msg_no = '9003'") == queries + 1
    assert "共 2 条" in page
