"""Where alerts go besides the log: a webhook (one JSON POST per check) and e-mail through SMTP
(one message per check). Configured in ``[monitor]``; none by default."""

from __future__ import annotations

import json
import smtplib
import socket
import urllib.request
from email.message import EmailMessage
from typing import Sequence

from gateway.config import MonitorSection
from gateway.monitor.alerts import Alert, AlertSink


class WebhookSink:
    """POSTs ``{"source": "etsgw-monitor", "host": ..., "alerts": [...]}`` as UTF-8 JSON; any
    answer other than 2xx is a failure."""

    name = "webhook"

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        self.url, self.timeout_s = url, timeout_s

    def send(self, alerts: Sequence[Alert]) -> None:
        body = json.dumps({"source": "etsgw-monitor", "host": socket.gethostname(),
                           "alerts": [a.as_dict() for a in alerts]},
                          ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            if not 200 <= response.status < 300:
                raise OSError(f"webhook answered {response.status}")


class SmtpSink:
    """One e-mail per check listing its alerts; the subject is the worst alert's title."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, recipients: Sequence[str], *,
                 user: str = "", password: str = "", starttls: bool = False,
                 timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.recipients = list(recipients)
        self.user, self.password, self.starttls = user, password, starttls
        self.timeout_s = timeout_s

    def message(self, alerts: Sequence[Alert]) -> EmailMessage:
        msg = EmailMessage()
        first = max(alerts, key=lambda a: (a.kind != "RECOVERY", a.severity.rank))
        more = f" 等 {len(alerts)} 条" if len(alerts) > 1 else ""
        msg["Subject"] = first.title + more
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        lines = [f"{a.at:%Y-%m-%d %H:%M:%S}  {a.title}\n    {a.summary}" for a in alerts]
        msg.set_content("\n".join(lines) + f"\n\n—— etsgw monitor @ {socket.gethostname()}\n")
        return msg

    def send(self, alerts: Sequence[Alert]) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(self.message(alerts))


def sinks_from_settings(opts: MonitorSection) -> list[AlertSink]:
    sinks: list[AlertSink] = []
    if opts.alert_webhook:
        sinks.append(WebhookSink(opts.alert_webhook, opts.webhook_timeout_s))
    if opts.smtp_host and opts.alert_email_to:
        sinks.append(SmtpSink(opts.smtp_host, opts.smtp_port,
                              opts.alert_email_from or f"etsgw-monitor@{socket.gethostname()}",
                              opts.alert_email_to, user=opts.smtp_user,
                              password=opts.smtp_password, starttls=opts.smtp_starttls))
    return sinks
