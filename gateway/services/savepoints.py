"""Savepoints for group commit: one message, debit or package of a batch backed out alone.

The SQL unit of work offers ``savepoint()``; a unit of work without it (the tests' fake) makes
:func:`isolated` a plain block, so callers either refuse before writing or keep to one item per
unit of work (:func:`has_savepoints`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from gateway.services.ports import UnitOfWork


def has_savepoints(uow: UnitOfWork) -> bool:
    return getattr(uow, "savepoint", None) is not None


@contextlib.contextmanager
def isolated(uow: UnitOfWork) -> Iterator[None]:
    """Everything written in the block is undone when it raises (the exception goes on)."""
    savepoint: Any = getattr(uow, "savepoint", None)
    if savepoint is None:
        yield
        return
    sp = savepoint()
    try:
        yield
    except BaseException:
        sp.rollback()
        raise
    sp.commit()
