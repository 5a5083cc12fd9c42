"""``etsgw db after-restore``: a database restored from a backup must not reissue the serials
(TraNo, TaxVouNo) that the gateway sent after the backup was taken."""

from __future__ import annotations

import datetime as dt
import sqlite3

from sqlalchemy import select

from gateway.bootstrap import build
from gateway.config import Settings
from gateway.domain.commands import SubmitDebit
from gateway.persistence import migrate
from gateway.persistence.records import DebitRecord, SerialCounterRecord
from gateway.persistence.serial_restore import CAPS, advance_after_restore
from tests.support.seed import seed

DAY = dt.date(2024, 11, 5)


def _app(path):
    settings = Settings().replace(database={"url": f"sqlite:///{path}"},
                                  gateway={"initial_work_date": f"{DAY:%Y%m%d}"})
    return build(settings)


def _submit(app, data, payers):
    return [app.bus.handle(SubmitDebit(payer_id=p, levy_ids=(data.levies[p][0],),
                                       requested_by="t")) for p in payers]


def test_a_restored_database_issues_no_serial_twice(tmp_path):
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    app = _app(live)
    migrate.upgrade(app.engine)
    data = seed(app.engine, units=3)
    before = _submit(app, data, data.payers[:1])
    app.close()
    src, dst = sqlite3.connect(live), sqlite3.connect(backup)
    src.backup(dst)  # the backup, taken online
    src.close()
    dst.close()
    app = _app(live)
    after = _submit(app, data, data.payers[1:2])  # sent after the backup, then the disaster
    app.close()

    restored = _app(backup)
    done = advance_after_restore(restored.engine, 1000, DAY)
    assert done["advanced"] >= 2 and done["created"] > 0
    again = _submit(restored, data, data.payers[2:3])
    with restored.engine.connect() as conn:
        rows = conn.execute(select(DebitRecord.tra_no, DebitRecord.tax_vou_no)).all()
    restored.close()
    issued_before = {(d.tra_no, d.tax_vou_no) for d in before + after}
    new = {(d.tra_no, d.tax_vou_no) for d in again}
    assert not {t for t, _ in new} & {t for t, _ in issued_before}, "a TraNo was reissued"
    assert not {v for _, v in new} & {v for _, v in issued_before}, "a TaxVouNo was reissued"
    assert len(rows) == 2  # the restored file does not know the debit sent after the backup


def test_without_the_step_the_restored_database_would_reissue(tmp_path):
    """The reason for the step: the backup's counters hand out the lost numbers again."""
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    app = _app(live)
    migrate.upgrade(app.engine)
    data = seed(app.engine, units=2)
    src, dst = sqlite3.connect(live), sqlite3.connect(backup)
    src.backup(dst)
    src.close()
    dst.close()
    (lost,) = _submit(app, data, data.payers[:1])
    app.close()
    restored = _app(backup)
    (again,) = _submit(restored, data, data.payers[1:2])
    restored.close()
    assert again.tra_no == lost.tra_no


def test_voucher_counters_stop_at_their_top_instead_of_wrapping(tmp_path):
    app = _app(tmp_path / "gw.db")
    migrate.upgrade(app.engine)
    with app.engine.begin() as conn:
        conn.execute(SerialCounterRecord.__table__.insert(), [
            {"kind": "TAXVOU", "scope": "401060", "day": DAY, "last_value": 90_000},
            {"kind": "TRANO", "scope": "14401060000", "day": DAY, "last_value": 7}])
    advance_after_restore(app.engine, 50_000, DAY)
    with app.engine.connect() as conn:
        values = dict(conn.execute(select(SerialCounterRecord.kind, SerialCounterRecord.last_value)
                                   .where(SerialCounterRecord.day == DAY)).all())
    app.close()
    assert values == {"TAXVOU": CAPS["TAXVOU"], "TRANO": 50_007}
