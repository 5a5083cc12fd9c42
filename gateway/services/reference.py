"""Use cases of the reference parameters: propose a change (schedule, correct, withdraw, import),
approve or reject it as a second person, preview what it would do to unpaid levies, report gaps.

A proposal is planned when it is made (so the maker sees every broken rule at once) and planned
again when it is approved, against the tables as they are then; only an approval writes
parameter versions, all lines in the one transaction. The functions take the unit of work and
the clock; :data:`REFERENCE_HANDLERS` makes them message-bus handlers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from gateway.domain.errors import DomainError
from gateway.domain.reference import ParameterKey, ParameterKind, social_security_year
from gateway.domain.reference_changes import ChangeAction, ParameterChange, Proposal
from gateway.domain.reference_commands import (ApproveParameterChange, ProposeParameterChange,
                                               RejectParameterChange, SaveBankBranch,
                                               SetBankBranchState, WithdrawParameterChange)
from gateway.domain.reference_errors import (InvalidParameter, OverlappingPeriods, VersionInUse,
                                             WorkbookRejected)
from gateway.domain.reference_timeline import Timeline, TimelineEdit, edit_between
from gateway.services import bank_directory
from gateway.services.reference_ports import ReferenceUnitOfWork

Clock = Callable[[], dt.datetime]


class ProposalRefused(DomainError):
    """A proposal breaks rules; every broken rule is listed (line by line)."""

    rule = "reference.proposal_valid"

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(f"变更申请有 {len(errors)} 处问题:\n" + "\n".join(errors))


def plan_changes(uow: ReferenceUnitOfWork, changes: Sequence[ParameterChange], today: dt.date,
                 for_update: bool = False) -> tuple[dict[ParameterKey, TimelineEdit], list[tuple[int, str]]]:
    """Plan every line in order (lines on one key see the lines before them). Returns the edit
    per key and the (line index, message) of every line that breaks a rule."""
    stored: dict[ParameterKey, Timeline] = uow.parameters.timelines({c.key for c in changes},
                                                                    for_update)
    current = dict(stored)
    errors: list[tuple[int, str]] = []
    for index, change in enumerate(changes):
        try:
            if change.target_id is not None:
                _check_target(uow, change)
            current[change.key] = current[change.key].apply(change.plan(current[change.key], today))
        except DomainError as exc:
            errors.append((index, str(exc)))
    edits = {key: edit_between(stored[key], current[key]) for key in stored}
    return {k: e for k, e in edits.items() if e}, errors


def _check_target(uow: ReferenceUnitOfWork, change: ParameterChange) -> None:
    target = uow.parameters.get(change.target_id)  # type: ignore[arg-type]
    if target.key != change.key:
        raise InvalidParameter(f"版本 #{target.id} 属于 {target.key.describe()}，不是 {change.key.describe()}")
    if uow.parameters.is_used(target.id):  # type: ignore[arg-type]
        raise VersionInUse(f"{target.describe()} 已被应征引用，不能更正或撤销")


def _line_errors(errors: list[tuple[int, str]]) -> list[str]:
    return [f"第{i + 1}项: {message}" for i, message in errors]


def propose(cmd: ProposeParameterChange, uow: ReferenceUnitOfWork, now: dt.datetime) -> Proposal:
    proposal = Proposal(None, cmd.maker, cmd.reason, now, tuple(cmd.changes), cmd.source)
    _, errors = plan_changes(uow, proposal.changes, now.date())
    if errors:
        raise ProposalRefused(_line_errors(errors))
    return uow.proposals.add(proposal)


def approve(cmd: ApproveParameterChange, uow: ReferenceUnitOfWork, now: dt.datetime) -> Proposal:
    """The second person's approval: planned again now, then every edit written."""
    proposal = uow.proposals.get(cmd.proposal_id, for_update=True)
    proposal.approve(cmd.checker, now, cmd.note)
    edits, errors = plan_changes(uow, proposal.changes, now.date(), for_update=True)
    if errors:
        raise ProposalRefused(_line_errors(errors))
    uow.parameters.apply(edits.values(), proposal.id)
    proposal.applied = {what: sum(len(getattr(e, what)) for e in edits.values())
                        for what in ("added", "changed", "removed")}
    uow.proposals.save(proposal)
    return proposal


def reject(cmd: RejectParameterChange, uow: ReferenceUnitOfWork, now: dt.datetime) -> Proposal:
    proposal = uow.proposals.get(cmd.proposal_id, for_update=True)
    proposal.reject(cmd.checker, now, cmd.note)
    uow.proposals.save(proposal)
    return proposal


def withdraw(cmd: WithdrawParameterChange, uow: ReferenceUnitOfWork, now: dt.datetime) -> Proposal:
    proposal = uow.proposals.get(cmd.proposal_id, for_update=True)
    proposal.withdraw(cmd.maker, now)
    uow.proposals.save(proposal)
    return proposal


def import_versions(uow: ReferenceUnitOfWork, rows: Sequence[tuple[int, Any]],
                    parse_errors: Sequence[str], maker: str, source: str, now: dt.datetime,
                    reason: str = "") -> Proposal | None:
    """A year's workbook as one proposal of IMPORT lines. ``rows`` are (row number, version) as
    the reader parsed them. Every error — the reader's, each row's, conflicts between rows and
    with the stored tables — is collected; with any, nothing is proposed (WorkbookRejected).
    Returns None when every row is already stored as it is."""
    errors = list(parse_errors)
    changes = [ParameterChange(ChangeAction.IMPORT, v.key, v.valid_from, v.valid_to, v.value)
               for _, v in rows]
    errors += _floor_above_ceiling(rows) + _overlaps_within_file(rows)
    edits, line_errors = plan_changes(uow, changes, now.date())
    errors += [f"第{rows[i][0]}行: {message}" for i, message in line_errors]
    if errors:
        raise WorkbookRejected(sorted(set(errors), key=_row_number))
    if not edits:
        return None
    wanted = {key for key in edits}
    lines = tuple(c for c in changes if c.key in wanted and _adds_something(c, edits[c.key]))
    return uow.proposals.add(Proposal(None, maker, reason or f"导入 {source}", now, lines, source))


def _adds_something(change: ParameterChange, edit: TimelineEdit) -> bool:
    return any((v.valid_from, v.valid_to, v.value) == (change.valid_from, change.valid_to, change.value)
               for v in edit.added)


def _row_number(message: str) -> tuple[int, str]:
    head = message.split("行", 1)[0]
    return (int(head[1:]) if head.startswith("第") and head[1:].isdigit() else 0, message)


def _overlaps_within_file(rows: Sequence[tuple[int, Any]]) -> list[str]:
    """Two rows of one file for the same key and overlapping periods: a mistake in the file
    (against stored versions, a future start supersedes; within a file nothing does)."""
    by_key: dict[ParameterKey, list[tuple[int, Any]]] = {}
    for n, v in rows:
        by_key.setdefault(v.key, []).append((n, v))
    errors = []
    for entries in by_key.values():
        entries.sort(key=lambda e: e[1].valid_from)
        for (m, a), (n, b) in zip(entries, entries[1:]):
            if a.overlaps(b) and (a.valid_from, a.valid_to, a.value) != (b.valid_from, b.valid_to, b.value):
                errors.append(f"第{n}行: 与第{m}行{OverlappingPeriods(a.describe(), b.describe())}")
    return errors


def _floor_above_ceiling(rows: Sequence[tuple[int, Any]]) -> list[str]:
    """Within the file: a floor above the ceiling of the same key and an overlapping period."""
    ceilings = [(n, v) for n, v in rows if v.key.kind is ParameterKind.BASE_CEILING]
    errors = []
    for n, floor in rows:
        if floor.key.kind is not ParameterKind.BASE_FLOOR:
            continue
        for m, ceiling in ceilings:
            same = (floor.key.city_code, floor.key.payer_kind, floor.key.insurance_code,
                    floor.key.district_code) == (ceiling.key.city_code, ceiling.key.payer_kind,
                                                 ceiling.key.insurance_code, ceiling.key.district_code)
            if same and floor.overlaps(ceiling) and floor.value > ceiling.value:
                errors.append(f"第{n}行: 缴费基数下限 {floor.value} 高于第{m}行的上限 {ceiling.value}")
    return errors


@dataclass(frozen=True)
class PreviewLine:
    change: ParameterChange
    impacts: list[Any]  # OfficeImpact rows of the persistence adapter, one per office


PREVIEWED_KINDS = (ParameterKind.BASE_FLOOR, ParameterKind.BASE_CEILING, ParameterKind.RATE)


def preview(uow: ReferenceUnitOfWork, changes: Sequence[ParameterChange], today: dt.date) -> list[PreviewLine]:
    """What the changes would do to unpaid unit levies, computed with the changes applied inside
    the transaction and then rolled back: nothing is changed."""
    edits, errors = plan_changes(uow, changes, today)
    if errors:
        raise ProposalRefused(_line_errors(errors))
    try:
        uow.parameters.apply(edits.values(), None)
        result = []
        for change in changes:
            key = change.key
            if key.kind not in PREVIEWED_KINDS or key.payer_kind != "UNIT":
                result.append(PreviewLine(change, []))
                continue
            result.append(PreviewLine(change, uow.impact.unit_levies(
                key.city_code, change.valid_from, change.valid_to, key.insurance_code,
                key.district_code)))
        return result
    finally:
        uow.rollback()


def gaps_in_year(uow: ReferenceUnitOfWork, year: int, city_code: str | None = None
                 ) -> dict[ParameterKey, list[tuple[dt.date, dt.date | None]]]:
    """Keys with days of social-security year ``year`` on which no value is in force."""
    start, end = social_security_year(year)
    table = uow.parameters.table([city_code] if city_code else None)
    return table.gaps(start, end)


def _handler(fn: Callable[[Any, Any, dt.datetime], Any]) -> Callable[[Any, Any, Any], Any]:
    """A bus handler ``(command, uow, ctx)`` for a use case that takes the time, not the context."""
    def handle(cmd: Any, uow: Any, ctx: Any) -> Any:
        return fn(cmd, uow, ctx.now())
    return handle


REFERENCE_HANDLERS: dict[type, Callable[[Any, Any, Any], Any]] = {
    ProposeParameterChange: _handler(propose),
    ApproveParameterChange: _handler(approve),
    RejectParameterChange: _handler(reject),
    WithdrawParameterChange: _handler(withdraw),
    SaveBankBranch: _handler(bank_directory.save_branch),
    SetBankBranchState: _handler(bank_directory.set_branch_state),
}
