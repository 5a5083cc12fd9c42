"""A tiny helper for the state machines: an allowed-transition table per entity.

Each entity module declares its table; :func:`check` raises :class:`IllegalTransition` naming
the rule when a transition is not in it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Mapping

from gateway.domain.errors import IllegalTransition

# The tables are keyed by one StrEnum each; typed by the base class so that every entity's
# table fits the one check below.
Table = Mapping[StrEnum, frozenset[StrEnum]]


def check(table: Table, entity: str, ident: object, current: StrEnum, target: StrEnum,
          error: type[IllegalTransition] = IllegalTransition, why: str = "") -> None:
    if target not in table.get(current, frozenset()):
        raise error(entity, ident, current.value, target.value, why)
