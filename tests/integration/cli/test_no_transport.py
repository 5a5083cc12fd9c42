"""Commands need no transport: on an IBM MQ configuration with no MQ library installed,
`etsgw debit submit` writes the debit and its 1001 to the outbox and exits 0 (only
`etsgw gateway` opens the transport)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text


def etsgw(config: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ETSGW_CONFIG": config}
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env, text=True,
                          capture_output=True, timeout=120)


def test_debit_submit_on_ibmmq_without_the_mq_library(tmp_path) -> None:
    if importlib.util.find_spec("ibmmq") is not None:
        pytest.skip("the ibmmq package is installed here; this test proves its absence is fine")
    db = tmp_path / "gw.db"
    cfg = tmp_path / "etsgw.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{tmp_path / "sim.db"}"\n'
                   '[transport]\nkind = "ibmmq"\n[ibmmq]\nhost = "mq.invalid"\n'
                   '[log]\nlevel = "WARNING"\n', encoding="utf-8")
    assert etsgw(str(cfg), "db", "upgrade").returncode == 0
    made = etsgw(str(cfg), "demo-data", "--units", "2", "--residents", "1", "--persons-per-unit", "1")
    assert made.returncode == 0, made.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        payer = conn.execute(text(
            "SELECT l.payer_id FROM levy l JOIN agreement a ON a.payer_id = l.payer_id "
            "WHERE l.state = 'UNPAID' AND a.state = 'ACTIVE' LIMIT 1")).scalar_one()
    done = etsgw(str(cfg), "debit", "submit", "--payer", str(payer))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ibmmq" not in done.stderr.lower()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT msg_no, sent_at FROM outbox")).all()
        assert conn.execute(text("SELECT count(*) FROM debit")).scalar_one() == 1
    engine.dispose()
    assert [(r.msg_no, r.sent_at) for r in rows] == [("1001", None)]
