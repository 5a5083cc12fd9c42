"""Queue and channel rules on hand-made QueueInfo/ChannelInfo: thresholds, remote queues,
backout and dead-letter queues, inbound age, and every channel state with the grace period."""

from __future__ import annotations

import pytest

from gateway.config import MonitorSection
from gateway.monitor.model import Report, Severity, worst
from gateway.monitor.rules import (QueueManagerView, channel_findings, human_age, mq_status,
                                   queue_findings)
from gateway.monitor.state import MonitorState
from gateway.transports.base import ChannelInfo, QueueInfo

OPTS = MonitorSection()
OUT = "ETS.244000000000.ONLINE.OUT"


def view(queues, channels=(), ages=None, **kw) -> QueueManagerView:
    return QueueManagerView("QM.TAX", list(queues), list(channels), dict(ages or {}),
                            dead_letter_queue="SYSTEM.DEAD.LETTER.QUEUE",
                            inbound_queues=(OUT,), default_xmitq="QM.ETS.XMITQ", **kw)


def by_key(findings):
    return {f.key: f for f in findings}


@pytest.mark.parametrize("depth, max_depth, expected", [
    (19, 5000, Severity.OK), (20, 5000, Severity.WARNING),
    (9, 10, Severity.WARNING),  # 80 % of MAXDEPTH before the absolute threshold
    (7, 10, Severity.OK), (10, 10, Severity.CRITICAL), (4750, 5000, Severity.CRITICAL)])
def test_depth_threshold_absolute_and_fraction(depth, max_depth, expected) -> None:
    f = by_key(queue_findings(view([QueueInfo("APP.Q", "local", depth, max_depth)]), OPTS))
    assert f["queue:QM.TAX:APP.Q"].severity is expected
    assert f["queue:QM.TAX:APP.Q"].value == depth


def test_configured_threshold_and_ignored_queues() -> None:
    opts = MonitorSection(depth_warn=5, ignore_queues=("NOISY",))
    f = by_key(queue_findings(view([QueueInfo("APP.Q", "transmission", 5, 50000),
                                    QueueInfo("NOISY", "local", 4999, 5000)]), opts))
    assert f["queue:QM.TAX:APP.Q"].severity is Severity.WARNING
    assert "传输队列深度 5" in f["queue:QM.TAX:APP.Q"].summary
    assert "queue:QM.TAX:NOISY" not in f


def test_remote_queue_reports_its_transmission_queue_depth_as_derived() -> None:
    f = by_key(queue_findings(view([QueueInfo("ETS.EXT.ONLINE.IN", "remote", 0, 0),
                                    QueueInfo("QM.ETS.XMITQ", "transmission", 25, 50000)]), OPTS))
    remote = f["queue:QM.TAX:ETS.EXT.ONLINE.IN"]
    assert (remote.severity, remote.value, remote.derived) == (Severity.WARNING, 25, True)
    assert "QM.ETS.XMITQ" in remote.summary
    assert f["queue:QM.TAX:QM.ETS.XMITQ"].derived is False


def test_backout_and_dead_letter_queues_warn_with_count_and_oldest_age() -> None:
    queues = [QueueInfo(OUT, "local", 0, 5000, backout_queue=f"{OUT}.BACKOUT",
                        backout_threshold=3),
              QueueInfo(f"{OUT}.BACKOUT", "local", 2, 5000),
              QueueInfo("SYSTEM.DEAD.LETTER.QUEUE", "local", 0, 50000)]
    f = by_key(queue_findings(view(queues, ages={f"{OUT}.BACKOUT": 3725.0}), OPTS))
    boq = f[f"backout:QM.TAX:{OUT}.BACKOUT"]
    assert boq.severity is Severity.WARNING and boq.value == 2
    assert "2 条消息" in boq.summary and "1小时2分" in boq.summary
    assert boq.detail["oldest_age_s"] == 3725.0
    assert f["backout:QM.TAX:SYSTEM.DEAD.LETTER.QUEUE"].severity is Severity.OK
    # the backout queue is not judged by the depth rule as well
    assert f"queue:QM.TAX:{OUT}.BACKOUT" not in f


@pytest.mark.parametrize("age, expected", [(59.0, Severity.OK), (60.0, Severity.WARNING),
                                           (300.0, Severity.CRITICAL)])
def test_oldest_inbound_message_age(age, expected) -> None:
    f = by_key(queue_findings(view([QueueInfo(OUT, "local", 1, 5000)], ages={OUT: age}), OPTS))
    assert f[f"inbound:QM.TAX:{OUT}"].severity is expected


def test_human_age() -> None:
    assert [human_age(s) for s in (5, 65, 3725, 90061)] == ["5秒", "1分5秒", "1小时2分",
                                                             "1天1小时"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.state = MonitorState()

    def elapsed(self, key: str, sig: str) -> float:
        return self.state.elapsed(key, sig, self.now)


def channel(status, detail="", xmitq="QM.ETS.XMITQ", type_="sender") -> ChannelInfo:
    return ChannelInfo("TAX.TO.ETS", type_, status, xmitq=xmitq, partner="QM.ETS", detail=detail)


def channel_severity(ch: ChannelInfo, xmitq_depth: int = 0, clock: Clock | None = None):
    clock = clock or Clock()
    v = view([QueueInfo("QM.ETS.XMITQ", "transmission", xmitq_depth, 50000)], [ch])
    (f,) = channel_findings(v, OPTS, clock.elapsed)
    return f


@pytest.mark.parametrize("ch, expected", [
    (channel("RUNNING"), Severity.OK),
    (channel("INACTIVE"), Severity.OK),
    (channel("RETRYING", "receiver channel TAX.TO.ETS is stopped"), Severity.CRITICAL),
    (channel("STOPPED", "stopped by operator"), Severity.CRITICAL),
    (channel("RETRYING", "PAUSED"), Severity.CRITICAL),  # PCF keeps MQ's name in detail
    (channel("INACTIVE", "DISCONNECTED"), Severity.OK),
    (channel("INACTIVE", type_="receiver", xmitq=""), Severity.OK)])
def test_channel_states(ch, expected) -> None:
    assert channel_severity(ch).severity is expected


def test_stopped_channel_names_the_backlog() -> None:
    f = channel_severity(channel("STOPPED", "stopped by operator"), xmitq_depth=20)
    assert "已停止" in f.summary and "积压 20" in f.summary and "stopped by operator" in f.summary


def test_inactive_with_queued_messages_warns_after_the_grace_period() -> None:
    clock = Clock()
    first = channel_severity(channel("INACTIVE"), 3, clock)
    assert first.severity is Severity.OK and "等待触发" in first.summary
    clock.now += OPTS.transitional_grace_s
    later = channel_severity(channel("INACTIVE"), 3, clock)
    assert later.severity is Severity.WARNING and "触发失败" in later.summary


@pytest.mark.parametrize("name", ["BINDING", "STARTING", "REQUESTING", "STOPPING",
                                  "INITIALIZING", "SWITCHING"])
def test_transitional_states_warn_only_when_they_persist(name) -> None:
    clock = Clock()
    ours = "STOPPED" if name == "STOPPING" else "RETRYING"  # as the PCF adapter maps them
    assert channel_severity(channel(ours, name), clock=clock).severity is Severity.OK
    clock.state.end_check()
    clock.now += OPTS.transitional_grace_s - 1
    assert channel_severity(channel(ours, name), clock=clock).severity is Severity.OK
    clock.state.end_check()
    clock.now += 1
    f = channel_severity(channel(ours, name), clock=clock)
    assert f.severity is Severity.WARNING and name in f.summary


def test_a_new_state_restarts_the_grace_period() -> None:
    clock = Clock()
    channel_severity(channel("RETRYING", "BINDING"), clock=clock)
    clock.state.end_check()
    clock.now += 50
    channel_severity(channel("RETRYING", "STARTING"), clock=clock)
    clock.state.end_check()
    clock.now += 50  # 100 s in transitional states, but only 50 s in STARTING
    assert channel_severity(channel("RETRYING", "STARTING"), clock=clock).severity is Severity.OK


def test_mq_status_prefers_the_mq_name_in_detail() -> None:
    assert mq_status(channel("RETRYING", "PAUSED")) == "PAUSED"
    assert mq_status(channel("RETRYING", "partner unreachable")) == "RETRYING"


def test_report_severity_order_and_exit_code() -> None:
    assert worst([Severity.WARNING, Severity.UNKNOWN]) is Severity.UNKNOWN
    assert worst([Severity.UNKNOWN, Severity.CRITICAL]) is Severity.CRITICAL
    assert worst([]) is Severity.OK
    import datetime as dt
    findings = tuple(queue_findings(view([QueueInfo("A", "local", 20, 5000)]), OPTS))
    report = Report(dt.datetime(2025, 1, 2, 9, 0), findings)
    assert report.exit_code == 1 and report.status_line().startswith("WARNING - QM.TAX A")
    assert report.as_dict()["counts"]["WARNING"] == 1
