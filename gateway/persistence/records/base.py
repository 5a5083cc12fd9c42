"""Declarative base and the naming convention that keeps Alembic migrations deterministic."""

from __future__ import annotations

import datetime as dt

from typing import Any

from sqlalchemy import DateTime, MetaData, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def partial(condition: str) -> dict[str, Any]:
    """Keyword arguments of an ``Index`` that holds only the rows meeting ``condition`` (a
    partial index, on SQLite and PostgreSQL alike)."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
