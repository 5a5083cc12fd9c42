"""Alerts on state changes only: de-duplication, severity changes, one recovery, reminders,
derived findings, sinks that fail; the webhook and SMTP sinks against local servers."""

from __future__ import annotations

import datetime as dt
import email
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from structlog.testing import capture_logs

from gateway.config import MonitorSection
from gateway.monitor.alerts import Alert, AlertManager
from gateway.monitor.model import Finding, Report, Severity
from gateway.monitor.sinks import SmtpSink, WebhookSink, sinks_from_settings
from gateway.monitor.state import MonitorState

AT = dt.datetime(2025, 1, 2, 9, 30)


class FakeSink:
    name = "fake"

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[Alert]] = []
        self.fail = fail

    def send(self, alerts) -> None:
        if self.fail:
            raise OSError("sink down")
        self.batches.append(list(alerts))


def report(*findings: Finding) -> Report:
    return Report(AT, findings)


def f(sev: Severity, key: str = "queue:QM.TAX:X", derived: bool = False) -> Finding:
    return Finding(key, "queue", "QM.TAX X", sev, f"depth is {sev.name}", derived=derived)


def kinds(alerts) -> list[tuple[str, str]]:
    return [(a.kind, a.severity.name) for a in alerts]


def test_state_changes_alert_once_and_recovery_once() -> None:
    sink, state = FakeSink(), MonitorState()
    m = AlertManager([sink])
    assert m.process(report(f(Severity.OK)), state, 0) == []
    assert kinds(m.process(report(f(Severity.WARNING)), state, 15)) == [("PROBLEM", "WARNING")]
    assert m.process(report(f(Severity.WARNING)), state, 30) == []  # de-duplicated
    changed = m.process(report(f(Severity.CRITICAL)), state, 45)
    assert kinds(changed) == [("CHANGED", "CRITICAL")] and changed[0].previous is Severity.WARNING
    recovered = m.process(report(f(Severity.OK)), state, 60)
    assert kinds(recovered) == [("RECOVERY", "OK")] and recovered[0].previous is Severity.CRITICAL
    assert m.process(report(f(Severity.OK)), state, 75) == []
    assert [kinds(b) for b in sink.batches] == [[("PROBLEM", "WARNING")],
                                                [("CHANGED", "CRITICAL")], [("RECOVERY", "OK")]]


def test_reminder_only_after_realert_interval() -> None:
    state, m = MonitorState(), AlertManager(realert_s=600)
    m.process(report(f(Severity.WARNING)), state, 0)
    assert m.process(report(f(Severity.WARNING)), state, 599) == []
    assert kinds(m.process(report(f(Severity.WARNING)), state, 600)) == [("REMINDER", "WARNING")]
    assert m.process(report(f(Severity.WARNING)), state, 900) == []


def test_derived_findings_are_not_alerted() -> None:
    state, m = MonitorState(), AlertManager()
    assert m.process(report(f(Severity.WARNING, derived=True)), state, 0) == []
    assert state.alerts == {}


def test_unseen_finding_keeps_its_state_until_forgotten() -> None:
    state, m = MonitorState(), AlertManager(forget_after_s=3600)
    m.process(report(f(Severity.CRITICAL)), state, 0)
    # The queue manager could not be read: its queues are not in the report. No recovery.
    assert m.process(report(), state, 15) == []
    assert "queue:QM.TAX:X" in state.alerts
    m.process(report(), state, 3600)
    assert state.alerts == {}


def test_alerts_go_to_the_log_and_a_failing_sink_does_not_stop_the_others() -> None:
    good = FakeSink()
    m = AlertManager([FakeSink(fail=True), good])
    with capture_logs() as logs:
        m.process(report(f(Severity.CRITICAL)), MonitorState(), 0)
    events = [(e["event"], e["log_level"]) for e in logs]
    assert ("monitor.alert", "error") in events and ("monitor.alert_sink_failed", "warning") in events
    assert len(good.batches) == 1


def test_alert_state_survives_a_restart_through_the_state_file(tmp_path) -> None:
    path = tmp_path / "state.json"
    state, m = MonitorState(), AlertManager()
    m.process(report(f(Severity.WARNING)), state, 0)
    state.save(path)
    again = MonitorState.load(path)
    assert m.process(report(f(Severity.WARNING)), again, 15) == []
    assert kinds(m.process(report(f(Severity.OK)), again, 30)) == [("RECOVERY", "OK")]


def test_look_only_save_keeps_the_alert_state_of_the_file(tmp_path) -> None:
    path = tmp_path / "state.json"
    alerting = MonitorState()
    AlertManager().process(report(f(Severity.WARNING)), alerting, 0)
    alerting.save(path)
    MonitorState().save(path, alerts=False)
    assert "queue:QM.TAX:X" in MonitorState.load(path).alerts
    path.write_text("{not json", encoding="utf-8")
    assert MonitorState.load(path).alerts == {}  # a broken file costs a repeat, not a crash


@pytest.fixture
def webhook_server():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append({"type": self.headers["Content-Type"],
                             "body": json.loads(self.rfile.read(length).decode("utf-8"))})
            self.send_response(204 if self.path == "/ok" else 500)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


def test_webhook_sink_posts_json_and_fails_on_an_error_status(webhook_server) -> None:
    base, received = webhook_server
    alert = Alert("k", "PROBLEM", Severity.CRITICAL, None, "QM.TAX TAX.TO.ETS", "已停止", AT)
    WebhookSink(base + "/ok").send([alert])
    assert received[0]["type"].startswith("application/json")
    body = received[0]["body"]
    assert body["source"] == "etsgw-monitor"
    assert body["alerts"][0]["severity"] == "CRITICAL" and body["alerts"][0]["summary"] == "已停止"
    with pytest.raises(OSError):
        WebhookSink(base + "/broken").send([alert])


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        data: list[bytes] = []
        in_data = False
        for line in self.rfile:
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    self.server.messages.append(b"".join(data))  # type: ignore[attr-defined]
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.server.commands.append(line.decode().strip())  # type: ignore[attr-defined]
                self.wfile.write(b"250 ok\r\n")


def test_smtp_sink_sends_one_message_per_check() -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages, server.commands = [], []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sink = SmtpSink("127.0.0.1", server.server_address[1], "mon@example.test",
                        ["ops@example.test"])
        sink.send([Alert("a", "PROBLEM", Severity.WARNING, None, "QM.TAX Q", "深度 20", AT),
                   Alert("b", "RECOVERY", Severity.OK, Severity.CRITICAL, "QM.TAX C", "运行中",
                         AT)])
    finally:
        server.shutdown()
        server.server_close()
    assert "rcpt to:<ops@example.test>" in [c.lower() for c in server.commands]  # type: ignore
    (raw,) = server.messages  # type: ignore[attr-defined]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(msg["Subject"]) == "[ETS网关监控] 告警 警告 QM.TAX Q 等 2 条"
    body = msg.get_content()
    assert "深度 20" in body and "已恢复" in body


def test_sinks_from_settings() -> None:
    assert sinks_from_settings(MonitorSection()) == []
    sinks = sinks_from_settings(MonitorSection(alert_webhook="http://127.0.0.1:9/x",
                                               smtp_host="127.0.0.1",
                                               alert_email_to=("ops@example.test",)))
    assert [s.name for s in sinks] == ["webhook", "email"]


def test_recovery_is_logged_even_at_log_level_warning() -> None:
    import logging

    import structlog

    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        state, m = MonitorState(), AlertManager()
        m.process(report(f(Severity.WARNING)), state, 0)
        with capture_logs() as logs:
            m.process(report(f(Severity.OK)), state, 15)
    finally:
        structlog.configure(**saved)
    assert [(e["kind"], e["log_level"]) for e in logs] == [("RECOVERY", "warning")]
