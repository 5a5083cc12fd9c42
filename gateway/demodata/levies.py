"""Declared levies (应征) of the demo: one per payer, insurance type and fee period, streamed as
row tuples so that a million of them never sit in memory at once.

Units and flexible-employment persons declare monthly, for the last ``periods`` months ending with
the current one; residents declare once a year. The current month is unpaid; older months are
partly paid (by bank, ``paid_by`` DEMO, on a clearing day), more so the older they are, so that
most levies stay unpaid and there is work for the demo.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gateway.calendar_table import official_calendar
from gateway.demodata.parameters import tariff_key
from gateway.demodata.population import DemoPayer, timestamp
from gateway.domain.parties import PayerKind

LEVY_COLUMNS = ("id", "payer_id", "tax_org_code", "insurance_code", "period_start", "period_end",
                "amount", "state", "lock_reason", "paid_by", "tax_date", "declaration_no", "version",
                "created_at", "parameter_basis_id")
PAID_SHARE_PER_MONTH = 0.12  # a period k months old is paid with probability 0.12·k …
MAX_PAID_SHARE = 0.60  # … up to this
RESIDENT_PAID_SHARE = 0.35
PAID_BY = "DEMO"


@dataclass(frozen=True)
class Period:
    """A fee period with everything a levy row needs precomputed as text."""

    start: dt.date
    end: dt.date
    paid_share: float
    pay_days: tuple[str, ...]  # clearing days on which a payment of this period may have happened
    declared_at: str
    label: str  # for the declaration number: yyyymm, or yyyy00 for a year
    start_text: str = ""  # ISO dates, formatted once rather than once per row
    end_text: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_text", self.start.isoformat())
        object.__setattr__(self, "end_text", self.end.isoformat())


def _clearing_days(first: dt.date, last: dt.date) -> tuple[str, ...]:
    calendar = official_calendar()
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(d.isoformat() for d in days if calendar.is_clearing_day(d))


def _month_end(start: dt.date) -> dt.date:
    nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def monthly_periods(as_of: dt.date, count: int) -> list[Period]:
    """The last ``count`` months ending with the month of ``as_of``, oldest first."""
    result = []
    for age in range(count - 1, -1, -1):
        index = as_of.year * 12 + as_of.month - 1 - age
        start = dt.date(index // 12, index % 12 + 1, 1)
        share = min(MAX_PAID_SHARE, PAID_SHARE_PER_MONTH * age)
        # Paid between the 10th and the 25th: declared at the start of the month, due by its end.
        pay_days = _clearing_days(start + dt.timedelta(days=9), start + dt.timedelta(days=24))
        result.append(Period(start, _month_end(start), share, pay_days,
                             timestamp(dt.datetime(start.year, start.month, 1, 8)),
                             f"{start.year:04d}{start.month:02d}"))
    return result


def resident_year(as_of: dt.date) -> Period:
    """The current year; residents declare and pay it from September to December before."""
    year = as_of.year
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), RESIDENT_PAID_SHARE,
                  _clearing_days(dt.date(year - 1, 9, 1), dt.date(year - 1, 12, 20)),
                  timestamp(dt.datetime(year - 1, 9, 1, 8)), f"{year:04d}00")


def levy_rows(payers: Iterable[DemoPayer], monthly: list[Period], year: Period, seed: int,
              first_id: int, bases: dict[tuple, int] | None = None) -> Iterator[tuple]:
    """Rows in LEVY_COLUMNS order. A payer pays all types of a period together, as one debit.
    ``bases`` (parameters.DemoParameters.bases) gives each levy its parameter basis."""
    rng = random.Random(f"{seed}:levies")
    next_id = first_id
    bases = bases or {}
    for payer in payers:
        periods = (year,) if payer.kind is PayerKind.RESIDENT else monthly
        kind = payer.kind.value
        for period in periods:
            tariff = tariff_key(payer.kind, period.start)
            paid = rng.random() < period.paid_share
            state, paid_by, tax_date = ("PAID", PAID_BY, rng.choice(period.pay_days)) if paid \
                else ("UNPAID", "", None)
            declaration = f"{payer.city.code}{period.label}{payer.id:09d}"
            for code, fen, item in payer.dues[tariff]:
                yield (next_id, payer.id, payer.tax_org_code, code, period.start_text, period.end_text,
                       fen, state, "", paid_by, tax_date, declaration, 1, period.declared_at,
                       bases.get((kind, payer.city.code, tariff, code, item)))
                next_id += 1
