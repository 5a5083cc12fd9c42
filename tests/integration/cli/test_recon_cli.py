"""``etsgw recon run`` / ``show`` on a real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.domain.events import InboundRef, ReconciliationReceived

ORG = "14401060000"
DAY = dt.date(2024, 11, 5)


def test_recon_run_and_show(etsgw, config, app, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich tables at full width
    code, out, _ = etsgw("--config", config, "recon", "run")
    assert code == 0 and "没有可对账的日期" in out
    app.bus.handle(ReconciliationReceived(InboundRef("3122", "20241106000000000001",
                                                     "100000000000", "BATCH"),
                                          ORG, DAY, "00000009", 1, 1, 0, Decimal("0.00")))
    code, out, _ = etsgw("--config", config, "recon", "run", "--date", "20241105")
    assert code == 0 and f"{ORG} 20241105: 明细 0 笔" in out
    code, out, _ = etsgw("--config", config, "recon", "show", "--date", "20241105")
    assert code == 0 and "00000009" in out and "RECONCILED" in out
    code, _, err = etsgw("--config", config, "recon", "run", "--date", "2024-11-05")
    assert code == 2 and "yyyyMMdd" in err
