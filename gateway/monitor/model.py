"""The monitor's vocabulary: severities with their Nagios exit codes, one finding per thing
checked, and the report of one check (what the table, ``--json``, alerts and metrics show)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Nagios plugin states; the value is the exit code."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def rank(self) -> int:
        """Worst-of order: OK < WARNING < UNKNOWN < CRITICAL. Not being able to look is worse
        than a warning, but a known outage is worse still."""
        return {0: 0, 1: 1, 3: 2, 2: 3}[int(self)]

    @property
    def label(self) -> str:
        return {0: "正常", 1: "警告", 2: "严重", 3: "未知"}[int(self)]


def worst(severities: Any) -> Severity:
    """The worst of ``severities`` (OK when there are none)."""
    return max(severities, key=lambda s: s.rank, default=Severity.OK)


@dataclass(frozen=True)
class Finding:
    """The state of one thing checked.

    ``key`` identifies the thing across checks (alert de-duplication, grace timers), e.g.
    ``queue:QM.TAX:QM.ETS.XMITQ``. ``summary`` is for people (zh-CN). ``derived`` marks a
    finding whose cause is reported by another one (a remote queue shows its transmission
    queue's depth): it counts for the exit code and the table but is not alerted on its own.
    """

    key: str
    category: str  # queue | channel | backout | inbound | gateway | host | process | source
    subject: str
    severity: Severity
    summary: str
    value: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    derived: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.name
        return data


@dataclass(frozen=True)
class Report:
    """The findings of one check, taken at ``checked_at`` (Beijing time, naive)."""

    checked_at: dt.datetime
    findings: tuple[Finding, ...]

    @property
    def severity(self) -> Severity:
        return worst(f.severity for f in self.findings)

    @property
    def exit_code(self) -> int:
        return int(self.severity)

    def problems(self) -> list[Finding]:
        """Findings that are not OK, worst first, causes before the findings derived from them."""
        bad = [f for f in self.findings if f.severity is not Severity.OK]
        return sorted(bad, key=lambda f: (-f.severity.rank, f.derived))

    def status_line(self) -> str:
        """The Nagios plugin's first line: state and the problems in short."""
        problems = self.problems()
        if not problems:
            return f"OK - 共检查 {len(self.findings)} 项，全部正常"
        text = "；".join(f"{f.subject}: {f.summary}" for f in problems[:5])
        more = f"（另有 {len(problems) - 5} 项）" if len(problems) > 5 else ""
        return f"{self.severity.name} - {text}{more}"

    def as_dict(self) -> dict[str, Any]:
        counts = {s.name: 0 for s in Severity}
        for f in self.findings:
            counts[f.severity.name] += 1
        return {"status": self.severity.name, "exit_code": self.exit_code,
                "checked_at": self.checked_at.isoformat(timespec="seconds"),
                "summary": self.status_line(), "counts": counts,
                "findings": [f.as_dict() for f in self.findings]}
