"""The audit log: written in the same transaction as the action (a failed action leaves no row,
a successful one always has one), chained by hash so `etsgw audit verify` finds an edited or
deleted row, and read only by the auditor; the three administrators keep to their own parts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gateway.persistence import audit_log
from tests.integration.web.helpers import make_records


def _pending_agreement(web) -> int:
    agreement = make_records(web).agreement_gz
    web.sql("UPDATE agreement SET state = 'PENDING' WHERE id = :a", a=agreement)
    return agreement


def test_successful_action_has_exactly_one_audit_row_with_before_and_after(web):
    agreement = _pending_agreement(web)
    client = web.client("staff_gz")
    outbox = web.sql("SELECT count(*) FROM outbox")[0][0]
    response = web.post(client, f"/console/agreements/{agreement}/verify", "/console/")
    assert response.status_code == 302
    rows = web.sql("SELECT actor, actor_role, action, target, address, before, after, tax_org_code "
                   "FROM audit_log")
    assert len(rows) == 1
    actor, role, action, target, address, before, after, org = rows[0]
    assert (actor, role, action, target) == ("staff_gz", "COLLECTOR", "VERIFY_AGREEMENT",
                                             f"agreement:{agreement}")
    assert address == "127.0.0.1" and org == "14401060000"
    assert json.loads(before) == {"state": "PENDING"}
    assert web.sql("SELECT count(*) FROM outbox")[0][0] == outbox + 1  # the 9114 went out


def test_failed_action_leaves_no_audit_row(web):
    agreement = make_records(web).agreement_gz  # ACTIVE: verifying it again breaks a rule
    client = web.client("staff_gz")
    outbox = web.sql("SELECT count(*) FROM outbox")[0][0]
    response = web.post(client, f"/console/agreements/{agreement}/verify", "/console/")
    assert response.status_code == 302
    assert "当前状态不允许此操作" in client.get(f"/console/agreements/{agreement}").text
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0
    assert web.sql("SELECT count(*) FROM outbox")[0][0] == outbox


def test_when_the_audit_row_cannot_be_written_the_action_is_undone(web, monkeypatch):
    agreement = _pending_agreement(web)
    client = web.client("staff_gz")
    token_page = client.get("/console/").text
    outbox = web.sql("SELECT count(*) FROM outbox")[0][0]

    def broken(*_a, **_k):
        raise RuntimeError("audit store unavailable")
    monkeypatch.setattr(audit_log, "append", broken)
    from tests.integration.web.helpers import csrf_token
    response = client.post(f"/console/agreements/{agreement}/verify",
                           data={"csrf_token": csrf_token(token_page)})
    assert response.status_code == 500
    assert "Traceback" not in response.text and "audit store unavailable" not in response.text
    # Same transaction: the command's changes and its 9114 were rolled back with the audit row.
    assert web.sql("SELECT count(*) FROM outbox")[0][0] == outbox
    assert web.sql("SELECT count(*) FROM verification")[0][0] == 0
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0


def test_reversal_is_audited_and_a_refused_one_is_not(web):
    records = make_records(web)
    client = web.client("staff_gz")
    # SENT (no answer yet) cannot be reversed: refused next to the field, nothing recorded.
    refused = web.post(client, f"/console/debits/{records.debit_gz}/reverse", "/console/",
                       reason="误扣")
    assert refused.status_code == 422 and 'data-testid="error-reason"' in refused.text
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0
    web.sql("UPDATE debit SET state = 'SUCCEEDED' WHERE id = :d", d=records.debit_gz)
    done = web.post(client, f"/console/debits/{records.debit_gz}/reverse", "/console/",
                    reason="误扣")
    assert done.status_code == 302
    (before, after), = web.sql("SELECT before, after FROM audit_log WHERE action = 'REVERSE_DEBIT'")
    assert json.loads(before) == {"state": "SUCCEEDED"} and json.loads(after)["reason"] == "误扣"


def _audit_rows(web, n: int) -> None:
    client = web.client("sysadmin")
    for i in range(n):
        response = web.post(client, "/admin/accounts", "/admin/accounts",
                            username=f"clerk{i}", display_name=f"办税员{i}", password="Str0ng-Pass!")
        assert response.status_code == 302


def _verify(web):
    from gateway.cli import cli

    env = {"ETSGW_DATABASE__URL": f"sqlite:///{web.path}"}
    return CliRunner().invoke(cli, ["audit", "verify"], env=env)


def test_audit_verify_passes_on_an_untouched_log(web):
    _audit_rows(web, 3)
    result = _verify(web)
    assert result.exit_code == 0, result.output
    assert "intact: 3 rows" in result.output


@pytest.mark.parametrize("tamper,broken", [
    ("UPDATE audit_log SET actor = 'someone' WHERE seq = 2", 2),
    ("UPDATE audit_log SET after = '{}' WHERE seq = 3", 3),
    ("DELETE FROM audit_log WHERE seq = 2", 2),
    ("DELETE FROM audit_log WHERE seq = 4", 4),  # the newest row: the chain head still names it
])
def test_audit_verify_names_the_first_broken_row(web, tamper, broken):
    _audit_rows(web, 4)
    web.sql(tamper)
    result = _verify(web)
    assert result.exit_code == 1
    assert f"broken at row {broken}:" in result.output


def test_audit_page_filters_and_exports_and_the_export_is_audited(web):
    _audit_rows(web, 2)
    client = web.client("auditor")
    page = client.get("/admin/audit?action=ACCOUNT_CREATE&actor=sysadmin").text
    assert page.count("ACCOUNT_CREATE") >= 2
    none = client.get("/admin/audit?actor=nobody").text
    assert "暂无记录" in none
    csv = client.get("/admin/audit.csv?action=ACCOUNT_CREATE")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("序号,时间,操作人") and text.count("ACCOUNT_CREATE") == 2
    xlsx = client.get("/admin/audit.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert web.sql("SELECT count(*) FROM audit_log WHERE action = 'EXPORT_AUDIT'")[0][0] == 2


# Each administrator's own pages and actions; every other administrator is refused them.
ADMIN_ACTIONS = {
    "sysadmin": [("GET", "/admin/accounts"), ("POST", "/admin/accounts/{user}/disable"),
                 ("POST", "/admin/accounts/{user}/unlock")],
    "secadmin": [("GET", "/admin/roles"), ("POST", "/admin/roles/{user}")],
    "auditor": [("GET", "/admin/audit"), ("GET", "/admin/audit.csv")],
}


@pytest.mark.parametrize("actor", sorted(ADMIN_ACTIONS))
def test_each_administrator_is_refused_the_other_two_parts(web, actor):
    user = web.sql("SELECT id FROM app_user WHERE username = 'staff_fs'")[0][0]
    client = web.client(actor)
    own_home = {"sysadmin": "/admin/accounts", "secadmin": "/admin/roles", "auditor": "/admin/audit"}
    for owner, actions in ADMIN_ACTIONS.items():
        if owner == actor:
            continue
        for method, url in actions:
            url = url.format(user=user)
            if method == "GET":
                response = client.get(url)
            else:
                response = web.post(client, url, own_home[actor], role="OPS")
            assert response.status_code == 403, (actor, url)
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0
    assert web.sql("SELECT role FROM app_user WHERE id = :u", u=user)[0][0] == "STAFF"


def test_security_admin_assigns_a_role_with_scope_and_it_is_audited(web):
    user = web.sql("SELECT id FROM app_user WHERE username = 'staff_fs'")[0][0]
    client = web.client("secadmin")
    response = web.post(client, f"/admin/roles/{user}", "/admin/roles", role="HEAD",
                        tax_org_code="14406040000", payer_id="")
    assert response.status_code == 302
    assert web.sql("SELECT role, tax_org_code FROM app_user WHERE id = :u", u=user) == \
        [("HEAD", "14406040000")]
    (before, after), = web.sql("SELECT before, after FROM audit_log WHERE action = 'ROLE_ASSIGN'")
    assert json.loads(before)["role"] == "STAFF" and json.loads(after)["role"] == "HEAD"
    # An unknown office is refused, and no administrator account can be changed here.
    web.post(client, f"/admin/roles/{user}", "/admin/roles", role="STAFF", tax_org_code="19999999999")
    auditor = web.sql("SELECT id FROM app_user WHERE username = 'auditor'")[0][0]
    web.post(client, f"/admin/roles/{auditor}", "/admin/roles", role="OPS")
    assert web.sql("SELECT role FROM app_user WHERE id = :u", u=auditor)[0][0] == "AUDITOR"
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 1


def test_a_non_numeric_payer_id_is_refused_with_a_message_not_a_server_error(web):
    user = web.sql("SELECT id FROM app_user WHERE username = 'staff_fs'")[0][0]
    client = web.client("secadmin")
    response = web.post(client, f"/admin/roles/{user}", "/admin/roles", role="UNIT", payer_id="abc")
    assert response.status_code == 302
    assert "缴费人编号必须是数字" in client.get("/admin/roles").get_data(as_text=True)
    assert web.sql("SELECT role FROM app_user WHERE id = :u", u=user)[0][0] == "STAFF"
    assert web.sql("SELECT count(*) FROM audit_log")[0][0] == 0


def test_system_admin_creates_disables_and_unlocks_accounts(web):
    client = web.client("sysadmin")
    weak = web.post(client, "/admin/accounts", "/admin/accounts", username="newbie",
                    display_name="新人", password="short")
    assert weak.status_code == 422 and "密码至少 10 位" in weak.text
    web.post(client, "/admin/accounts", "/admin/accounts", username="newbie",
             display_name="新人", password="Str0ng-Pass!")
    newbie = web.sql("SELECT id, role FROM app_user WHERE username = 'newbie'")[0]
    assert newbie[1] == "NONE"
    fresh = web.client()
    web.login(fresh, "newbie", "Str0ng-Pass!")
    assert "尚未分配角色" in fresh.get("/no-role").text
    web.post(client, f"/admin/accounts/{newbie[0]}/disable", "/admin/accounts")
    assert "已停用" in web.login(web.client(), "newbie", "Str0ng-Pass!").text
    assert fresh.get("/no-role").status_code == 302  # disabling ended the open session too
    actions = [r[0] for r in web.sql("SELECT action FROM audit_log ORDER BY seq")]
    assert actions == ["ACCOUNT_CREATE", "ACCOUNT_DISABLE"]
