"""A large unit for tests and benchmarks: ``count`` enrolled persons added to one unit in a single
INSERT … SELECT over a recursive counter (no per-row work), wages spread across the city's floor
and ceiling so that both bounds apply."""

from __future__ import annotations

from sqlalchemy import Engine, text


def add_persons(engine: Engine, unit_id: int, count: int) -> int:
    """ID numbers are 9 followed by a 17-digit counter (unique per unit, not valid resident IDs:
    they never leave the database); the same SQL runs on SQLite and PostgreSQL."""
    with engine.begin() as conn:
        conn.execute(text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
            "INSERT INTO insured_person (unit_id, id_number, name, declared_wage, social_security_no, "
            "scheme, state) SELECT :unit, CAST(900000000000000000 + i AS VARCHAR(18)), "
            "'批量员工' || CAST(i AS VARCHAR(10)), 400000 + (i % 50) * 50000, '', 'FULL', 'ACTIVE' "
            "FROM n"), {"count": count, "unit": unit_id})
    return count
