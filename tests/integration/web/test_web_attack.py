"""The short form of ``bench/web_attack.py`` over the demo data: every route of the url_map
(found at run time) attacked as a few logins; nothing gets through. And the holes the run found,
each pinned by a test of its own."""

from __future__ import annotations

from tests.integration.web.helpers import PASSWORD, csrf_token
from tests.support import web_attack

USERS = ["unit_demo", "staff_gz", "secadmin", "sysadmin"]


def test_nothing_gets_through(web):
    run = web_attack.AttackRun(web.app, PASSWORD, USERS, lockout_users=("staff_fs", "person_demo"),
                               sql=web_attack.sql_runner(web.app), foreign_limit=1)
    tally = run.run(web.app.extensions["etsgw"].settings.web.lockout_failures)
    print("\n".join(web_attack.report(tally)))
    assert not tally.holes, "\n".join(tally.holes[:30])
    for kind in ("anonymous", "foreign_id", "csrf", "markup", "sql", "upload", "lockout"):
        assert tally.tried[kind] > 0, f"no {kind} attack was tried: the run found nothing to attack"
    assert tally.escaped > 0, "no injected markup was shown on any page: the crawl checked nothing"


def test_a_payer_id_that_is_not_a_number_is_a_form_error_not_a_server_error(web):
    """Regression: the role form's own check raised a plain ValueError, which WTForms 3 lets
    through: a 500 instead of the form's message."""
    client = web.client("secadmin")
    target = web.sql("SELECT id FROM app_user WHERE username = 'person_demo'")[0][0]
    token = csrf_token(client.get("/admin/roles").text)
    r = client.post(f"/admin/roles/{target}", data={"csrf_token": token, "role": "TAXPAYER",
                                                     "tax_org_code": "", "payer_id": "1 OR 1=1"})
    assert r.status_code == 302
    assert "缴费人编号必须是数字" in client.get("/admin/roles").text
