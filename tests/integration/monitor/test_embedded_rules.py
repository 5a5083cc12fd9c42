"""The monitor's rules driven through the embedded transport (ARCHITECTURE "The embedded queue
manager"): real queues, a real channel agent, real backouts; the acceptance cases of the
monitoring issue."""

from __future__ import annotations

from structlog.testing import capture_logs

from gateway.monitor.model import Severity

from .conftest import BACKOUT, INBOUND, REMOTE, SENDER, XMITQ, by_key

CHANNEL = f"channel:QM.TAX:{SENDER}"


def test_idle_inactive_channel_with_empty_transmission_queue_is_ok(world) -> None:
    snap = world.check()
    found = by_key(snap)
    assert found[CHANNEL].severity is Severity.OK
    assert found[CHANNEL].detail["status"] == "INACTIVE" and "空闲" in found[CHANNEL].summary
    assert found[f"queue:QM.TAX:{XMITQ}"].value == 0
    assert snap.report.exit_code == 0, snap.report.status_line()


def test_channel_not_moving_with_20_on_the_transmission_queue_is_a_warning(world) -> None:
    # No channel agent runs (the channel initiator is down): puts to the remote queue pile up
    # on the transmission queue and the sender stays INACTIVE.
    world.put(REMOTE, 19)
    assert world.check().report.exit_code == 0  # 19 < 20, and within the trigger's grace
    world.put(REMOTE, 1)
    snap = world.check()
    found = by_key(snap)
    assert found[f"queue:QM.TAX:{XMITQ}"].severity is Severity.WARNING
    assert found[f"queue:QM.TAX:{XMITQ}"].value == 20
    assert found[f"queue:QM.TAX:{REMOTE}"].value == 20  # the remote queue shows the XMITQ depth
    assert snap.report.exit_code == 1
    world.clock.advance(world.settings.monitor.transitional_grace_s)
    snap = world.check()
    found = by_key(snap)
    assert found[CHANNEL].severity is Severity.WARNING and "触发失败" in found[CHANNEL].summary
    assert snap.report.exit_code == 1, snap.report.status_line()
    assert {a.key for a in world.sink.alerts} == {f"queue:QM.TAX:{XMITQ}", CHANNEL}


def test_operator_stopped_sender_is_critical_and_names_the_backlog(world) -> None:
    world.admin.stop_channel(SENDER)
    world.put(REMOTE, 20)
    agent = world.agent()
    assert agent.run_once() == 0  # a stopped channel moves nothing
    snap = world.check()
    found = by_key(snap)
    assert found[f"queue:QM.TAX:{XMITQ}"].severity is Severity.WARNING
    assert found[CHANNEL].severity is Severity.CRITICAL
    assert "已停止" in found[CHANNEL].summary and "积压 20" in found[CHANNEL].summary
    assert snap.report.exit_code == 2


def test_retrying_channel_is_critical_until_it_delivers_again(world) -> None:
    world.partner_admin.stop_channel(SENDER)  # the ETS side's receiver refuses
    world.put(REMOTE, 1)
    agent = world.agent()
    assert agent.run_once() == 0
    snap = world.check()
    found = by_key(snap)
    assert found[CHANNEL].detail["status"] == "RETRYING"
    assert found[CHANNEL].severity is Severity.CRITICAL and "重试" in found[CHANNEL].summary
    assert snap.report.exit_code == 2

    world.partner_admin.start_channel(SENDER)
    world.clock.advance(5.0)
    assert agent.run_once() == 1
    snap = world.check()
    assert by_key(snap)[CHANNEL].severity is Severity.OK
    assert snap.report.exit_code == 0, snap.report.status_line()
    assert [(a.kind, a.severity.name) for a in world.sink.alerts if a.key == CHANNEL] == [
        ("PROBLEM", "CRITICAL"), ("RECOVERY", "OK")]


def test_poison_message_on_the_backout_queue_is_a_warning_with_count_and_age(world) -> None:
    world.poison()
    world.clock.advance(90)
    snap = world.check()
    found = by_key(snap)
    boq = found[f"backout:QM.TAX:{BACKOUT}"]
    assert boq.severity is Severity.WARNING and boq.value == 1
    assert boq.detail["oldest_age_s"] >= 90 and "1 条消息" in boq.summary
    assert "1分30秒" in boq.summary
    assert found[f"queue:QM.TAX:{INBOUND}"].value == 0  # the inbound queue is not blocked
    assert snap.report.exit_code == 1


def test_recovery_emits_exactly_one_recovery_alert(world) -> None:
    key = f"backout:QM.TAX:{BACKOUT}"
    world.poison()
    world.check()
    world.check()  # unchanged: de-duplicated
    assert [(a.kind, a.key) for a in world.sink.alerts] == [("PROBLEM", key)]
    assert world.drain(BACKOUT) == 1  # someone dealt with the poison message
    with capture_logs() as logs:
        snap = world.check()
        world.check()
        world.check()
    assert snap.report.exit_code == 0
    assert [(a.kind, a.key, a.previous) for a in world.sink.alerts[1:]] == [
        ("RECOVERY", key, Severity.WARNING)]
    assert [e["kind"] for e in logs if e["event"] == "monitor.alert"] == ["RECOVERY"]


def test_a_oneshot_run_sees_the_grace_timer_of_the_previous_run(world) -> None:
    from gateway.monitor.runner import build_monitor

    world.put(REMOTE, 3)
    first = build_monitor(world.settings, world.reader, host=False, clock=world.clock)
    assert by_key(first.check(alert=False))[CHANNEL].severity is Severity.OK
    first.close()
    world.clock.advance(61)
    second = build_monitor(world.settings, world.reader, host=False, clock=world.clock)
    assert by_key(second.check(alert=False))[CHANNEL].severity is Severity.WARNING
    second.close()


def test_unreachable_queue_manager_is_unknown(world, tmp_path) -> None:
    from gateway.monitor.runner import Monitor
    from gateway.monitor.sources import QueueManagerSource
    from gateway.transports.base import ConnectionBroken

    def broken():
        raise ConnectionBroken("queue store unavailable: disk I/O error")

    m = Monitor(world.settings.monitor, [QueueManagerSource("QM.TAX", broken)], world.reader,
                clock=world.clock)
    snap = m.check()
    assert by_key(snap)["source:QM.TAX"].severity is Severity.UNKNOWN
    assert snap.report.exit_code == 3
