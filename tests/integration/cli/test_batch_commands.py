"""`etsgw batch select|submit|status|stop` on a seeded database: the selection's summary table,
packaging with its summary, a package's state (and a 9003 with --query), and a 1123 for a
whole package or one item; an unknown package is an error that says so."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gateway.persistence.records import (BatchListEntryRecord, DebitRecord, LevyRecord, OutboxRecord,
                                         PackageRecord, StopRequestRecord)
from tests.support.seed import BANK, ORG


def _scalar(app, stmt):
    with app.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def _outbox(app, msg_no: str) -> int:
    return _scalar(app, select(func.count()).select_from(OutboxRecord)
                   .where(OutboxRecord.msg_no == msg_no))


def _select(etsgw, config) -> tuple[int, str]:
    code, out, err = etsgw("--config", config, "batch", "select", "--office", ORG, "--operator", "t")
    assert code == 0, err
    return int(re.search(r"待批扣清册 (\d+)", out).group(1)), out


def _submit(etsgw, config, list_id: int) -> str:
    code, out, err = etsgw("--config", config, "batch", "submit", str(list_id), "--operator", "t")
    assert code == 0, err
    return out


def test_select_lists_the_levies_per_office_and_bank(app, config, etsgw):
    list_id, out = _select(etsgw, config)
    levies = _scalar(app, select(func.count()).select_from(BatchListEntryRecord)
                     .where(BatchListEntryRecord.list_id == list_id))
    unpaid = _scalar(app, select(func.count()).select_from(LevyRecord)
                     .where(LevyRecord.state == "UNPAID"))
    assert levies == unpaid > 0
    assert ORG in out and BANK in out and "合计" in out
    assert re.search(rf"合计\s*│[^│]*│[^│]*│\s*{levies}\s*│", out), out


def test_submit_packages_the_list_and_prints_a_summary(app, config, etsgw):
    list_id, _ = _select(etsgw, config)
    out = _submit(etsgw, config, list_id)
    pkg = _read_package(app)
    assert pkg.list_id == list_id and pkg.state == "SENT"
    assert f"批量包（清册 {list_id}）" in out and "100%" in out  # the table after the progress bar
    assert f"1 packages, {pkg.item_count} items, {pkg.total_amount}" in out
    assert _outbox(app, "1102") == 1
    assert {r for (r,) in _rows(app, select(LevyRecord.state))} == {"LOCKED"}
    # nothing left: a second submit sends nothing
    assert "0 packages, 0 items" in _submit(etsgw, config, list_id)
    assert _outbox(app, "1102") == 1


def test_status_shows_the_package_and_query_sends_a_9003(app, config, etsgw):
    list_id, _ = _select(etsgw, config)
    _submit(etsgw, config, list_id)
    pkg = _read_package(app)
    code, out, err = etsgw("--config", config, "batch", "status", str(pkg.id))
    assert code == 0, err
    assert f"package {pkg.id} {pkg.tax_org_code}/{pkg.entrust_date:%Y%m%d}/{pkg.pack_no}" in out
    assert f"state SENT items {pkg.item_count}" in out and f"SENT: {pkg.item_count}" in out
    assert _outbox(app, "9003") == 0
    code, out, err = etsgw("--config", config, "batch", "status", str(pkg.id), "--query")
    assert code == 0, err
    assert "9003 sent" in out and _outbox(app, "9003") == 1
    code, _out, err = etsgw("--config", config, "batch", "status", "99999")
    assert code != 0 and "批量包 99999 不存在" in err


def test_stop_sends_a_1123_for_the_package_or_one_item(app, config, etsgw):
    list_id, _ = _select(etsgw, config)
    _submit(etsgw, config, list_id)
    pkg = _read_package(app)
    tra_no = _scalar(app, select(func.min(DebitRecord.tra_no)).where(DebitRecord.package_id == pkg.id))
    code, out, err = etsgw("--config", config, "batch", "stop", str(pkg.id), "--item", tra_no,
                           "--reason", "单位申请止付")
    assert code == 0, err
    assert f"item {tra_no}" in out
    code, out, err = etsgw("--config", config, "batch", "stop", str(pkg.id))
    assert code == 0, err
    assert "whole package" in out
    assert _outbox(app, "1123") == 2
    stops = _rows(app, select(StopRequestRecord.stop_type, StopRequestRecord.ori_tra_no,
                              StopRequestRecord.reason).order_by(StopRequestRecord.id))
    assert stops == [("0", tra_no, "单位申请止付"), ("1", "00000000", "税务机关止付")]
    # the levies stay locked until a 2123 says stopped
    assert {r for (r,) in _rows(app, select(LevyRecord.state))} == {"LOCKED"}


def _rows(app, stmt) -> list[tuple]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def _read_package(app):
    with app.engine.connect() as conn:
        return conn.execute(select(PackageRecord)).one()
