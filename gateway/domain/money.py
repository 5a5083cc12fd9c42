"""Money: Decimal amounts with exactly two places (fen), never float.

The wire format ``amt`` of ets-interface §4.1 is ``(0|[1-9][0-9]{0,14})\\.[0-9]{2}``; ``to_wire``
and ``parse_amount`` convert between it and :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from gateway.domain.errors import InvalidAmount

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999999.99")
_WIRE = re.compile(r"(0|[1-9][0-9]{0,14})\.[0-9]{2}")


def money(value: Decimal | int | str) -> Decimal:
    """An exact amount with two places. Floats are refused; more than two places are refused."""
    if type(value) is Decimal:  # the common case (amounts read back or passed on), made cheap
        try:
            q = value.quantize(FEN)
        except InvalidOperation:  # infinite, or too large: the checks below say which
            q = None
        if q is not None and q == value and abs(q) <= MAX_AMOUNT:
            return q
    if isinstance(value, float) or isinstance(value, bool):
        raise InvalidAmount(f"amounts are never float: {value!r}")
    try:
        d = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidAmount(f"not an amount: {value!r}") from None
    if not d.is_finite():
        raise InvalidAmount(f"not a finite amount: {value!r}")
    q = d.quantize(FEN)
    if q != d:
        raise InvalidAmount(f"more than two decimal places: {value!r}")
    if abs(q) > MAX_AMOUNT:
        raise InvalidAmount(f"amount out of range: {value!r}")
    return q


def round_fen(value: Decimal) -> Decimal:
    """Round a computed amount half-up to the fen (contribution computation)."""
    if isinstance(value, float):
        raise InvalidAmount(f"amounts are never float: {value!r}")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(text: str, allow_zero: bool = False) -> Decimal:
    """Parse a wire ``amt`` (or ``amt0`` when ``allow_zero``)."""
    if not _WIRE.fullmatch(text):
        raise InvalidAmount(f"not a wire amount: {text!r}")
    d = Decimal(text)
    if d == 0 and not allow_zero:
        raise InvalidAmount("amount must be greater than 0.00")
    return d


def to_wire(value: Decimal) -> str:
    """Format an amount for the wire: two decimals, no sign, no grouping."""
    d = money(value)
    if d < 0:
        raise InvalidAmount(f"wire amounts have no sign: {d}")
    return f"{d:.2f}"


def total(values: Iterable[Decimal | int | str]) -> Decimal:
    """Exact sum of amounts (an empty sum is 0.00)."""
    s = ZERO
    for v in values:
        s += money(v)
    return s
