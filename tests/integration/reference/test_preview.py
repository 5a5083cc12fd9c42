"""Recalculation preview on the demo data: the set-based SQL agrees with the domain's own
computation levy by levy, only the city's unpaid unit levies of the period count, and nothing
is changed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.demodata import generate
from gateway.domain.contribution import contribution, unit_parameters_on
from gateway.domain.reference import ParameterKey, ParameterKind
from gateway.domain.reference_changes import ChangeAction, ParameterChange
from gateway.persistence.engine import make_engine
from gateway.persistence.migrate import upgrade
from gateway.persistence.records import (InsuredPersonRecord, LevyRecord, PayerRecord,
                                         TaxOfficeRecord)
from gateway.persistence.reference_unit_of_work import SqlReferenceUnitOfWork
from gateway.services import reference as service

AS_OF = dt.date(2024, 11, 5)
TODAY = dt.date(2024, 8, 31)  # the preview is asked before the new value's date


@pytest.fixture
def demo(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    generate(engine, units=40, persons_per_unit=4, residents=5, as_of=AS_OF, demo_password="pw")
    yield lambda: SqlReferenceUnitOfWork(engine)
    engine.dispose()


def _expected(uow, change: ParameterChange) -> dict[str, tuple[int, int, Decimal, Decimal]]:
    """Per office: (levies, changed, before, after), computed with the domain rules."""
    key = change.key
    with uow() as u:
        s = u.session
        table = u.parameters.table()
        rows = s.execute(select(LevyRecord.id, LevyRecord.tax_org_code, LevyRecord.payer_id,
                                LevyRecord.insurance_code, LevyRecord.period_start, LevyRecord.amount)
                         .join(PayerRecord, PayerRecord.id == LevyRecord.payer_id)
                         .join(TaxOfficeRecord, TaxOfficeRecord.code == LevyRecord.tax_org_code)
                         .where(LevyRecord.state == "UNPAID", PayerRecord.kind == "UNIT",
                                TaxOfficeRecord.city_code == key.city_code,
                                LevyRecord.period_start >= change.valid_from)).all()
        wages = defaultdict(list)
        for unit_id, wage in s.execute(select(InsuredPersonRecord.unit_id, InsuredPersonRecord.declared_wage)):
            wages[unit_id].append(wage)
    result: dict[str, list] = defaultdict(lambda: [0, 0, Decimal("0.00"), Decimal("0.00")])
    for _, office, payer_id, code, start, amount in rows:
        if key.insurance_code and code != key.insurance_code:
            continue
        params = unit_parameters_on(table, key.city_code, start, (code,))
        if key.kind is ParameterKind.BASE_CEILING:
            params = replace(params, wage_ceiling=change.value, bounds={})
        elif key.kind is ParameterKind.RATE and code == key.insurance_code:
            params = replace(params, rates={code: change.value})
        new = sum((contribution(w, code, params) for w in wages[payer_id]), Decimal("0.00"))
        entry = result[office]
        entry[0] += 1
        if new != amount:
            entry[1] += 1
            entry[2] += amount
            entry[3] += new
    return {office: tuple(v) for office, v in result.items()}


@pytest.mark.parametrize("change", [
    ParameterChange(ChangeAction.SCHEDULE, ParameterKey(ParameterKind.BASE_CEILING, "4401", "UNIT"),
                    dt.date(2024, 9, 1), dt.date(2025, 6, 30), Decimal("9000.00")),
    ParameterChange(ChangeAction.SCHEDULE, ParameterKey(ParameterKind.RATE, "4401", "UNIT", "PENSION"),
                    dt.date(2024, 9, 1), dt.date(2025, 6, 30), Decimal("0.1400")),
], ids=["ceiling", "rate"])
def test_preview_counts_what_would_change_and_changes_nothing(demo, change):
    uow = demo
    with uow() as u:
        before = [(v.id, v.valid_from, v.valid_to, v.value) for v in u.parameters.versions()]
        levies_before = u.session.execute(select(LevyRecord.id, LevyRecord.amount).order_by(LevyRecord.id)).all()
        [line] = service.preview(u, [change], TODAY)
    got = {i.tax_org_code: (i.levies, i.changed, i.amount_before, i.amount_after) for i in line.impacts}
    expected = _expected(uow, change)
    assert got == expected
    assert all(code.startswith("14401") for code in got)  # only Guangzhou's offices
    assert sum(i.changed for i in line.impacts) > 0 and all(i.uncomputable == 0 for i in line.impacts)
    if change.key.kind is ParameterKind.RATE:  # a lower rate: every pension levy drops
        assert all(i.delta < 0 and i.changed == i.levies for i in line.impacts if i.levies)
    with uow() as u:
        assert [(v.id, v.valid_from, v.valid_to, v.value) for v in u.parameters.versions()] == before
        assert u.session.execute(select(LevyRecord.id, LevyRecord.amount).order_by(LevyRecord.id)).all() \
            == levies_before


def test_preview_of_a_kind_it_cannot_recompute_is_empty(demo):
    change = ParameterChange(ChangeAction.SCHEDULE, ParameterKey(ParameterKind.AVERAGE_WAGE, "4401"),
                             dt.date(2024, 9, 1), None, Decimal("9000.00"))
    with demo() as u:
        assert service.preview(u, [change], TODAY)[0].impacts == []
