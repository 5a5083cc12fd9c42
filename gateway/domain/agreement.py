"""三方协议 (tripartite tax–bank–payer agreement) and its verification states (§6.1).

PENDING → ACTIVE when a verify passes, → REJECTED when it fails; ACTIVE → REVOKED when a revoke
passes; ACTIVE → SUSPENDED on 24001/24009/24011; SUSPENDED → ACTIVE when a new verify passes.
REJECTED → PENDING when the payer corrects and re-submits. Only ACTIVE agreements are debited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from gateway.domain import states
from gateway.domain.errors import AgreementNotActive


class AgreementState(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    TERMINATED = "TERMINATED"


class AgreementChannel(StrEnum):
    ONLINE = "ONLINE"  # signed online (网签)
    ON_SITE = "ON_SITE"  # signed at a bank counter, entered afterwards (一次上门)


TRANSITIONS: states.Table = {
    AgreementState.PENDING: frozenset({AgreementState.ACTIVE, AgreementState.REJECTED,
                                       AgreementState.TERMINATED}),
    AgreementState.ACTIVE: frozenset({AgreementState.REVOKED, AgreementState.SUSPENDED,
                                      AgreementState.TERMINATED}),
    AgreementState.SUSPENDED: frozenset({AgreementState.ACTIVE, AgreementState.REVOKED,
                                         AgreementState.TERMINATED}),
    AgreementState.REJECTED: frozenset({AgreementState.PENDING, AgreementState.TERMINATED}),
    AgreementState.REVOKED: frozenset(),
    AgreementState.TERMINATED: frozenset(),
}

# Bank results that suspend the agreement until it is verified again (§5 retry column).
SUSPENDING_RESULTS = frozenset({"24001", "24009", "24011"})


@dataclass
class Agreement:
    id: int | None
    protocol_no: str
    payer_id: int
    tax_org_code: str
    pay_bk_code: str
    pay_op_bk_code: str
    pay_acct: str
    hand_org_name: str
    channel: AgreementChannel
    state: AgreementState = AgreementState.PENDING
    activated_at: dt.datetime | None = None
    reason: str = ""

    def _go(self, target: AgreementState, why: str = "") -> None:
        states.check(TRANSITIONS, "agreement", self.protocol_no, self.state, target, why=why)
        self.state = target

    def verified(self, passed: bool, reason: str, at: dt.datetime) -> None:
        """Apply a 9115 answer to a verify request (VCSign 0)."""
        if passed:
            self._go(AgreementState.ACTIVE, "9115 verify passed")
            self.activated_at, self.reason = at, ""
        elif self.state is AgreementState.PENDING:
            self._go(AgreementState.REJECTED, reason)
            self.reason = reason
        else:
            self.reason = reason  # a failed re-verify leaves a SUSPENDED agreement suspended

    def revoked(self, reason: str = "") -> None:
        """Apply a passed 9115 answer to a revoke (VCSign 1)."""
        self._go(AgreementState.REVOKED, reason or "9115 revoke passed")
        self.reason = reason

    def suspend(self, result_code: str, reason: str) -> None:
        if self.state is AgreementState.SUSPENDED:
            return
        self._go(AgreementState.SUSPENDED, f"bank result {result_code}")
        self.reason = reason

    def resubmit(self) -> None:
        self._go(AgreementState.PENDING, "re-submitted for verification")

    def terminate(self, reason: str) -> None:
        self._go(AgreementState.TERMINATED, reason)
        self.reason = reason

    def ensure_debitable(self) -> None:
        if self.state is not AgreementState.ACTIVE:
            raise AgreementNotActive(f"协议 {self.protocol_no} 状态为 {self.state.value}，不能扣款")

    @property
    def masked_account(self) -> str:
        return mask_account(self.pay_acct)


def mask_account(acct: str) -> str:
    """Account numbers are shown as the first 4 and last 4 digits only."""
    if len(acct) <= 8:
        return "*" * len(acct)
    return f"{acct[:4]}{'*' * (len(acct) - 8)}{acct[-4:]}"
