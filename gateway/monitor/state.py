"""What the monitor remembers between checks: since when a condition holds (grace periods) and
the last alerted state of every finding (de-duplication, recovery).

``--watch`` keeps it in memory; it is also written to ``monitor.state_file`` (JSON, replaced
atomically) so that a one-shot ``etsgw monitor`` run from cron or Nagios every 15 s sees the
same grace timers and alerts each state change once.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class MonitorState:
    """``first_seen``: key -> [signature, epoch seconds]; ``alerts``: key -> the last alerted
    state ({"severity", "summary", "since", "sent_at", "subject"}); ``marks``: small named
    values such as the debit-latency watermark."""

    first_seen: dict[str, list[Any]] = field(default_factory=dict)
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, Any] = field(default_factory=dict)
    _touched: set[str] = field(default_factory=set, repr=False)

    def elapsed(self, key: str, signature: str, now: float) -> float:
        """Seconds ``key`` has been in the condition ``signature``; a new condition starts now."""
        self._touched.add(key)
        seen = self.first_seen.get(key)
        if seen is None or seen[0] != signature:
            self.first_seen[key] = [signature, now]
            return 0.0
        return max(0.0, now - float(seen[1]))

    def end_check(self) -> None:
        """Forget conditions not seen in the check just finished: they have ended."""
        for key in set(self.first_seen) - self._touched:
            del self.first_seen[key]
        self._touched = set()

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None) -> "MonitorState":
        """The state saved at ``path``; empty when there is none or it cannot be read (a lost
        state file costs one repeated alert, not a failed check)."""
        if not path or not Path(path).is_file():
            return cls()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(first_seen=dict(data.get("first_seen", {})),
                       alerts=dict(data.get("alerts", {})), marks=dict(data.get("marks", {})))
        except (OSError, ValueError, AttributeError):
            return cls()

    def save(self, path: str | os.PathLike[str] | None, *, alerts: bool = True) -> None:
        """Write the state; ``alerts=False`` keeps the alert state already in the file (a
        look-only run must not swallow a change that the alerting run has yet to send)."""
        if not path:
            return
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        alert_state = self.alerts if alerts else MonitorState.load(target).alerts
        data = {"first_seen": self.first_seen, "alerts": alert_state, "marks": self.marks}
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".monitor-state.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, default=str)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
