"""The reference-parameter pages over HTTP (real SQLite copy of the demo data, clock 2026-11-16):
only office heads and the security administrator reach them; an office head sees only the city
of their office (404 for another's); maker-checker refuses the maker's own approval; a value in
force is refused with the domain's message next to the field; a workbook with bad rows shows
every error and imports nothing; every change leaves its audit row, a refused one none."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gateway.domain.reference import ParameterKey, ParameterKind, ParameterVersion
from gateway.excel.parameter_workbook import read_workbook, write_workbook

CEILING_GZ = {"kind": "BASE_CEILING", "city": "4401", "payer_kind": "UNIT"}
CEILING_FS = {"kind": "BASE_CEILING", "city": "4406", "payer_kind": "UNIT"}
HISTORY = "/reference/history"


def _qs(args: dict) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in args.items())


def _version_id(web, city: str, valid_from: str) -> int:
    return web.sql("SELECT id FROM parameter_version WHERE kind='BASE_CEILING' AND city_code=:c "
                   "AND payer_kind='UNIT' AND valid_from=:f", c=city, f=valid_from)[0][0]


def _audits(web, action: str) -> int:
    return web.sql("SELECT count(*) FROM audit_log WHERE action = :a", a=action)[0][0]


def _count(web, table: str) -> int:
    return web.sql(f"SELECT count(*) FROM {table}")[0][0]


def _schedule(web, client, args=CEILING_GZ, **data):
    form = {"valid_from": "2027-01-01", "valid_to": "2027-06-30", "value": "27000.00",
            "reason": "粤人社发〔2026〕1号", **data}
    return web.post(client, HISTORY + _qs(args), HISTORY + _qs(args), **form)


@pytest.mark.parametrize("username", ["staff_gz", "unit_demo", "ops", "auditor", "sysadmin"])
def test_other_roles_are_refused_every_reference_page(web, username):
    client = web.client(username)
    proposals = _count(web, "parameter_proposal")  # the demo data's own imports
    for url in ("/reference/", HISTORY + _qs(CEILING_GZ), "/reference/proposals",
                "/reference/import", "/reference/banks", "/reference/export?year=2026"):
        assert client.get(url).status_code == 403, url
    # A post needs a CSRF token from a page the role may see: its own home.
    response = client.post(HISTORY + _qs(CEILING_GZ), data={"value": "1"})
    assert response.status_code in (400, 403)
    assert _count(web, "parameter_proposal") == proposals


@pytest.mark.parametrize("username", ["head_gz", "secadmin"])
def test_heads_and_the_security_administrator_see_the_parameters(web, username):
    client = web.client(username)
    page = client.get("/reference/?city=4401&kind=BASE_CEILING")
    assert page.status_code == 200
    assert "4401 缴费基数上限 单位" in page.text and "26421.00" in page.text
    assert "社保参数" in client.get("/console/" if username == "head_gz" else "/admin/roles").text


def test_an_office_head_gets_404_for_another_city(web):
    secadmin, head = web.client("secadmin"), web.client("head_gz")
    assert _schedule(web, secadmin, CEILING_FS).status_code == 302
    proposal_fs = web.sql("SELECT max(id) FROM parameter_proposal")[0][0]
    audit_before = _count(web, "audit_log")
    fs_version = _version_id(web, "4406", "2026-07-01")
    fs_bank = web.sql("SELECT code FROM bank WHERE city_code='4406' LIMIT 1")[0][0]
    for url in (HISTORY + _qs(CEILING_FS), f"/reference/versions/{fs_version}/correct",
                f"/reference/proposals/{proposal_fs}", f"/reference/banks/{fs_bank}"):
        assert head.get(url).status_code == 404, url
    assert web.post(head, f"/reference/proposals/{proposal_fs}/approve",
                    "/reference/proposals").status_code == 404
    assert _schedule(web, head, CEILING_FS).status_code == 404
    # Not listed either, and nothing was done or recorded.
    assert f"/reference/proposals/{proposal_fs}" not in head.get("/reference/proposals").text
    assert "4406" not in head.get("/reference/").text.split("<tbody>")[1]
    assert _count(web, "audit_log") == audit_before
    assert web.sql("SELECT state FROM parameter_proposal WHERE id=:i", i=proposal_fs)[0][0] == "PENDING"
    # The security administrator sees both cities.
    assert secadmin.get(f"/reference/proposals/{proposal_fs}").status_code == 200


def test_maker_checker_refuses_the_maker_and_a_second_person_approves(web):
    head, secadmin = web.client("head_gz"), web.client("secadmin")
    response = _schedule(web, head)
    assert response.status_code == 302
    proposal_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _audits(web, "REFERENCE_PROPOSE") == 1
    page = head.get(f"/reference/proposals/{proposal_id}").text
    assert "待审核" in page and 'data-testid="preview"' in page

    refused = web.post(head, f"/reference/proposals/{proposal_id}/approve",
                       f"/reference/proposals/{proposal_id}")
    assert refused.status_code == 409
    assert f"变更申请 {proposal_id} 由 head_gz 提出，须由另一人审核批准" in refused.text
    assert web.sql("SELECT state FROM parameter_proposal WHERE id=:i", i=proposal_id)[0][0] == "PENDING"
    assert _audits(web, "REFERENCE_APPROVE") == 0  # a refused action leaves no audit row

    approved = web.post(secadmin, f"/reference/proposals/{proposal_id}/approve",
                        f"/reference/proposals/{proposal_id}", note="同意")
    assert approved.status_code == 302
    assert web.sql("SELECT state, checker FROM parameter_proposal WHERE id=:i",
                   i=proposal_id)[0] == ("APPROVED", "secadmin")
    audit = web.sql("SELECT actor, target, after FROM audit_log WHERE action='REFERENCE_APPROVE'")
    assert audit[0][0] == "secadmin" and audit[0][1] == f"proposal:{proposal_id}"
    assert '"APPROVED"' in audit[0][2]
    history = head.get(HISTORY + _qs(CEILING_GZ) + "&on=2026-12-31").text
    assert re.search(r"2026-07-01</td>\s*<td[^>]*>2026-12-31</td>\s*<td[^>]*>26421.00", history)
    assert re.search(r"2027-01-01</td>\s*<td[^>]*>2027-06-30</td>\s*<td[^>]*>27000.00", history)
    assert "2026-12-31 生效值：26421.00" in history
    assert "2027-01-01 生效值：27000.00" in head.get(HISTORY + _qs(CEILING_GZ) + "&on=2027-01-01").text


def test_a_value_in_force_is_refused_next_to_the_field(web):
    head = web.client("head_gz")
    proposals = _count(web, "parameter_proposal")
    # A version in force that no levy names (a named one is refused as used, before this rule).
    in_force, valid_from = web.sql(
        "SELECT id, valid_from FROM parameter_version WHERE city_code='4401' "
        "AND valid_from <= '2026-11-16' AND (valid_to IS NULL OR valid_to >= '2026-11-16') "
        "AND id NOT IN (SELECT version_id FROM parameter_basis_version) ORDER BY id LIMIT 1")[0]
    url = f"/reference/versions/{in_force}/correct"
    response = web.post(head, url, url, valid_from="2027-01-01", valid_to="2027-06-30",
                        value="30000.00", reason="更正")
    assert response.status_code == 422
    error = re.search(r'data-testid="error-valid_from">([^<]+)<', response.text)
    assert error and f"已于 {valid_from} 生效，不能修改，只能自未来某日起以新值取代" in error.group(1)
    used = _version_id(web, "4401", "2026-07-01")  # the ceiling the unpaid levies were computed with
    url = f"/reference/versions/{used}/correct"
    response = web.post(head, url, url, valid_from="2027-01-01", valid_to="2027-06-30",
                        value="30000.00", reason="更正")
    assert response.status_code == 422 and "已被应征引用，不能更正或撤销" in response.text
    past = _schedule(web, head, valid_from="2026-11-01")
    assert past.status_code == 422
    assert "新值只能自未来日期起生效" in re.search(r'data-testid="error-valid_from">([^<]+)<',
                                                 past.text).group(1)
    bad_value = _schedule(web, head, value="abc")
    assert 'data-testid="error-value">数值应为数字' in bad_value.text
    assert _count(web, "parameter_proposal") == proposals
    assert _audits(web, "REFERENCE_PROPOSE") == 0


def test_a_value_not_yet_in_force_is_corrected_or_withdrawn_through_a_proposal(web):
    head, secadmin = web.client("head_gz"), web.client("secadmin")
    first = _schedule(web, head).headers["Location"].rsplit("/", 1)[1]
    web.post(secadmin, f"/reference/proposals/{first}/approve", f"/reference/proposals/{first}")
    future = _version_id(web, "4401", "2027-01-01")
    url = f"/reference/versions/{future}/correct"
    assert 'value="27000.00"' in head.get(url).text
    corrected = web.post(head, url, url, valid_from="2027-01-01", valid_to="2027-06-30",
                         value="27100.00", reason="更正笔误")
    assert corrected.status_code == 302
    second = corrected.headers["Location"].rsplit("/", 1)[1]
    web.post(secadmin, f"/reference/proposals/{second}/approve", f"/reference/proposals/{second}")
    assert web.sql("SELECT value FROM parameter_version WHERE id=:i", i=future)[0][0] == 271000000
    withdrawn = web.post(head, f"/reference/versions/{future}/withdraw", HISTORY + _qs(CEILING_GZ),
                         reason="撤销")
    third = withdrawn.headers["Location"].rsplit("/", 1)[1]
    rejected = web.post(secadmin, f"/reference/proposals/{third}/reject",
                        f"/reference/proposals/{third}", note="")
    assert rejected.status_code == 409 and "驳回须说明理由" in rejected.text
    web.post(secadmin, f"/reference/proposals/{third}/approve", f"/reference/proposals/{third}")
    assert web.sql("SELECT count(*) FROM parameter_version WHERE id=:i", i=future)[0][0] == 0
    assert web.sql("SELECT valid_to FROM parameter_version WHERE id=:i",
                   i=_version_id(web, "4401", "2026-07-01"))[0][0] == "2027-06-30"
    assert _audits(web, "REFERENCE_PROPOSE") == 3 and _audits(web, "REFERENCE_APPROVE") == 3


def _workbook(rows: list[list]) -> bytes:
    out = io.BytesIO()
    good = [ParameterVersion(ParameterKey(ParameterKind.AVERAGE_WAGE, "4401"),
                             __import__("datetime").date(2027, 7, 1), None, Decimal("9000.00"))]
    write_workbook(good, 2027, out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    for row in rows:
        book["社保参数"].append(row)
    final = io.BytesIO()
    book.save(final)
    return final.getvalue()


def _upload(web, client, content: bytes, name: str = "2027.xlsx"):
    from tests.integration.web.helpers import csrf_token

    token = csrf_token(client.get("/reference/import").text)
    return client.post("/reference/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "reason": "年度参数",
                             "file": (io.BytesIO(content), name)})


def test_a_workbook_with_bad_rows_shows_every_error_and_imports_nothing(web):
    secadmin = web.client("secadmin")
    bad = _workbook([
        ["工资", "4401", None, None, None, None, "2027-07-01", None, "1"],
        ["缴费比例", "4401", None, "单位", "PENSION", None, "2027-07-01", None, "1.5"],
        ["社平工资", "4406", None, None, None, None, "2027-13-01", None, "8000"],
        ["最低工资标准", "4401", None, None, None, None, "2027-07-01", None, ""],
    ])
    before = (_count(web, "parameter_proposal"), _count(web, "parameter_version"),
              _count(web, "audit_log"))
    response = _upload(web, secadmin, bad)
    assert response.status_code == 422
    listed = re.search(r'data-testid="import-errors">(.*?)</div>', response.text, re.S).group(1)
    for row, words in ((3, "参数类别“工资”无法识别"), (4, "缴费比例须在0到1之间"),
                       (5, "生效日期“2027-13-01”不是日期"), (6, "数值不能为空")):
        assert f"第{row}行" in listed and words in listed, (row, listed)
    assert "有 4 处错误，未导入任何数据" in listed
    assert (_count(web, "parameter_proposal"), _count(web, "parameter_version"),
            _count(web, "audit_log")) == before
    good = _upload(web, secadmin, _workbook([]))
    assert good.status_code == 302
    assert _count(web, "parameter_proposal") == before[0] + 1
    assert web.sql("SELECT state, maker FROM parameter_proposal ORDER BY id DESC")[0] == \
        ("PENDING", "secadmin")
    assert _audits(web, "REFERENCE_IMPORT") == 1


def test_an_office_head_cannot_import_another_citys_rows(web):
    head = web.client("head_gz")
    proposals = _count(web, "parameter_proposal")
    response = _upload(web, head, _workbook([
        ["社平工资", "4406", None, None, None, None, "2027-07-01", None, "8000"]]))
    assert response.status_code == 422
    assert "第3行: 地市 4406 不在您的管理范围内" in response.text
    assert _count(web, "parameter_proposal") == proposals


def test_export_writes_the_year_that_the_import_reads(web):
    head = web.client("head_gz")
    response = head.get("/reference/export?year=2026")
    assert response.status_code == 200
    parsed = read_workbook(io.BytesIO(response.data))
    assert parsed.errors == [] and parsed.rows
    assert {v.key.city_code for _, v in parsed.rows} == {"4401"}  # the head's city only
    assert any(v.key.kind is ParameterKind.BASE_CEILING and v.value == Decimal("26421.00")
               for _, v in parsed.rows)
    assert _audits(web, "REFERENCE_EXPORT") == 1


def test_bank_branch_editor_saves_audits_and_refuses_bad_input(web):
    head = web.client("head_gz")
    code = web.sql("SELECT code FROM bank WHERE city_code='4401' AND code != clearing_code "
                   "LIMIT 1")[0][0]
    clearing = web.sql("SELECT clearing_code FROM bank WHERE code=:c", c=code)[0][0]
    assert code in head.get("/reference/banks").text
    url = f"/reference/banks/{code}"
    saved = web.post(head, url, url, code=code, name="改名后的支行", bank_name="中国工商银行",
                     clearing_code=clearing, city_code="4401", state="ACTIVE")
    assert saved.status_code == 302
    assert web.sql("SELECT name FROM bank WHERE code=:c", c=code)[0][0] == "改名后的支行"
    assert _audits(web, "BANK_BRANCH_SAVE") == 1
    new = web.post(head, "/reference/banks/new", "/reference/banks/new", code="102581999999",
                   name="新支行", bank_name="中国工商银行", clearing_code="999999999999",
                   city_code="4401", state="ACTIVE")
    assert new.status_code == 422 and "清算行 999999999999 不在网点名录中" in new.text
    other_city = web.post(head, "/reference/banks/new", "/reference/banks/new",
                          code="102588999999", name="新支行", bank_name="中国工商银行",
                          clearing_code=clearing, city_code="4406", state="ACTIVE")
    assert other_city.status_code == 422 and "地市 4406 不在您的管理范围内" in other_city.text
    closed = web.post(head, f"{url}/state", url, state="CLOSED")
    assert closed.status_code == 302
    assert web.sql("SELECT state FROM bank WHERE code=:c", c=code)[0][0] == "CLOSED"
    assert _audits(web, "BANK_BRANCH_SAVE") == 1 and _audits(web, "BANK_BRANCH_STATE") == 1
