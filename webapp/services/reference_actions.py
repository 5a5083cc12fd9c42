"""Audited changes of the reference parameters from the web: propose a new value from a future
date, a correction or a withdrawal of a value not yet in force; approve, reject or withdraw a
proposal (maker-checker, enforced by the domain); import and export a year's workbook.

Each runs in one reference unit of work with its audit row (``actions.perform`` with that unit
of work's factory), so a refused change leaves neither a proposal nor an audit row. The rules
(a value in force is only superseded, the maker never approves, an import is all or nothing)
are the services' and the domain's; their Chinese messages are shown as they stand.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import IO, Any

from gateway.domain.reference import ParameterKey, social_security_year, workbook_year
from gateway.domain.reference_changes import ChangeAction, ParameterChange, Proposal
from gateway.domain.reference_commands import (ApproveParameterChange, ProposeParameterChange,
                                               RejectParameterChange, WithdrawParameterChange)
from gateway.domain.reference_errors import WorkbookRejected
from gateway.excel.parameter_workbook import read_workbook, write_workbook
from gateway.services import reference as service
from gateway.services.messagebus import MessageBus
from webapp.context import web
from webapp.roles import Principal
from webapp.services import actions
from webapp.services.reference_pages import check_proposal, cities, in_scope, uow


def bus() -> MessageBus:
    """A bus with the reference handlers on the web's clock (one per app)."""
    ctx = web()
    from flask import current_app

    found = current_app.extensions.get("etsgw_reference_bus")
    if found is None:
        found = MessageBus(uow, ctx.app.options, ctx.clock, handlers=service.REFERENCE_HANDLERS)
        current_app.extensions["etsgw_reference_bus"] = found
    return found


def _line(change: ParameterChange) -> dict[str, Any]:
    return {"action": change.action.value, "key": change.key.describe(),
            "valid_from": str(change.valid_from), "valid_to": str(change.valid_to or ""),
            "value": str(change.value), "target_id": change.target_id}


def _propose(p: Principal, change: ParameterChange, reason: str) -> Proposal:
    def work(u, note):
        made = bus().handle(ProposeParameterChange((change,), p.username, reason.strip()), u)
        note.after = {"proposal_id": made.id, "reason": reason.strip(), "lines": [_line(change)]}
        note.tax_org_code = p.tax_org_code or ""
        return made
    return actions.perform(p, "REFERENCE_PROPOSE", f"parameter:{change.key.describe()}", work, uow)


def schedule(p: Principal, key: ParameterKey, valid_from: dt.date, valid_to: dt.date | None,
             value: Decimal, reason: str) -> Proposal:
    return _propose(p, ParameterChange(ChangeAction.SCHEDULE, key, valid_from, valid_to, value), reason)


def correct(p: Principal, target: Any, valid_from: dt.date, valid_to: dt.date | None,
            value: Decimal, reason: str) -> Proposal:
    return _propose(p, ParameterChange(ChangeAction.CORRECT, target.key, valid_from, valid_to,
                                       value, target.id), reason)


def withdraw_version(p: Principal, target: Any, reason: str) -> Proposal:
    return _propose(p, ParameterChange(ChangeAction.WITHDRAW, target.key, target.valid_from,
                                       target.valid_to, target.value, target.id), reason)


def _decide(p: Principal, proposal_id: int, action: str, command: Any) -> Proposal:
    def work(u, note):
        before = check_proposal(p, u.proposals.get(proposal_id))
        note.before = {"state": before.state.value, "maker": before.maker}
        decided = bus().handle(command, u)
        note.after = {"state": decided.state.value, "checker": decided.checker,
                      "note": decided.note, "applied": decided.applied}
        note.tax_org_code = p.tax_org_code or ""
        return decided
    return actions.perform(p, action, f"proposal:{proposal_id}", work, uow)


def approve(p: Principal, proposal_id: int, note: str = "") -> Proposal:
    return _decide(p, proposal_id, "REFERENCE_APPROVE",
                   ApproveParameterChange(proposal_id, p.username, note.strip()))


def reject(p: Principal, proposal_id: int, note: str) -> Proposal:
    return _decide(p, proposal_id, "REFERENCE_REJECT",
                   RejectParameterChange(proposal_id, p.username, note.strip()))


def withdraw(p: Principal, proposal_id: int) -> Proposal:
    return _decide(p, proposal_id, "REFERENCE_WITHDRAW",
                   WithdrawParameterChange(proposal_id, p.username))


def import_workbook(p: Principal, stream: IO[bytes], filename: str, reason: str) -> Proposal | None:
    """Every row checked (the reader's, the scope's, the service's rules); with any error
    :class:`WorkbookRejected` lists them all and nothing is proposed. A good file becomes one
    pending proposal; None when every row is stored already."""
    parsed = read_workbook(io.BytesIO(stream.read()))
    out_of_scope = [f"第{n}行: 地市 {v.key.city_code} 不在您的管理范围内"
                    for n, v in parsed.rows if not in_scope(p, v.key.city_code)]
    if out_of_scope:
        raise WorkbookRejected(parsed.errors + out_of_scope)

    def work(u, note):
        made = service.import_versions(u, parsed.rows, parsed.errors, p.username, filename,
                                       web().now(), reason.strip())
        note.after = {"file": filename, "rows": len(parsed.rows),
                      "proposal_id": made.id if made else None}
        note.tax_org_code = p.tax_org_code or ""
        return made
    return actions.perform(p, "REFERENCE_IMPORT", f"workbook:{filename}", work, uow)


def export_workbook(p: Principal, year: int) -> bytes:
    """The versions starting in social-security year ``year`` (the caller's cities), as the
    workbook the import reads; the export is audited."""
    start, end = social_security_year(year)
    allowed = cities(p)
    with uow() as u:
        versions = [v for v in u.parameters.versions(starting_from=start, starting_to=end)
                    if workbook_year(v.valid_from) == year
                    and (allowed is None or v.key.city_code in allowed)]
    out = io.BytesIO()
    rows = write_workbook(versions, year, out)
    actions.record(p, "REFERENCE_EXPORT", f"parameters:{year}", {"year": year, "rows": rows},
                   tax_org_code=p.tax_org_code or "")
    return out.getvalue()
