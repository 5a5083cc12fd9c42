"""What ops see without SQL: alerts, review items, the error store (show masked, redrive),
payers and agreements; every list with a header row, --json and paging; accounts and ID
numbers masked."""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from gateway.codec.messages import Msg9005, Msg9115, MsgReturn9005, ProveReturn9115
from gateway.persistence import records as rec
from tests.integration.cli.conftest import deliver

ACCT = "6222021234567890123"
PERSON_ID = "44010619900307123X"  # a valid resident ID (check digit X)


def items(out: str) -> list[dict]:
    return json.loads(out)["items"]


def test_alerts_list_page_json_and_ack(app, config, etsgw):
    with app.engine.begin() as conn:
        for i in range(5):
            conn.execute(insert(rec.AlertRecord).values(severity="WARNING", source="t",
                                                    message=f"告警 {i} 账号 {ACCT}"))
    code, out, _ = etsgw("--config", config, "alerts", "--limit", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "CREATED", "SEVERITY", "SOURCE", "ACK",
                                              "MESSAGE"]
    assert [line.split()[0] for line in lines[1:3]] == ["5", "4"] and "--offset 2" in lines[-1]
    assert ACCT not in out and "6222***********0123" in out
    code, out, _ = etsgw("--config", config, "alerts", "list", "--json", "--limit", "2",
                         "--offset", "4")
    page = json.loads(out)
    assert [a["id"] for a in page["items"]] == [1] and page["more"] is False
    assert etsgw("--config", config, "alerts", "ack", "3", "--operator", "ops1")[0] == 0
    code, _, err = etsgw("--config", config, "alerts", "ack", "3")
    assert code == 2 and err.startswith("已拒绝")
    assert [a["id"] for a in items(etsgw("--config", config, "alerts", "--json")[1])] == \
        [5, 4, 2, 1]
    assert len(items(etsgw("--config", config, "alerts", "--all", "--json")[1])) == 5
    with app.engine.connect() as conn:
        (event,) = conn.execute(select(rec.AuditEventRecord)).all()
    assert (event.actor, event.action, event.target) == ("ops1", "ALERT_ACK", "alert:3")


def test_review_list_and_resolve(app, config, etsgw):
    with app.engine.begin() as conn:
        conn.execute(insert(rec.ReviewItemRecord).values(kind="DUPLICATE_PAYMENT", detail=f"退费 {ACCT}",
                                                     tax_org_code="14401060000", ref="k"))
        conn.execute(insert(rec.ReviewItemRecord).values(kind="UNMATCHED_2001", detail="x"))
    code, out, _ = etsgw("--config", config, "review")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ID", "CREATED", "KIND"]
    assert ACCT not in out and "DUPLICATE_PAYMENT" in out
    code, out, _ = etsgw("--config", config, "review", "list", "--kind", "UNMATCHED_2001", "--json")
    assert [r["id"] for r in items(out)] == [2]
    code, out, _ = etsgw("--config", config, "review", "resolve", "1", "--note", "已退费",
                         "--operator", "staff1")
    assert code == 0
    assert [r["id"] for r in items(etsgw("--config", config, "review", "--json")[1])] == [2]
    (done,) = [r for r in items(etsgw("--config", config, "review", "--all", "--json")[1])
               if r["id"] == 1]
    assert done["resolved"] is True and "已退费" in done["detail"] and "staff1" in done["detail"]
    assert etsgw("--config", config, "review", "resolve", "1", "--note", "x")[0] == 2
    assert etsgw("--config", config, "review", "resolve", "99", "--note", "x")[0] == 2


def _misaddressed_9115(app, msg_id: str) -> None:
    req = ProveReturn9115("14401060000", app.clock().date(), "00000001", "0", "14401060000",
                          "张三", PERSON_ID, "102581002107", "102581000013", ACCT, "张三",
                          "P1", "0", None)
    assert deliver(app, Msg9115(req), msg_id=msg_id, des="244000000099") == "MISADDRESSED"


def test_errors_show_masks_the_bytes(app, config, etsgw):
    msg_id = f"{app.clock():%Y%m%d}100000000001"
    _misaddressed_9115(app, msg_id)
    code, out, _ = etsgw("--config", config, "errors")
    header, row = out.splitlines()[:2]
    assert code == 0 and header.split()[:3] == ["ID", "CREATED", "QUEUE"] and msg_id in row
    code, out, _ = etsgw("--config", config, "errors", "show", "1")
    assert code == 0 and "<PayAcct>6222***********0123</PayAcct>" in out
    assert ACCT not in out and PERSON_ID not in out and "SRC" in out and "DES" in out
    assert "244000000099" in out  # the reason names the wrong DES, a code, not masked
    code, out, _ = etsgw("--config", config, "errors", "show", "1", "--hex")
    dumped = bytes.fromhex("".join(line[10:57] for line in out.splitlines()
                                   if line[:8].isalnum() and line[8:10] == "  "))
    assert code == 0 and len(dumped) > 100 and b"<PayAcct>6222" in dumped
    assert ACCT.encode() not in dumped and PERSON_ID.encode() not in dumped
    assert etsgw("--config", config, "errors", "show", "9")[0] == 2


def test_errors_redrive_puts_the_bytes_back_and_refuses_what_is_unsafe(app, config, etsgw):
    from gateway.transport_factory import open_transport

    msg_id = f"{app.clock():%Y%m%d}100000000002"
    _misaddressed_9115(app, msg_id)
    code, _, err = etsgw("--config", config, "errors", "redrive", "1")
    assert code == 2 and "--reason" in err  # the reason is required
    code, out, err = etsgw("--config", config, "errors", "redrive", "1", "--reason",
                           "节点配置已修正", "--operator", "ops1")
    assert code == 0, err
    with app.engine.connect() as conn:
        stored = conn.execute(select(rec.ErrorStoreRecord.body)).scalar_one()
        (event,) = conn.execute(select(rec.AuditEventRecord)).all()
    transport = open_transport(app.settings)
    try:
        with transport.session() as s:
            (env,) = s.browse(app.queues.online_out, 10)
    finally:
        transport.close()
    assert env.body == stored and env.msg_id[:20].decode() == msg_id
    assert (event.action, event.target, event.actor) == ("ERROR_REDRIVE", "error_store:1", "ops1")
    assert items(etsgw("--config", config, "errors", "--json")[1])[0]["redriven"] is True

    # Processed since (the ETS resent it correctly under the same MsgID): nothing to redrive.
    assert deliver(app, Msg9005(MsgReturn9005(information=None)), msg_id=msg_id) == "PROCESSED"
    code, _, err = etsgw("--config", config, "errors", "redrive", "1", "--reason", "x")
    assert code == 2 and "已处理" in err


def test_redrive_of_an_answered_rejection_is_refused(app, config, etsgw):
    from gateway.codec import CfxMessage, Head

    msg_id = f"{app.clock():%Y%m%d}100000000003"
    head = Head(ver="1.0", src="100000000000", des="244000000000", app="ETS", msg_no="9005",
                msg_id=msg_id, msg_ref=msg_id, work_date=app.clock().date())
    good = app.codec.encode(CfxMessage(head=head, body=Msg9005(MsgReturn9005(information=None))))
    broken = good.replace(b"<MsgReturn9005", b"<Nonsense9005").replace(b"</MsgReturn9005",
                                                                        b"</Nonsense9005")
    assert deliver(app, None, msg_id=msg_id, raw=broken) == "REJECTED"
    (row,) = items(etsgw("--config", config, "errors", "--json")[1])
    assert row["answered"] is True
    code, _, err = etsgw("--config", config, "errors", "redrive", str(row["id"]), "--reason", "x")
    assert code == 2 and "重发" in err and "resend" in err


def test_payer_show_find_and_agreement_list_mask_numbers(app, config, etsgw):
    payer = app.data.payers[0]
    acct = app.data.accounts[payer]
    code, out, _ = etsgw("--config", config, "payer", "show", str(payer))
    assert code == 0 and app.data.names[payer] in out and acct not in out
    assert acct[:4] + "*" in out and "UNPAID" in out
    code, out, _ = etsgw("--config", config, "payer", "find", "天河区", "--limit", "2")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "KIND", "TAX_PAY_CODE", "NAME", "ORG", "DEBITABLE"]
    assert len(lines) == 4 and "--offset 2" in lines[-1]
    found = items(etsgw("--config", config, "payer", "find", app.data.codes[payer], "--json")[1])
    assert [p["id"] for p in found] == [payer] and found[0]["debitable"] is True
    code, out, _ = etsgw("--config", config, "agreement", "list", "--payer", str(payer))
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ID", "PAYER", "PROTOCOL"]
    assert acct not in out and acct[-4:] in out
    rows = items(etsgw("--config", config, "agreement", "list", "--state", "ACTIVE", "--json")[1])
    assert {r["payer_id"] for r in rows} == set(app.data.payers)
    assert all("*" in r["pay_acct"] for r in rows)


def test_person_tax_pay_codes_are_masked(app):
    from gateway.persistence.party_queries import payer_code

    assert payer_code("FLEXIBLE", PERSON_ID) == "440106********123X"
    assert payer_code("UNIT", "91440106MA5CXN3L4D") == "91440106MA5CXN3L4D"


def test_demo_prints_logins_with_their_payers_and_a_debitable_payer(etsgw, config):
    from gateway.bootstrap import build
    from gateway.cli.demo_parts import print_logins
    from gateway.config import load_settings

    assert etsgw("--config", config, "demo-data", "--units", "3", "--residents", "2",
                 "--persons-per-unit", "1")[0] == 0
    app = build(load_settings(config, environ={}))
    lines: list[str] = []
    try:
        print_logins(app, echo=lines.append)
        with app.engine.connect() as conn:
            from gateway.persistence.party_queries import demo_logins
            logins = {r["username"]: r for r in demo_logins(conn)}
    finally:
        app.close()
    text = "\n".join(lines)
    for name in ("staff_gz", "ops", "unit_demo", "person_demo", "resident_demo"):
        assert name in text
    unit = logins["unit_demo"]
    assert unit["payer_id"] and f"payer {unit['payer_id']}" in text
    (hint,) = [line for line in lines if "etsgw debit submit --payer" in line]
    payer = int(hint.rsplit(" ", 1)[1])
    assert etsgw("--config", config, "payer", "show", str(payer))[0] == 0
    shown = json.loads(etsgw("--config", config, "payer", "show", str(payer), "--json")[1])
    assert shown["unpaid_count"] > 0 and any(a["state"] == "ACTIVE" for a in shown["agreements"])
    assert "demo-only-password" in text or "$ETSGW_DEMO_PASSWORD" in text


def test_debit_list_pages(app, config, etsgw):
    for payer in app.data.payers:
        assert etsgw("--config", config, "debit", "submit", "--payer", str(payer))[0] == 0
    code, out, _ = etsgw("--config", config, "debit", "list", "--state", "SENT", "--limit", "2")
    assert code == 0 and len(out.splitlines()) == 4 and "--offset 2" in out
    rest = items(etsgw("--config", config, "debit", "list", "--state", "SENT", "--json",
                       "--offset", "2")[1])
    assert len(rest) == len(app.data.payers) - 2 and all("*" in r["account"] for r in rest)
