"""Benchmark: generate the demo data set with exactly 1,000,000 levies into a fresh SQLite file.

Run from the repository root: ``.venv/bin/python bench/demo_data.py``. The SQLite file gets the
settings ``make_engine`` gives every database (WAL, synchronous=FULL, foreign keys on); the figure
is the wall-clock time of ``generate`` (one transaction, commit included).

If ETSGW_BENCH_PG_URL names a PostgreSQL server (SQLAlchemy URL), the load is repeated in a
throwaway database created on that server, and its figure is printed as well.

Sizes: 25,000 units × 8 employees, 12,500 flexible-employment persons, 60,000 residents, 6 monthly
periods → (25,000 × 5 + 12,500 × 2) × 6 + 60,000 medical + 40,000 pension = 1,000,000 levies.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from gateway.demodata import expected_levy_count, generate  # noqa: E402
from gateway.persistence.engine import make_engine  # noqa: E402
from gateway.persistence.migrate import upgrade  # noqa: E402

SIZES = {"units": 25_000, "persons_per_unit": 8, "flexible": 12_500, "residents": 60_000,
         "periods": 6}
AS_OF = dt.date(2024, 11, 5)  # fixed, so that every run loads the same rows
LEVIES = 1_000_000


def run(url: str, label: str) -> float:
    engine = make_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        report = generate(engine, **SIZES, as_of=AS_OF, demo_password="bench-only")
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            levies = conn.execute(text("SELECT COUNT(*) FROM levy")).scalar_one()
    finally:
        engine.dispose()
    if levies != LEVIES:
        raise SystemExit(f"{label}: expected {LEVIES:,} levies, found {levies:,}")
    print(f"--- {label}")
    print(report)
    print(f"{label}: {levies:,} levies verified by COUNT(*); {seconds:.2f} s wall clock, "
          f"{levies / seconds:,.0f} levies/s, "
          f"{sum(report.counts.values()) / seconds:,.0f} rows/s over all tables")
    return seconds


def run_postgres(server_url: str) -> float:
    """Load into a database of its own on that server and drop it afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"etsgw_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run(make_url(server_url).set(database=name).render_as_string(hide_password=False),
                   "PostgreSQL")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> None:
    assert expected_levy_count(SIZES["units"], SIZES["flexible"], SIZES["residents"],
                               SIZES["periods"]) == LEVIES
    print("parameters: " + ", ".join(f"{k}={v:,}" for k, v in SIZES.items()) + f", as_of={AS_OF}")
    with tempfile.TemporaryDirectory(prefix="etsgw-bench-") as tmp:
        sqlite_seconds = run(f"sqlite:///{Path(tmp) / 'demo.db'}", "SQLite")
    pg_url = os.environ.get("ETSGW_BENCH_PG_URL")
    if pg_url:
        pg_seconds = run_postgres(pg_url)
        print(f"PostgreSQL demo_data_1m_levies_seconds {pg_seconds:.2f} s")
    print(f"BENCH demo_data_1m_levies_seconds {sqlite_seconds:.2f} s")


if __name__ == "__main__":
    main()
