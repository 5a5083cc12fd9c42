"""Monthly report versions: generated from the summaries, a new version only when figures
change, a submitted version frozen (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from gateway.domain.summary import NotReportOwner, ReportFrozen
from gateway.domain.summary_messages import (GenerateReports, RefreshDailySummaries,
                                             SubmitReport)
from tests.integration.reports.conftest import OCT, PAID_ON


def _versions(data, org):
    return data.sql("SELECT id, version, state, body, submitted_to FROM report_version "
                    "WHERE tax_org_code = :o AND month = '2026-10' ORDER BY version", o=org)


def test_submitted_version_is_frozen_and_a_rerun_makes_a_new_one(data):
    bus = data.app.bus
    city = data.cities[0]
    district = data.districts[city][0]
    bus.handle(RefreshDailySummaries(*OCT))
    created = bus.handle(GenerateReports("2026-10", "tester"))
    assert created
    assert bus.handle(GenerateReports("2026-10", "tester")) == []  # same figures: no version
    (v1,) = _versions(data, district)
    rows = json.loads(v1.body)
    levied = sum(float(r["levied"]) for r in rows)
    assert levied == pytest.approx(float(data.sql(
        "SELECT SUM(amount) FROM levy WHERE tax_org_code = :d", d=district)[0][0]) / 100)

    with pytest.raises(NotReportOwner):
        bus.handle(SubmitReport(v1.id, "head_other", data.districts[city][1]))
    info = bus.handle(SubmitReport(v1.id, "head", district))
    assert info.state == "SUBMITTED" and info.parent_code == city
    with pytest.raises(ReportFrozen):
        bus.handle(SubmitReport(v1.id, "head", district))

    # A payment arrives, the district is re-processed: version 2, version 1 unchanged.
    levy = data.levies[district][-1]
    data.sql("UPDATE levy SET state = 'PAID', paid_by = 'COUNTER:7', tax_date = :t WHERE id = :i",
             t=PAID_ON, i=levy)
    bus.handle(RefreshDailySummaries(*OCT, tax_org_code=district))
    bus.handle(GenerateReports("2026-10", "tester"))
    first, second = _versions(data, district)
    assert (first.id, first.state, first.body) == (v1.id, "SUBMITTED", v1.body)
    assert second.version == 2 and second.state == "DRAFT" and second.body != v1.body
    # The city's report changes with it; the other city's does not.
    other = data.cities[1]
    assert len(_versions(data, city)) == 2 and len(_versions(data, other)) == 1
