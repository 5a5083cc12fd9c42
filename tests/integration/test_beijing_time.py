"""Business times are Beijing time whatever the host's zone: the same instant gives the same
EntrustDate (work date) and MsgID under TZ=UTC and TZ=America/New_York."""

from __future__ import annotations

import os
import subprocess
import sys

# 2026-12-01 20:30:05 UTC is 2026-12-02 04:30:05 in Beijing and still 1 December in New York.
INSTANT = 1796157005

SCRIPT = f"""
import time
time.time = lambda: {INSTANT}.0
from gateway.bootstrap import build
from gateway.config import Settings
from gateway.persistence import migrate
from gateway.services import status
app = build(Settings().replace(database={{"url": "sqlite:///" + __import__("sys").argv[1]}}))
migrate.upgrade(app.engine)
with app.uow() as uow:
    now = app.clock()
    print(status.work_date(uow, app.options, now).strftime("%Y%m%d"), uow.outbox.next_msg_id(now))
"""


def run_in_zone(zone: str, db: str) -> str:
    env = {**os.environ, "TZ": zone}
    done = subprocess.run([sys.executable, "-c", SCRIPT, db], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_entrust_date_and_msg_id_follow_beijing_time(tmp_path) -> None:
    utc = run_in_zone("UTC", str(tmp_path / "utc.db"))
    new_york = run_in_zone("America/New_York", str(tmp_path / "ny.db"))
    assert utc == new_york == "20261202 20261202043005000001"
