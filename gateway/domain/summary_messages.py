"""Commands of the daily summaries and reports (issue 14 items 3 and 4); the jobs process sends
RefreshDailySummaries and GenerateReports on its schedule, the console sends all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.domain.commands import Command


@dataclass(frozen=True)
class RefreshDailySummaries(Command):
    """Rebuild the summary rows of ``date_from``..``date_to`` for one office and its
    subordinates (None = every office), in one transaction; returns a RefreshResult."""

    date_from: dt.date
    date_to: dt.date
    tax_org_code: str | None = None
    operator: str = "system"


@dataclass(frozen=True)
class GenerateReports(Command):
    """Make the monthly report of every district, city and province office from the summaries
    (``month`` YYYY-MM; None = the clock's month). A new version only where figures changed;
    returns the ids of the new versions."""

    month: str | None = None
    operator: str = "system"


@dataclass(frozen=True)
class SubmitReport(Command):
    """上报: the office head freezes a version and sends it to the parent office."""

    version_id: int
    operator: str
    operator_office: str


@dataclass(frozen=True)
class SendArrearsReminders(Command):
    """催缴: one text per payer in arrears into the notification outbox (once per payer and
    month); ``office_codes`` is the sender's scope. Returns the number queued."""

    payer_ids: tuple[int, ...]
    office_codes: tuple[str, ...]
    as_of: dt.date
    operator: str
