"""Many rows in one statement, below Core's per-row parameter handling.

A Core ``insert(table)`` executed with a list of dicts builds and processes a parameter set per
row inside SQLAlchemy; for the 1,000,000 levy lines of a month's batch that was about as costly
as SQLite's own work (docs/performance.md, issue 13). Here each column's own bind processor (fen
for ``Money``, ISO text for dates on SQLite) is looked up once per statement and applied to
positional tuples, which go straight to the driver: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL. Both run on the caller's connection, inside its transaction.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.engine import Connection

Processor = Callable[[Any], Any]


def bind_processors(conn: Connection, table: Table,
                    columns: Sequence[str]) -> list[Processor | None]:
    """Each column's Python → database conversion on this dialect (None: stored as given)."""
    dialect = conn.dialect
    return [table.c[name].type._cached_bind_processor(dialect) for name in columns]


def stored(rows: Iterable[Sequence[Any]],
           processors: Sequence[Processor | None]) -> list[tuple[Any, ...]]:
    """The rows as the database stores them."""
    active = [(i, p) for i, p in enumerate(processors) if p is not None]
    if not active:
        return [tuple(r) for r in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, process in active:
            if values[i] is not None:
                values[i] = process(values[i])
        out.append(tuple(values))
    return out


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in ``columns`` order, Python values as the ORM takes them);
    returns how many. Defaults and ``RETURNING`` are not applied: give every column needed."""
    if not rows:
        return 0
    values = stored(rows, bind_processors(conn, table, columns))
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection  # psycopg: the same transaction as ``conn``
        with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return len(values)
    marks = ", ".join("?" if conn.dialect.paramstyle == "qmark" else "%s" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
                         values)
    return len(values)
