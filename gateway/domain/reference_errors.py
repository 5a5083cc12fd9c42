"""The rules of reference data, each an error that names what it protects (messages in zh-CN)."""

from __future__ import annotations

from gateway.domain.errors import DomainError


class InvalidParameter(DomainError):
    """A parameter key, value or period is malformed."""

    rule = "reference.valid_parameter"


class OverlappingPeriods(DomainError):
    """Two versions of the same key would be in force on the same day."""

    rule = "reference.no_overlap"

    def __init__(self, first: str, second: str) -> None:
        self.first, self.second = first, second
        super().__init__(f"有效期重叠: {first} 与 {second}")


class NoValueInForce(DomainError):
    """No version of the key is in force on the asked date (a gap, or before the first)."""

    rule = "reference.value_in_force"


class VersionInForce(DomainError):
    """A value in force (or in the past) is never edited; it can only be superseded from a
    future date."""

    rule = "reference.in_force_only_superseded"


class NotInFuture(DomainError):
    """A new value is scheduled from a future date only."""

    rule = "reference.schedule_future_only"


class SameApprover(DomainError):
    """Maker-checker: the person who proposed a change cannot approve it."""

    rule = "reference.four_eyes"


class ProposalNotPending(DomainError):
    """Only a PENDING proposal can be approved, rejected or withdrawn."""

    rule = "reference.proposal_pending"


class VersionInUse(DomainError):
    """A version a levy was computed with cannot be corrected or withdrawn."""

    rule = "reference.version_in_use"


class WorkbookRejected(DomainError):
    """A parameter workbook with errors: every error is listed and nothing is imported."""

    rule = "reference.import_all_or_nothing"

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        head = f"导入文件有 {len(self.errors)} 处错误，未导入任何数据"
        super().__init__(head + ":\n" + "\n".join(self.errors))


class InvalidBankBranch(DomainError):
    """A bank-branch directory entry is malformed."""

    rule = "bank.valid_branch"
