"""The individual portal's use cases through the bus on SQLite and PostgreSQL: a virtual unit's
set-based declaration and its payment, a grade change, paying for another person and a stop
that first meets a locked levy (issue 16)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from gateway.config import Settings
from gateway.domain import individual_commands as ic
from gateway.domain.commands import SubmitDebit
from gateway.domain.events import InboundRef, StatusReported
from gateway.domain.identifiers import is_valid_id_number
from gateway.domain.individual import IndividualRefused


@pytest.fixture
def app(db_url):
    from gateway.bootstrap import build
    from gateway.demodata import generate
    from gateway.persistence import migrate
    from webapp.demo_accounts import ensure_demo_accounts

    application = build(Settings().replace(database={"url": db_url}))
    migrate.upgrade(application.engine)
    generate(application.engine, units=4, persons_per_unit=1, residents=4, flexible=2, periods=2,
             as_of=application.clock().date(), demo_password="pw-for-tests")
    ensure_demo_accounts(application, "pw-for-tests")
    yield application
    application.close()


def _sql(app, statement: str, **params):
    with app.engine.begin() as conn:
        return conn.execute(text(statement), params).fetchall()


def _payer(app, username: str) -> int:
    return _sql(app, "SELECT payer_id FROM app_user WHERE username = :u", u=username)[0][0]


def _id_numbers(prefix: str, count: int) -> list[str]:
    out = []
    for n in range(100, 999):
        for c in "0123456789X":
            if is_valid_id_number(f"{prefix}{n:03d}{c}"):
                out.append(f"{prefix}{n:03d}{c}")
                break
        if len(out) == count:
            return out
    raise AssertionError("not enough ID numbers")


def test_virtual_unit_declares_valid_rows_reports_bad_ones_and_pays(app):
    unit = _payer(app, "resident_unit_demo")
    year = app.clock().year
    a, b = _id_numbers("44010619900303", 2)
    rows = (ic.ResidentRow(2, a, "赵一", "RESIDENT_PENSION", year, "2"),
            ic.ResidentRow(3, a, "赵一", "RESIDENT_MEDICAL", year, ""),
            ic.ResidentRow(4, b, "钱二", "RESIDENT_PENSION", year + 2, "1"),  # year not allowed
            ic.ResidentRow(5, a, "赵一", "RESIDENT_PENSION", year, "2"),  # repeated in the file
            ic.ResidentRow(6, b, "钱二", "RESIDENT_PENSION", year, "99"))  # no such grade
    result = app.bus.handle(ic.DeclareResidents(unit, rows, "test"))
    assert len(result["levy_ids"]) == 2 and sorted(result["errors"]) == [4, 5, 6]
    assert _sql(app, "SELECT count(*) FROM payer WHERE tax_pay_code = :a", a=a) == [(1,)]
    again = app.bus.handle(ic.DeclareResidents(unit, rows[:1], "test"))
    assert again["levy_ids"] == [] and "已申报" in again["errors"][2][0]
    debit = app.bus.handle(ic.PayDeclared(unit, tuple(result["levy_ids"]), "test"))
    assert debit.payer_id == unit
    assert _sql(app, "SELECT count(*) FROM levy WHERE state = 'LOCKED' AND id IN (:x, :y)",
                x=result["levy_ids"][0], y=result["levy_ids"][1]) == [(2,)]
    assert _sql(app, "SELECT count(*) FROM proxy_payment WHERE debit_id = :d", d=debit.id) == [(1,)]


def test_grade_change_and_paying_for_another_resident(app):
    me = _payer(app, "resident_demo")
    year = app.clock().year
    with pytest.raises(IndividualRefused):
        app.bus.handle(ic.ChangeGrade(me, year + 2, "1", "test"))
    result = app.bus.handle(ic.ChangeGrade(me, year + 1, "4", "test"))
    assert result["year"] == year + 1 and result["amount"] > 0
    other, id_number, name = _sql(
        app, "SELECT p.id, p.tax_pay_code, p.name FROM payer p JOIN levy l ON l.payer_id = p.id "
        "WHERE p.kind = 'RESIDENT' AND p.id != :me AND l.state = 'UNPAID' ORDER BY p.id", me=me)[0]
    levies = tuple(r[0] for r in _sql(app, "SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID'",
                                      p=other))
    with pytest.raises(IndividualRefused):
        app.bus.handle(ic.PayForOther(me, id_number, name + "甲", levies, "test"))
    debit = app.bus.handle(ic.PayForOther(me, id_number, name, levies, "test"))
    assert debit.payer_id == me
    assert _sql(app, "SELECT beneficiary_id FROM proxy_payment WHERE debit_id = :d", d=debit.id) == [(other,)]


def test_stop_meets_a_locked_levy_queries_and_stops_once_the_debit_failed(app):
    me = _payer(app, "person_demo")
    levy = _sql(app, "SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' ORDER BY id", p=me)[0][0]
    debit = app.bus.handle(SubmitDebit(me, (levy,), "test"))
    first = app.bus.handle(ic.StopInsurance(me, "test"))
    assert not first.done and first.queried == (debit.id,)
    assert _sql(app, "SELECT count(*) FROM levy WHERE payer_id = :p AND state = 'VOIDED'", p=me) == [(0,)]
    app.bus.handle(StatusReported(InboundRef("9004", "X1", "ETS", "ONLINE"), debit.tax_org_code, "0",
                                  debit.entrust_date, "00000000", debit.tra_no,
                                  dt.date.today(), "21"))
    second = app.bus.handle(ic.StopInsurance(me, "test"))
    assert second.done and levy in second.voided
    assert _sql(app, "SELECT state FROM individual_profile WHERE payer_id = :p", p=me) == [("STOPPED",)]
    with pytest.raises(IndividualRefused):
        app.bus.handle(ic.AdjustBase(me, Decimal("5000.00"), "test"))
