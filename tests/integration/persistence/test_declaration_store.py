"""The unit portal's set-based SQL on both databases: a unit's preview totals equal what
declaring writes (lines and levies, added to on a supplement), and voiding a declaration takes
its share off or voids the levies — on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from gateway.domain.declaration import Scheme
from gateway.services import unit_declarations

NOW = dt.datetime(2026, 11, 16, 10, 0)
PERIOD = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request, tmp_path):
    from gateway.bootstrap import build
    from gateway.config import Settings
    from gateway.demodata import generate
    from gateway.persistence import migrate
    url = f"sqlite:///{tmp_path / 'd.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    application = build(Settings().replace(database={"url": url}), clock=lambda: NOW)
    migrate.upgrade(application.engine)
    generate(application.engine, units=2, persons_per_unit=2, residents=0, flexible=0, periods=1,
             as_of=dt.date(2026, 11, 16), demo_password="test-only-1")
    yield application
    application.close()


def _unit(conn):
    from gateway.persistence import unit_portal_queries as uq
    return uq.unit(conn, 1)


def _terms(conn, unit):
    from gateway.domain.contribution import unit_parameters_on
    from gateway.domain.declaration import UNIT_INSURANCE_TYPES, terms_of
    from gateway.persistence import unit_portal_queries as uq
    table = uq.parameter_table(conn, unit["city_code"], PERIOD[0])
    return terms_of(unit_parameters_on(table, unit["city_code"], PERIOD[0], UNIT_INSURANCE_TYPES))


def _declare(app, terms, unit):
    from gateway.persistence.declaration_store import DeclarationStore
    with app.uow() as uow:
        done = unit_declarations.declare(DeclarationStore(uow.session), 1, unit["tax_org_code"],
                                         PERIOD, terms, None, "test", NOW)
        uow.commit()
    return done


def test_preview_declare_supplement_and_void(app):
    from gateway.demodata.large_unit import add_persons
    from gateway.persistence import unit_portal_queries as uq
    from gateway.persistence.declaration_store import DeclarationStore
    add_persons(app.engine, 1, 30)
    with app.engine.connect() as conn:
        unit = _unit(conn)
        terms = _terms(conn, unit)
        preview = uq.preview(conn, 1, *PERIOD, terms, page=2, size=50)
    assert preview.summary["persons"] == 32 and preview.summary["lines"] == 160
    assert preview.pages == 4 and len(preview.rows) == 50
    first = _declare(app, terms, unit)
    assert first.persons == 32 and first.amount == preview.summary["amount"]
    with app.engine.connect() as conn:
        levies = dict(conn.execute(text("SELECT insurance_code, amount FROM levy WHERE payer_id = 1 "
                                        "AND period_start = :p"), {"p": PERIOD[0]}).all())
        lines = dict(conn.execute(text("SELECT insurance_code, sum(amount) FROM declaration_line "
                                       "GROUP BY insurance_code")).all())
        assert {k: int(v) for k, v in levies.items()} == {k: int(v) for k, v in lines.items()}
        assert {k: Decimal(int(v)) / 100 for k, v in lines.items()} == preview.summary["per_type"]
        assert uq.preview(conn, 1, *PERIOD, terms).summary["persons"] == 0
    with app.uow() as uow:
        DeclarationStore(uow.session).add_person(1, "440106199001010011", "补报", Decimal("9000.00"),
                                                 Scheme.INJURY_PT, "", PERIOD[0], "test", NOW)
        uow.commit()
    second = _declare(app, terms, unit)
    assert second.persons == 1 and second.kind.value == "SUPPLEMENT"
    with app.uow() as uow:
        out = unit_declarations.void(DeclarationStore(uow.session), uow, 1, second.declaration_id,
                                     "", NOW)
        uow.commit()
    assert out.state == "VOIDED"
    with app.engine.connect() as conn:
        after = dict(conn.execute(text("SELECT insurance_code, amount FROM levy WHERE payer_id = 1 "
                                       "AND period_start = :p"), {"p": PERIOD[0]}).all())
        assert after == levies  # the supplement's injury share came off again
    with app.uow() as uow:
        out = unit_declarations.void(DeclarationStore(uow.session), uow, 1, first.declaration_id,
                                     "", NOW)
        uow.commit()
    with app.engine.connect() as conn:
        states = conn.execute(text("SELECT DISTINCT state FROM levy WHERE payer_id = 1 "
                                   "AND period_start = :p"), {"p": PERIOD[0]}).all()
    assert states == [("VOIDED",)]


def test_levies_carry_the_business_clock_declaration_time(app):
    """应征 counts a levy on its Beijing declaration day: ``created_at`` is the business clock's
    time, not the database's ``now()`` (UTC on SQLite, 8 hours behind before 08:00 Beijing)."""
    early = dt.datetime(2026, 11, 16, 7, 30)
    from gateway.persistence.declaration_store import DeclarationStore
    with app.engine.connect() as conn:
        unit = _unit(conn)
        terms = _terms(conn, unit)
    with app.uow() as uow:
        done = unit_declarations.declare(DeclarationStore(uow.session), 1, unit["tax_org_code"],
                                         PERIOD, terms, None, "test", early)
        uow.commit()
    with app.engine.connect() as conn:
        stamps = conn.execute(text("SELECT created_at FROM levy WHERE declaration_no = :n"),
                              {"n": done.declaration_no}).scalars().all()
    assert stamps and {s if isinstance(s, dt.datetime) else dt.datetime.fromisoformat(s)
                       for s in stamps} == {early}
