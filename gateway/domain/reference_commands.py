"""Commands of the reference-data area (parameters under maker-checker, the bank-branch
directory). Kept apart from :mod:`gateway.domain.commands` so that the two areas change
independently; :data:`gateway.services.reference.REFERENCE_HANDLERS` handles them."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.commands import Command
from gateway.domain.reference_changes import ParameterChange


@dataclass(frozen=True)
class ProposeParameterChange(Command):
    """Record a pending proposal (schedule, correct, withdraw or import lines)."""

    changes: tuple[ParameterChange, ...]
    maker: str
    reason: str
    source: str = ""


@dataclass(frozen=True)
class ApproveParameterChange(Command):
    """A second person approves a pending proposal; its edits take effect at once."""

    proposal_id: int
    checker: str
    note: str = ""


@dataclass(frozen=True)
class RejectParameterChange(Command):
    proposal_id: int
    checker: str
    note: str


@dataclass(frozen=True)
class WithdrawParameterChange(Command):
    proposal_id: int
    maker: str


@dataclass(frozen=True)
class SaveBankBranch(Command):
    """Add a branch to the directory or change one (the code identifies it)."""

    branch: BankBranch
    saved_by: str


@dataclass(frozen=True)
class SetBankBranchState(Command):
    code: str
    state: BranchState
    saved_by: str
