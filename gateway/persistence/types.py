"""Column types shared by the records.

Money is stored as an integer number of fen on every database: sums in set-based SQL stay exact
on SQLite (whose NUMERIC is a float) as well as on PostgreSQL, and the Python side only ever sees
``Decimal`` with two places.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from gateway.domain.money import money

FEN_PER_YUAN = 100


class Money(TypeDecorator[Decimal]):
    """Decimal yuan in Python, integer fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(money(value) * FEN_PER_YUAN)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return fen_to_yuan(int(value))


def fen_to_yuan(fen: int) -> Decimal:
    """Convert an integer fen total (e.g. from ``SUM()``) to exact yuan."""
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(Decimal("0.01"))
