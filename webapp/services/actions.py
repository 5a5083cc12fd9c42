"""Audited actions: the action and its audit row commit together or not at all.

``perform`` opens one unit of work and runs ``work(uow, note)``: the work reads the record's
state before the change (in the same transaction, within the caller's scope), sends its command
with ``bus.handle(command, uow)`` (which then does not commit on its own), and fills ``note``
with before/after. The audit row is appended on the same session and everything commits at once.
An exception anywhere rolls back both: a failed action leaves no audit row, a successful one
always has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from gateway.domain.errors import NotFound
from gateway.persistence import audit_log
from webapp.context import client_address, web
from webapp.roles import Principal

T = TypeVar("T")


@dataclass
class Note:
    """What the audit row says about the action, filled in by the work."""

    before: Any = None
    after: Any = None
    tax_org_code: str = ""


def perform(p: Principal, action: str, target: str, work: Callable[[Any, Note], T],
            uow_factory: Callable[[], Any] | None = None) -> T:
    """``uow_factory`` (default: the application's) lets an area with its own unit of work
    (the reference data's) write its audit row in the same transaction."""
    ctx = web()
    note = Note()
    with (uow_factory or ctx.app.uow)() as uow:
        result = work(uow, note)
        audit_log.append(uow.session, audit_log.AuditEntry(
            actor=p.username, actor_role=p.role.value, action=action, target=target,
            address=client_address(), tax_org_code=note.tax_org_code or "", before=note.before,
            after=note.after), ctx.now())
        uow.commit()
    return result


def record(p: Principal, action: str, target: str, detail: Any = None,
           tax_org_code: str = "") -> None:
    """An audited read (an unmasked view, an export): the row alone, committed before the
    caller goes on, together with the rows of concurrent reads (audit_log.GroupWriter)."""
    ctx = web()
    audit_log.group_writer(ctx.app.engine).append(audit_log.AuditEntry(
        actor=p.username, actor_role=p.role.value, action=action, target=target,
        address=client_address(), tax_org_code=tax_org_code or "", after=detail), ctx.now())


def send(uow: Any, command: Any) -> Any:
    """A command through the bus inside the caller's unit of work."""
    return web().app.bus.handle(command, uow)


def found(row: T | None) -> T:
    """A row the caller may see, or 404 (also when it exists outside the caller's scope)."""
    if row is None:
        raise NotFound()
    return row
