"""Alerts on state changes, not on every poll.

For each finding the last alerted severity is kept (:class:`MonitorState`): a finding turning
bad raises a PROBLEM, a change of severity while bad a CHANGED, a return to OK one RECOVERY; an
unchanged problem is repeated (REMINDER) only when ``realert_s`` is set. Derived findings are
not alerted (their cause is). A finding that is not in a report at all (its queue manager could
not be read, so its queues were not seen) keeps its state: it has not recovered, we just could
not look; such entries are forgotten after ``forget_after_s`` unseen, without a message.

Every alert goes to the log; :mod:`gateway.monitor.sinks` sends them on (webhook, e-mail).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import structlog

from gateway.monitor.model import Finding, Report, Severity
from gateway.monitor.state import MonitorState

log = structlog.get_logger("gateway.monitor")

KIND_LABEL = {"PROBLEM": "告警", "CHANGED": "级别变化", "REMINDER": "仍未恢复",
              "RECOVERY": "已恢复"}


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # PROBLEM | CHANGED | REMINDER | RECOVERY
    severity: Severity
    previous: Severity | None
    subject: str
    summary: str
    at: dt.datetime  # Beijing time, naive

    @property
    def title(self) -> str:
        return f"[ETS网关监控] {KIND_LABEL[self.kind]} {self.severity.label} {self.subject}"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "severity": self.severity.name,
                "previous": self.previous.name if self.previous is not None else None,
                "subject": self.subject, "summary": self.summary, "title": self.title,
                "at": self.at.isoformat(timespec="seconds")}


class AlertSink(Protocol):
    name: str

    def send(self, alerts: Sequence[Alert]) -> None:
        """Deliver one check's alerts; raise on failure (the manager logs it and goes on)."""


class AlertManager:
    def __init__(self, sinks: Sequence[AlertSink] = (), *, realert_s: float = 0.0,
                 forget_after_s: float = 86400.0) -> None:
        self.sinks = list(sinks)
        self.realert_s = realert_s
        self.forget_after_s = forget_after_s

    def process(self, report: Report, state: MonitorState, now: float) -> list[Alert]:
        """Compare ``report`` with the alert state, update it, and send what changed."""
        alerts = []
        seen = set()
        for f in report.findings:
            if f.derived:
                continue
            seen.add(f.key)
            alert = self._compare(f, state, now, report.checked_at)
            if alert is not None:
                alerts.append(alert)
        for key in list(state.alerts):
            if key not in seen and now - float(state.alerts[key].get("seen_at", now)) \
                    >= self.forget_after_s:
                del state.alerts[key]
        if alerts:
            self._send(alerts)
        return alerts

    def _compare(self, f: Finding, state: MonitorState, now: float, at: dt.datetime
                 ) -> Alert | None:
        prev = state.alerts.get(f.key)
        before = Severity[prev["severity"]] if prev else None
        if f.severity is Severity.OK:
            if prev is None:
                return None
            del state.alerts[f.key]
            return Alert(f.key, "RECOVERY", Severity.OK, before, f.subject, f.summary, at)
        if prev is not None and before is f.severity:
            prev["seen_at"] = now
            if not self.realert_s or now - float(prev.get("sent_at", 0)) < self.realert_s:
                return None
            prev["sent_at"] = now
            return Alert(f.key, "REMINDER", f.severity, before, f.subject, f.summary, at)
        state.alerts[f.key] = {"severity": f.severity.name, "subject": f.subject,
                               "summary": f.summary, "since": at.isoformat(timespec="seconds"),
                               "sent_at": now, "seen_at": now}
        return Alert(f.key, "PROBLEM" if prev is None else "CHANGED", f.severity, before,
                     f.subject, f.summary, at)

    def _send(self, alerts: list[Alert]) -> None:
        for a in alerts:
            # A recovery is logged at the level of a warning, so that wherever its problem
            # was logged (log.level WARNING in production) its end is too.
            method = log.error if a.severity is Severity.CRITICAL else log.warning
            method("monitor.alert", kind=a.kind, severity=a.severity.name, key=a.key,
                   subject=a.subject, summary=a.summary,
                   previous=a.previous.name if a.previous is not None else None)
        for sink in self.sinks:
            try:
                sink.send(alerts)
            except Exception as err:  # a sink that is down must not stop the monitor
                log.warning("monitor.alert_sink_failed", sink=sink.name, error=str(err),
                            alerts=len(alerts))
