"""A small controlled data set for the summary and report tests, on SQLite and PostgreSQL: the
demo's reference data (offices, insurance types), then in two districts of each of two cities
one unit (two insured persons) and one flexible-employment payer, with October levies, some
paid through each channel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import insert, select, text

from gateway.bootstrap import build
from gateway.config import Settings
from gateway.demodata import generate
from gateway.persistence import migrate
from gateway.persistence.records import (InsuredPersonRecord, LevyRecord, PayerRecord,
                                         TaxOfficeRecord)

OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
DECLARED = dt.datetime(2026, 10, 1, 8)
PAID_ON = dt.date(2026, 10, 15)


@dataclass
class Data:
    app: object
    cities: list[str]  # two city office codes
    districts: dict[str, list[str]]  # city → its two district office codes
    levies: dict[str, list[int]]  # district → its levy ids (UNPAID ones last)

    def sql(self, statement: str, **params):
        with self.app.engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.fetchall() if result.returns_rows else result.rowcount

    def rows_of(self, offices) -> set[tuple]:
        """Every summary row (id and figures) of these offices."""
        rows = self.sql("SELECT id, measure, day, tax_org_code, insurance_code, payer_kind, "
                        "channel, levy_count, payer_count, person_count, amount, run_id "
                        "FROM daily_summary")
        return {tuple(r) for r in rows if r[3] in offices}

    def subtree(self, code: str) -> tuple[str, ...]:
        from gateway.persistence.web_queries import office_subtree
        with self.app.engine.connect() as conn:
            return office_subtree(conn, code)


def _load(app) -> Data:
    generate(app.engine, units=0, persons_per_unit=1, residents=0, flexible=0, periods=1,
             as_of=dt.date(2026, 11, 16), demo_password="test-only-pass")
    t = TaxOfficeRecord
    with app.engine.begin() as conn:
        cities = [r[0] for r in conn.execute(select(t.code).where(t.level == "CITY")
                                             .order_by(t.code).limit(2))]
        districts = {c: [r[0] for r in conn.execute(select(t.code).where(
            t.parent_code == c, t.level == "DISTRICT").order_by(t.code).limit(2))] for c in cities}
        levies: dict[str, list[int]] = {}
        payer_id, levy_id, person = 1000, 5000, 0
        channels = ("DEBIT:1", "BATCH_ITEM:2", "COUNTER:3")
        for c in cities:
            for n, d in enumerate(districts[c]):
                levies[d] = []
                for kind in ("UNIT", "FLEXIBLE"):
                    payer_id += 1
                    conn.execute(insert(PayerRecord.__table__).values(
                        id=payer_id, kind=kind, tax_pay_code=f"44{payer_id:016d}",
                        name=f"缴费人{payer_id}", tax_org_code=d, social_security_no=""))
                    if kind == "UNIT":
                        for _ in range(2):
                            person += 1
                            conn.execute(insert(InsuredPersonRecord.__table__).values(
                                unit_id=payer_id, id_number=f"4401011990{person:08d}",
                                name=f"职工{person}", declared_wage=5000))
                    for i, code in enumerate(("PENSION", "MEDICAL")):
                        levy_id += 1
                        paid = i == 0
                        conn.execute(insert(LevyRecord.__table__).values(
                            id=levy_id, payer_id=payer_id, tax_org_code=d, insurance_code=code,
                            period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 9, 30),
                            amount=f"{100 + n * 10 + i}.25", state="PAID" if paid else "UNPAID",
                            paid_by=channels[(levy_id) % 3] if paid else "",
                            tax_date=PAID_ON if paid else None, created_at=DECLARED,
                            lock_reason="", declaration_no=f"D{levy_id}", version=1))
                        levies[d].append(levy_id)
    return Data(app, cities, districts, levies)


@pytest.fixture
def data(db_url):
    app = build(Settings().replace(database={"url": db_url}))
    migrate.upgrade(app.engine)
    yield _load(app)
    app.close()
