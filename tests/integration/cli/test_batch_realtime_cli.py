"""`etsgw batch submit --mode realtime`: the list's entries taken by a run, the summary table of
outcomes; with --wait the command tops the run up itself until it times out or finishes."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gateway.persistence.records import DebitRecord


def _list_id(out: str) -> str:
    found = re.search(r"待批扣清册 (\d+)", out)
    assert found, out
    return found.group(1)


def test_realtime_submit_launches_and_shows_the_outcomes(etsgw, app, config):
    code, out, _ = etsgw("--config", config, "batch", "select", "--office", "14401000000")
    assert code == 0
    list_id = _list_id(out)
    code, out, err = etsgw("--config", config, "batch", "submit", list_id, "--mode", "realtime",
                           "--no-wait", "--max-in-flight", "2")
    assert code == 0, err
    assert "RUNNING: 0/3 resolved" in out and "待发送" in out and "in flight <= 2" in out
    code, out, err = etsgw("--config", config, "batch", "submit", list_id, "--mode", "realtime")
    assert code == 2 and "没有待发起扣款的条目" in err  # taken once, never twice


def test_waiting_drives_the_run_up_to_its_limit(etsgw, app, config):
    _, out, _ = etsgw("--config", config, "batch", "select", "--office", "14401000000")
    code, out, err = etsgw("--config", config, "batch", "submit", _list_id(out), "--mode",
                           "realtime", "--max-in-flight", "2", "--timeout", "0.6")
    assert code == 0, err
    with app.engine.connect() as conn:  # nobody answers: two debits in flight, the third queued
        assert conn.execute(select(func.count()).select_from(DebitRecord)).scalar_one() == 2
    assert "RUNNING: 0/3 resolved" in out
