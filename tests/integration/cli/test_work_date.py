"""A forged or mistaken 9101 does not move the work date; ops see it (`etsgw system work-date`,
`review`, `alerts`) and correct the date by hand, audited."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from gateway.codec.messages import ChangeState9101, Msg9101
from gateway.persistence import records as rec
from tests.integration.cli.conftest import deliver, write_config


def work_date_of(app) -> str:
    with app.engine.connect() as conn:
        return conn.execute(select(rec.GatewayStateRecord.value)
                                    .where(rec.GatewayStateRecord.key == "work_date")).scalar_one()


def test_a_9101_far_in_the_future_is_refused_and_shown(app, config, etsgw):
    today = app.clock().date()
    nxt = app.options.calendar.nth_clearing_day_after(today, 1)
    # A first, ordinary 9101 sets today's date; the forged one must not move it.
    deliver(app, Msg9101(ChangeState9101(today, "0")), msg_id=f"{today:%Y%m%d}090000000001",
            queue=app.queues.batch_out)
    deliver(app, Msg9101(ChangeState9101(dt.date(2099, 12, 31), "1")),
            msg_id=f"{today:%Y%m%d}090000000002", queue=app.queues.batch_out)
    assert work_date_of(app) == f"{today:%Y%m%d}"

    code, out, _ = etsgw("--config", config, "system", "work-date", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["work_date"] == f"{today:%Y%m%d}" and shown["sys_stat"] == "0"
    assert shown["work_date_set_at"] and shown["refused_9101_open"] == 1
    code, out, _ = etsgw("--config", config, "system", "work-date")
    assert code == 0 and "WORK_DATE_REFUSED" in out and "link" in out
    code, out, _ = etsgw("--config", config, "review", "--kind", "WORK_DATE_REFUSED", "--json")
    (item,) = json.loads(out)["items"]
    assert item["ref"] == "20991231" and "20991231" in item["detail"]
    code, out, _ = etsgw("--config", config, "alerts", "--json")
    assert [a["severity"] for a in json.loads(out)["items"]] == ["CRITICAL"]

    # The ordinary next day is still adopted after a refusal.
    deliver(app, Msg9101(ChangeState9101(nxt, "0")), msg_id=f"{today:%Y%m%d}090000000003",
            queue=app.queues.batch_out)
    assert work_date_of(app) == f"{nxt:%Y%m%d}"


def test_work_date_correction_is_audited(app, config, etsgw):
    code, _, err = etsgw("--config", config, "system", "work-date", "--set", "20241106")
    assert code == 2 and "--reason" in err
    code, _, err = etsgw("--config", config, "system", "work-date", "--set", "20241109",
                         "--reason", "x", "--operator", "ops1")  # a Saturday
    assert code == 2 and "不是清算日" in err and "--force" in err
    code, _, err = etsgw("--config", config, "system", "work-date", "--set", "2024116",
                         "--reason", "x", "--operator", "ops1")
    assert code == 2 and "yyyyMMdd" in err
    code, out, _ = etsgw("--config", config, "system", "work-date", "--set", "20241106",
                         "--reason", "ETS 确认", "--operator", "ops1")
    assert code == 0 and "20241106" in out and work_date_of(app) == "20241106"
    code, _, err = etsgw("--config", config, "system", "work-date", "--set", "20241106",
                         "--reason", "again", "--operator", "ops1")
    assert code == 2 and err.startswith("已拒绝")
    with app.engine.connect() as conn:
        (event,) = conn.execute(select(rec.AuditEventRecord)).all()
    assert (event.actor, event.action, event.before, event.after, event.reason) == \
        ("ops1", "WORK_DATE_SET", "", "20241106", "ETS 确认")
    code, out, _ = etsgw("--config", config, "alerts", "--json")
    (alert,) = json.loads(out)["items"]
    assert alert["severity"] == "INFO" and "ops1" in alert["message"]


def test_the_window_key_reaches_the_handler(tmp_path):
    from gateway.bootstrap import build
    from gateway.config import load_settings

    app = build(load_settings(write_config(tmp_path, "[gateway]\nwork_date_window_days = 9\n"),
                              environ={}))
    try:
        assert app.options.work_date_window_days == 9
    finally:
        app.close()
