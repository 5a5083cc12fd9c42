"""The monitor against a real IBM MQ queue manager over PCF, when one is configured through
``ETSGW_TEST_MQ_*`` (as the transport contract suite); otherwise skipped with the reason."""

from __future__ import annotations

import os

import pytest

from gateway.config import Settings
from gateway.monitor.model import Severity
from gateway.monitor.runner import build_monitor

MQ_ENV = ("ETSGW_TEST_MQ_HOST", "ETSGW_TEST_MQ_QMGR", "ETSGW_TEST_MQ_CHANNEL")


@pytest.mark.ibmmq
def test_monitor_reads_a_real_queue_manager(tmp_path) -> None:
    missing = [name for name in MQ_ENV if not os.environ.get(name)]
    if missing:
        pytest.skip(f"needs an IBM MQ queue manager: set {', '.join(missing)}")
    pytest.importorskip("ibmmq", reason="IBM's ibmmq package (extra [ibmmq]) is not installed")
    env = os.environ
    settings = Settings().replace(
        transport={"kind": "ibmmq", "queue_manager": env["ETSGW_TEST_MQ_QMGR"]},
        ibmmq={"host": env["ETSGW_TEST_MQ_HOST"], "channel": env["ETSGW_TEST_MQ_CHANNEL"],
               "port": int(env.get("ETSGW_TEST_MQ_PORT", "1414")),
               "user": env.get("ETSGW_TEST_MQ_USER", ""),
               "password": env.get("ETSGW_TEST_MQ_PASSWORD", "")},
        monitor={"state_file": "", "history_url": "", "host_probes": False})
    monitor = build_monitor(settings, None, host=False)
    try:
        report = monitor.check(alert=False).report
    finally:
        monitor.close()
    found = {f.key: f for f in report.findings}
    qm = env["ETSGW_TEST_MQ_QMGR"]
    assert found[f"source:{qm}"].severity is Severity.OK, report.status_line()
    assert any(f.category == "queue" for f in report.findings)
    assert all(f.detail.get("mq_status") for f in report.findings if f.category == "channel")
