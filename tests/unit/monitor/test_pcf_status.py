"""The IBM MQ PCF adapter under the monitor: recorded PCF replies (pcf_responses.json) through
``IbmMqQueueAdmin`` against the Fake ``ibmmq`` module, then the monitor's rules. Checks the whole
status mapping, MQCHS value -> our status -> MQ name in detail -> severity, and the backout
queue's oldest age from a browsed MQMD put time."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gateway.config import MonitorSection, Settings
from gateway.monitor.model import Severity
from gateway.monitor.runner import Monitor
from gateway.monitor.sources import QueueManagerSource
from gateway.transports.ibmmq.admin import IbmMqQueueAdmin
from gateway.transports.ibmmq.transport import IbmMqTransport
from gateway.transports.retry import retrying
from tests.unit.transport.conftest import FakeMQMIError, make_fake_mq

RECORDED = json.loads((Path(__file__).parent / "pcf_responses.json").read_text(encoding="utf-8"))
BOQ = "ETS.244000000000.ONLINE.OUT.BACKOUT"
# The poison message was put at 2025-01-02 03:04:05 GMT; the check runs one hour later.
PUT = {"PutDate": b"20250102", "PutTime": b"03040500"}
NOW = dt.datetime(2025, 1, 2, 4, 4, 5, tzinfo=dt.timezone.utc).timestamp()


def decode(rows):
    """JSON keys are text: back to MQ parameter ids, text values to blank-padded bytes."""
    return [{int(k): (v.encode("ascii") if isinstance(v, str) else v) for k, v in row.items()}
            for row in rows]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def monitor_for(scenario: str, clock: Clock | None = None):
    mq = make_fake_mq()
    status = RECORDED["status_by_scenario"][scenario]
    mq.server.pcf_replies = {
        "MQCMD_INQUIRE_Q": decode(RECORDED["MQCMD_INQUIRE_Q"]),
        "MQCMD_INQUIRE_CHANNEL": decode(RECORDED["MQCMD_INQUIRE_CHANNEL"]),
        "MQCMD_INQUIRE_CHANNEL_STATUS": (FakeMQMIError(2, 3065) if isinstance(status, str)
                                         else decode(status))}
    mq.server.define(BOQ)
    mq.server.queues[BOQ].append(({"MsgId": b"1" * 24, "CorrelId": b"\0" * 24,
                                   "Format": b"MQSTR   ", "CodedCharSetId": 1386,
                                   "BackoutCount": 3, "MsgType": 8, "Persistence": 1,
                                   "Expiry": -1, "ReplyToQ": b"", **PUT}, b"<CFX>poison"))
    settings = Settings().replace(transport={"kind": "ibmmq"})
    transport = IbmMqTransport(settings.ibmmq, queue_manager="QM.TAX", mq=mq,
                               retry_policy=retrying(attempts=2, sleep=lambda _s: None))
    admin = IbmMqQueueAdmin(transport, dead_letter_queue="SYSTEM.DEAD.LETTER.QUEUE")
    source = QueueManagerSource("QM.TAX", lambda: admin, lambda: transport,
                                dead_letter_queue="SYSTEM.DEAD.LETTER.QUEUE",
                                inbound_queues=(settings.online_out_queue,),
                                default_xmitq="QM.ETS.XMITQ")
    return Monitor(MonitorSection(), [source], clock=clock or Clock(NOW))


def sender(scenario: str, clock: Clock | None = None, monitor=None):
    m = monitor or monitor_for(scenario, clock)
    snap = m.check()
    return {f.key: f for f in snap.report.findings}, snap


@pytest.mark.parametrize("scenario, ours, mq_name, severity", [
    ("running", "RUNNING", "RUNNING", Severity.OK),
    ("retrying", "RETRYING", "RETRYING", Severity.CRITICAL),
    ("stopped", "STOPPED", "STOPPED", Severity.CRITICAL),
    ("paused", "RETRYING", "PAUSED", Severity.CRITICAL),
    ("binding", "RETRYING", "BINDING", Severity.OK),  # transitional, within the grace period
    ("stopping", "STOPPED", "STOPPING", Severity.OK),
    ("disconnected", "INACTIVE", "DISCONNECTED", Severity.WARNING),  # 20 queued: not triggered?
])
def test_recorded_status_maps_to_severity(scenario, ours, mq_name, severity) -> None:
    clock = Clock(NOW)
    m = monitor_for(scenario, clock)
    if scenario == "disconnected":
        m.check()
        clock.now += m.opts.transitional_grace_s  # still idle with 20 queued: trigger failed
    found, _ = sender(scenario, monitor=m)
    ch = found["channel:QM.TAX:TAX.TO.ETS"]
    assert (ch.detail["status"], ch.detail["mq_status"], ch.severity) == (ours, mq_name, severity)


def test_transitional_state_from_pcf_warns_after_the_grace_period() -> None:
    clock = Clock(NOW)
    m = monitor_for("binding", clock)
    m.check()
    clock.now += 61
    found, _ = sender("binding", monitor=m)
    assert found["channel:QM.TAX:TAX.TO.ETS"].severity is Severity.WARNING


def test_no_channel_status_at_all_is_inactive() -> None:
    found, snap = sender("no_status")
    assert found["channel:QM.TAX:ETS.TO.TAX"].severity is Severity.OK
    assert found["channel:QM.TAX:TAX.TO.ETS"].detail["mq_status"] == "INACTIVE"
    assert "SYSTEM.DEF.SENDER" not in {f.detail.get("channel") for f in snap.report.findings}


def test_one_running_svrconn_instance_is_enough() -> None:
    found, _ = sender("svrconn_mixed")
    assert found["channel:QM.TAX:TAX.SVRCONN"].severity is Severity.OK


def test_queues_from_pcf_depths_remote_and_backout_age() -> None:
    found, snap = sender("running")
    assert found["queue:QM.TAX:QM.ETS.XMITQ"].severity is Severity.WARNING  # depth 20
    remote = found["queue:QM.TAX:ETS.EXT.ONLINE.IN"]
    assert remote.derived and remote.value == 20
    boq = found[f"backout:QM.TAX:{BOQ}"]
    assert boq.severity is Severity.WARNING and boq.detail["oldest_age_s"] == pytest.approx(3600)
    assert "1小时0分" in boq.summary
    assert "queue:QM.TAX:SYSTEM.ADMIN.COMMAND.QUEUE" not in found
    assert snap.report.exit_code == 1
