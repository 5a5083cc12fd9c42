"""Maker-checker for reference parameters: a change is a pending :class:`Proposal` of one or more
:class:`ParameterChange` lines; it takes effect only when a second, different person approves it.

At approval every line is planned again against the tables as they are then (``today`` being the
approval date), so a proposal that has gone stale — its start date passed, or another approved
change now overlaps it — is refused rather than applied half.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain.reference import ParameterKey, ParameterVersion
from gateway.domain.reference_errors import InvalidParameter, ProposalNotPending, SameApprover
from gateway.domain.reference_timeline import Timeline, TimelineEdit


class ChangeAction(StrEnum):
    SCHEDULE = "SCHEDULE"  # a new value from a future date (supersedes the one then in force)
    CORRECT = "CORRECT"  # change a version that is not yet in force
    WITHDRAW = "WITHDRAW"  # remove a version that is not yet in force
    IMPORT = "IMPORT"  # a version as published in a year's workbook

    @property
    def label(self) -> str:
        return {"SCHEDULE": "新增（自未来日期生效）", "CORRECT": "更正未生效值",
                "WITHDRAW": "撤销未生效值", "IMPORT": "导入"}[self.value]


@dataclass(frozen=True)
class ParameterChange:
    """One line of a proposal. ``target_id`` names the stored version a CORRECT or WITHDRAW is
    about; SCHEDULE and IMPORT carry the new version's fields."""

    action: ChangeAction
    key: ParameterKey
    valid_from: dt.date
    valid_to: dt.date | None
    value: Decimal
    target_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", ChangeAction(self.action))
        needs_target = self.action in (ChangeAction.CORRECT, ChangeAction.WITHDRAW)
        if needs_target != (self.target_id is not None):
            raise InvalidParameter(f"{self.action.label}: 须{'指明' if needs_target else '不指明'}原版本号")
        ParameterVersion(self.key, self.valid_from, self.valid_to, self.value)  # validates

    def plan(self, timeline: Timeline, today: dt.date) -> TimelineEdit:
        """The edit this line makes to ``timeline`` (the key's history), or the rule it breaks."""
        if self.action is ChangeAction.SCHEDULE:
            return timeline.schedule(self.value, self.valid_from, self.valid_to, today)
        if self.action is ChangeAction.CORRECT:
            assert self.target_id is not None
            return timeline.correct(self.target_id, self.value, self.valid_from, self.valid_to, today)
        if self.action is ChangeAction.WITHDRAW:
            assert self.target_id is not None
            return timeline.withdraw(self.target_id, today)
        return timeline.add_imported(
            ParameterVersion(self.key, self.valid_from, self.valid_to, self.value), today)

    def describe(self) -> str:
        target = f" 原版本 #{self.target_id}" if self.target_id is not None else ""
        return (f"{self.action.label}{target}: {self.key.describe()} "
                f"{self.valid_from} 至 {self.valid_to or '长期'} = {self.value}")


class ProposalState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"

    @property
    def label(self) -> str:
        return {"PENDING": "待审核", "APPROVED": "已批准", "REJECTED": "已驳回",
                "WITHDRAWN": "已撤回"}[self.value]


@dataclass
class Proposal:
    """A pending change of reference parameters and what became of it (its own audit record)."""

    id: int | None
    maker: str
    reason: str
    created_at: dt.datetime
    changes: tuple[ParameterChange, ...]
    source: str = ""  # e.g. the workbook file an import came from
    state: ProposalState = ProposalState.PENDING
    checker: str = ""
    decided_at: dt.datetime | None = None
    note: str = ""
    applied: dict[str, int] = field(default_factory=dict)  # versions added/changed/removed

    def __post_init__(self) -> None:
        if not self.maker.strip():
            raise InvalidParameter("提出人不能为空")
        if not self.changes:
            raise InvalidParameter("变更申请至少包含一项变更")

    def _decide(self, who: str, at: dt.datetime, state: ProposalState, note: str) -> None:
        if self.state is not ProposalState.PENDING:
            raise ProposalNotPending(f"变更申请 {self.id} 状态为{self.state.label}，不能再处理")
        if not who.strip():
            raise InvalidParameter("审核人不能为空")
        self.state, self.checker, self.decided_at, self.note = state, who, at, note

    def approve(self, checker: str, at: dt.datetime, note: str = "") -> None:
        """Second person's approval; the caller then applies the planned edits in the same
        transaction."""
        if checker == self.maker:
            raise SameApprover(f"变更申请 {self.id} 由 {self.maker} 提出，须由另一人审核批准")
        self._decide(checker, at, ProposalState.APPROVED, note)

    def reject(self, checker: str, at: dt.datetime, note: str) -> None:
        if checker == self.maker:
            raise SameApprover(f"变更申请 {self.id} 由 {self.maker} 提出，提出人可撤回但不能驳回")
        if not note.strip():
            raise InvalidParameter("驳回须说明理由")
        self._decide(checker, at, ProposalState.REJECTED, note)

    def withdraw(self, maker: str, at: dt.datetime) -> None:
        if maker != self.maker:
            raise InvalidParameter(f"只有提出人 {self.maker} 可以撤回变更申请 {self.id}")
        self._decide(maker, at, ProposalState.WITHDRAWN, "")
