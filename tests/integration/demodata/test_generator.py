"""The demo data generator on real SQLite and PostgreSQL: counts, valid identifiers, amounts that
match the contribution rules, reproducibility, and what the web login needs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, insert, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from gateway.demodata import DemoDataExists, expected_levy_count, generate
from gateway.demodata.reference import FLEXIBLE_TYPES
from gateway.domain.contribution import contribution, flexible_parameters_on, unit_parameters_on
from gateway.domain.identifiers import is_valid_id_number, is_valid_uscc
from gateway.domain.reference import ParameterKind, social_security_year_of
from gateway.persistence.engine import make_engine
from gateway.persistence.migrate import upgrade
from gateway.persistence.records import (AgreementRecord, BankRecord, InsuredPersonRecord,
                                         LevyRecord, ParameterVersionRecord, PayerRecord,
                                         TaxOfficeRecord, TreasuryRecord, UserRecord)
from gateway.persistence.reference_repositories import BasisRepository, ParameterRepository

AS_OF = dt.date(2024, 11, 5)
SIZES = {"units": 20, "persons_per_unit": 3, "residents": 30}
PASSWORD = "test-demo-password"

payer_t, levy_t, person_t = PayerRecord.__table__, LevyRecord.__table__, InsuredPersonRecord.__table__


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def loaded(db_url):
    engine = _engine(db_url)
    report = generate(engine, **SIZES, as_of=AS_OF, demo_password=PASSWORD)
    yield engine, report
    engine.dispose()


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _table_digest(engine: Engine, table) -> str:
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def test_counts_match_the_sizes_and_the_report(loaded):
    engine, report = loaded
    flexible = SIZES["units"] // 2
    expected = {"payer": 20 + flexible + 30, "insured_person": 20 * 3, "app_user": 6,
                "levy": expected_levy_count(20, flexible, 30, 6)}
    assert expected["levy"] == (20 * 5 + flexible * 2) * 6 + 30 + 20  # 30 medical, 20 pension
    for table, n in expected.items():
        assert report.counts[table] == n, table
    for record, table in ((PayerRecord, "payer"), (InsuredPersonRecord, "insured_person"),
                          (LevyRecord, "levy"), (AgreementRecord, "agreement"), (UserRecord, "app_user")):
        assert _count(engine, record) == report.counts[table]
    assert report.payers_by_kind == {"UNIT": 20, "FLEXIBLE": flexible, "RESIDENT": 30}
    assert 0 < report.counts["agreement"] < report.counts["payer"]
    assert "应征" in str(report) and "levy" in str(report)


def test_identifiers_are_valid_and_unique(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        payers = conn.execute(select(payer_t.c.kind, payer_t.c.tax_pay_code)).all()
        persons = conn.execute(select(person_t.c.id_number)).scalars().all()
    units = [code for kind, code in payers if kind == "UNIT"]
    individuals = [code for kind, code in payers if kind != "UNIT"]
    assert units and all(is_valid_uscc(c) and c.startswith("91") for c in units)
    assert all(is_valid_id_number(c) for c in individuals + persons)
    codes = [c for _, c in payers] + persons
    assert len(set(codes)) == len(codes)


def _levies_of(session, payer_id: int) -> list:
    return session.execute(select(LevyRecord.insurance_code, LevyRecord.period_start, LevyRecord.amount,
                                  LevyRecord.parameter_basis_id)
                           .where(LevyRecord.payer_id == payer_id)
                           .order_by(LevyRecord.period_start, LevyRecord.insurance_code)).all()


def test_unit_levies_equal_the_contributions_of_the_parameters_they_record(loaded):
    """Each levy names its parameter basis; the basis is what was in force on the period start,
    and recomputing with it gives the amount. The periods span two social-security years."""
    engine, _ = loaded
    by_year: dict[int, set] = defaultdict(set)
    with Session(engine) as s:
        table, bases = ParameterRepository(s).table(), BasisRepository(s)
        units = s.execute(select(PayerRecord.id, TaxOfficeRecord.city_code)
                          .join(TaxOfficeRecord, TaxOfficeRecord.code == PayerRecord.tax_org_code)
                          .where(PayerRecord.kind == "UNIT").order_by(PayerRecord.id).limit(5)).all()
        for unit_id, city_code in units:
            wages = s.scalars(select(InsuredPersonRecord.declared_wage).where(
                InsuredPersonRecord.unit_id == unit_id)).all()
            levies = _levies_of(s, unit_id)
            assert len(levies) == 5 * 6
            for code, start, amount, basis_id in levies:
                params = unit_parameters_on(table, city_code, start, (code,))
                assert {v.id for v in bases.versions_of(basis_id)} == params.version_ids
                assert amount == sum((contribution(w, code, params) for w in wages), Decimal("0.00"))
                by_year[social_security_year_of(start)].add((unit_id, code, amount))
    assert set(by_year) == {2023, 2024}  # June 2024 is in 社保年度 2023, July in 2024
    assert by_year[2023] != by_year[2024]  # the new floor and ceiling changed amounts


def test_flexible_persons_pay_on_the_floor_of_each_year(loaded):
    engine, _ = loaded
    with Session(engine) as s:
        table = ParameterRepository(s).table()
        payer_id, city_code = s.execute(
            select(PayerRecord.id, TaxOfficeRecord.city_code)
            .join(TaxOfficeRecord, TaxOfficeRecord.code == PayerRecord.tax_org_code)
            .where(PayerRecord.kind == "FLEXIBLE").limit(1)).one()
        levies = _levies_of(s, payer_id)
    assert {code for code, *_ in levies} == set(FLEXIBLE_TYPES) and len(levies) == 2 * 6
    for code, start, amount, basis_id in levies:
        params = flexible_parameters_on(table, city_code, start, "1", (code,))
        floor = table.lookup(ParameterKind.BASE_FLOOR, city_code, start, payer_kind="FLEXIBLE")
        assert params.wage_floor == floor.value
        assert amount == contribution(params.wage_floor, code, params) and basis_id is not None


def test_levies_look_lived_in(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        rows = conn.execute(select(LevyRecord.state, LevyRecord.period_start, LevyRecord.paid_by,
                                   LevyRecord.tax_date, LevyRecord.amount)).all()
    paid = [r for r in rows if r.state == "PAID"]
    assert 0 < len(paid) < len(rows) / 2
    assert all(r.paid_by == "DEMO" and r.tax_date and r.tax_date < AS_OF for r in paid)
    assert all(r.state == "UNPAID" for r in rows if r.period_start == AS_OF.replace(day=1))
    assert all(r.amount > 0 for r in rows)
    assert {r.state for r in rows} == {"PAID", "UNPAID"}


def test_reference_data_is_guangdong_without_shenzhen(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        cities = conn.execute(select(ParameterVersionRecord.city_code).distinct()).scalars().all()
        offices = conn.execute(select(TaxOfficeRecord.code, TaxOfficeRecord.city_code)).all()
        banks = conn.execute(select(BankRecord.code, BankRecord.clearing_code)).all()
        routes = conn.execute(select(TreasuryRecord)).all()
        agreements = conn.execute(select(AgreementRecord)).all()
        payer_offices = set(conn.execute(select(PayerRecord.tax_org_code)).scalars())
    assert len(cities) == 20 and "4403" not in cities and all(c.startswith("44") for c in cities)
    assert all(city != "4403" and not code.startswith("14403") for code, city in offices)
    assert "14401060000" in {code for code, _ in offices}
    bank_codes = {code for code, _ in banks}
    assert all(len(c) == 12 and c.isdigit() for pair in banks for c in pair)
    assert {clearing for _, clearing in banks} <= bank_codes
    assert {"102581000013", "102581002107"} <= bank_codes  # the interface's examples
    assert payer_offices <= {r.tax_org_code for r in routes}
    assert all(len(r.payee_bank_no) == 12 and len(r.payee_org_code) == 10 for r in routes)
    for a in agreements:
        assert a.pay_bk_code in bank_codes and a.pay_op_bk_code in bank_codes
        assert 16 <= len(a.pay_acct) <= 19 and a.pay_acct.isdigit()
        assert a.state in ("ACTIVE", "PENDING") and (a.activated_at is None) == (a.state == "PENDING")


def test_demo_logins_verify_and_are_bound(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        users = {u.username: u for u in conn.execute(select(UserRecord))}
        kinds = dict(conn.execute(select(PayerRecord.id, PayerRecord.kind)).all())
        active = set(conn.execute(select(AgreementRecord.payer_id).where(
            AgreementRecord.state == "ACTIVE")).scalars())
    assert set(users) == {"staff_gz", "staff_fs", "ops", "unit_demo", "person_demo", "resident_demo"}
    for user in users.values():
        assert PASSWORD not in user.password_hash
        assert check_password_hash(user.password_hash, PASSWORD)
    assert not check_password_hash(users["ops"].password_hash, "wrong")
    assert users["staff_gz"].tax_org_code == "14401060000" and users["staff_gz"].role == "STAFF"
    assert users["staff_fs"].tax_org_code.startswith("14406")
    assert users["ops"].role == "OPS"
    for name, kind in (("unit_demo", "UNIT"), ("person_demo", "FLEXIBLE"), ("resident_demo", "RESIDENT")):
        assert users[name].role == "TAXPAYER" and kinds[users[name].payer_id] == kind
        assert users[name].payer_id in active  # so that the demo can pay at once


def test_same_seed_same_data_on_any_database_other_seed_differs(loaded, tmp_path):
    engine, _ = loaded
    again = _engine(f"sqlite:///{tmp_path / 'again.db'}")
    other = _engine(f"sqlite:///{tmp_path / 'other.db'}")
    generate(again, **SIZES, as_of=AS_OF, demo_password=PASSWORD)
    generate(other, **SIZES, as_of=AS_OF, demo_password=PASSWORD, seed=7)
    for table in (levy_t, payer_t, person_t, AgreementRecord.__table__):
        assert _table_digest(engine, table) == _table_digest(again, table), table.name
        assert _table_digest(engine, table) != _table_digest(other, table), table.name
    again.dispose()
    other.dispose()


def test_a_second_load_is_refused_and_ids_continue(loaded):
    engine, report = loaded
    with pytest.raises(DemoDataExists):
        generate(engine, **SIZES, as_of=AS_OF, demo_password=PASSWORD)
    assert _count(engine, LevyRecord) == report.levies
    # Explicit ids must not leave PostgreSQL's sequences behind: a normal insert still works.
    with engine.begin() as conn:
        payer_id = conn.execute(insert(payer_t).values(
            kind="FLEXIBLE", tax_pay_code="11010519491231002X", name="测试", tax_org_code="14401060000",
            social_security_no="").returning(payer_t.c.id)).scalar_one()
        conn.execute(insert(levy_t).values(
            payer_id=payer_id, tax_org_code="14401060000", insurance_code="PENSION",
            period_start=dt.date(2030, 1, 1), period_end=dt.date(2030, 1, 31), amount=Decimal("1.00"),
            state="UNPAID", lock_reason="", paid_by="", declaration_no="", version=1))
    assert payer_id == report.counts["payer"] + 1


def test_bad_sizes_are_refused(sqlite_url):
    engine = _engine(sqlite_url)
    with pytest.raises(ValueError):
        generate(engine, units=1, persons_per_unit=0, residents=0)
    with pytest.raises(ValueError):
        generate(engine, units=1, persons_per_unit=1, residents=0, agreement_share=1.5)
    assert _count(engine, PayerRecord) == 0
    engine.dispose()


def _levy_schema(engine: Engine) -> tuple:
    inspector = inspect(engine)
    indexes = sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                     for i in inspector.get_indexes("levy"))
    keys = sorted((k["name"], tuple(k["constrained_columns"]), k["referred_table"])
                  for k in inspector.get_foreign_keys("levy"))
    return indexes, keys


def test_levy_indexes_and_foreign_keys_are_back_after_the_load(db_url):
    engine = _engine(db_url)
    before = _levy_schema(engine)
    assert len(before[0]) >= 4 and len(before[1]) == 4  # payer, office, insurance, parameter basis
    generate(engine, **SIZES, as_of=AS_OF, demo_password=PASSWORD)
    engine.dispose()  # a fresh inspector, not one that cached the first answer
    assert _levy_schema(engine) == before
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the foreign key is enforced
        conn.execute(insert(levy_t).values(
            payer_id=999_999, tax_org_code="14401060000", insurance_code="PENSION",
            period_start=dt.date(2030, 1, 1), period_end=dt.date(2030, 1, 31), amount=Decimal("1.00"),
            state="UNPAID", lock_reason="", paid_by="", declaration_no="", version=1))
    engine.dispose()
