"""Daily summaries: set-based per scope; re-processing one district or one city changes no
summary row of any other office (two districts in each of two cities, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.domain.summary_messages import RefreshDailySummaries
from tests.integration.reports.conftest import OCT, PAID_ON


def _pay_one_more(data, district: str) -> None:
    """An UNPAID levy of the district becomes paid (a later payment the summaries lack)."""
    levy = data.sql("SELECT id FROM levy WHERE tax_org_code = :d AND state = 'UNPAID' "
                    "ORDER BY id LIMIT 1", d=district)[0][0]
    data.sql("UPDATE levy SET state = 'PAID', paid_by = 'DEBIT:99', tax_date = :t WHERE id = :i",
             t=PAID_ON, i=levy)


def test_figures_per_dimension(data):
    result = data.app.bus.handle(RefreshDailySummaries(*OCT, operator="tester"))
    assert result.rows_before == 0 and result.rows_after > 0
    levied = data.sql("SELECT SUM(amount) FROM levy")[0][0]
    assert result.levied_after == Decimal(levied) / 100
    received = data.sql("SELECT SUM(amount) FROM levy WHERE state = 'PAID'")[0][0]
    assert result.received_after == Decimal(received) / 100
    # A unit counts its two insured persons (人次), a flexible payer one; each payer once (户次).
    d = data.districts[data.cities[0]][0]
    unit = data.sql("SELECT payer_count, person_count, levy_count FROM daily_summary "
                    "WHERE measure = 'LEVIED' AND tax_org_code = :d AND payer_kind = 'UNIT' "
                    "AND insurance_code = 'PENSION'", d=d)
    assert unit == [(1, 2, 1)]
    channels = {r[0] for r in data.sql("SELECT DISTINCT channel FROM daily_summary "
                                       "WHERE measure = 'RECEIVED'")}
    assert channels == {"REALTIME", "BATCH", "COUNTER"}
    run = data.sql("SELECT requested_by, tax_org_code, rows_before, rows_after FROM summary_run")
    assert run == [("tester", "", 0, result.rows_after)]


def test_reprocessing_one_district_changes_no_other_office(data):
    bus = data.app.bus
    bus.handle(RefreshDailySummaries(*OCT))
    city_a, city_b = data.cities
    a1, a2 = data.districts[city_a]
    everything = {d for c in data.cities for d in data.subtree(c)}
    before = data.rows_of(everything)
    for c in data.cities:  # every district gets a payment the summaries do not have yet
        for d in data.districts[c]:
            _pay_one_more(data, d)

    result = bus.handle(RefreshDailySummaries(*OCT, tax_org_code=a1, operator="head_a1"))

    a1_offices = set(data.subtree(a1))
    outside = everything - a1_offices
    assert data.rows_of(outside) == {r for r in before if r[3] in outside}
    assert data.rows_of(a1_offices) != {r for r in before if r[3] in a1_offices}
    assert result.received_after > result.received_before
    assert result.levied_after == result.levied_before
    run = data.sql("SELECT requested_by, tax_org_code FROM summary_run ORDER BY id DESC LIMIT 1")
    assert run == [("head_a1", a1)]

    # Now all of city B: city A (both districts, a2's new payment still absent) stays as it was.
    after_a1 = data.rows_of(everything)
    bus.handle(RefreshDailySummaries(*OCT, tax_org_code=city_b, operator="head_b"))
    city_a_offices = set(data.subtree(city_a))
    assert data.rows_of(city_a_offices) == {r for r in after_a1 if r[3] in city_a_offices}
    b_offices = set(data.subtree(city_b))
    assert data.rows_of(b_offices) != {r for r in after_a1 if r[3] in b_offices}
    assert a2 in city_a_offices


def test_rerun_of_other_dates_keeps_the_days_outside_them(data):
    bus = data.app.bus
    bus.handle(RefreshDailySummaries(*OCT))
    offices = {d for c in data.cities for d in data.subtree(c)}
    before = data.rows_of(offices)
    a1 = data.districts[data.cities[0]][0]
    _pay_one_more(data, a1)
    # Only the first ten days (the payments are on the 15th): the 15th's rows stay as they were,
    # the rebuilt days carry the same figures.
    result = bus.handle(RefreshDailySummaries(dt.date(2026, 10, 1), dt.date(2026, 10, 10), a1))
    after = data.rows_of(offices)
    on_15th = {r for r in before if str(r[2]) == str(PAID_ON)}
    assert on_15th and on_15th <= after
    figures = {r[1:11] for r in after}
    assert figures == {r[1:11] for r in before}
    assert result.received_after == result.received_before == 0
