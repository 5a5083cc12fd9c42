"""One agreement verification or revocation request: a 9114 and its 9115 answer (§6.1).

SENT → PASSED or FAILED on the 9115; → REFUSED on a 9120 refusal; → TIMEOUT when no 9115 came
within its timer (the agreement stays as it was). A request that timed out may still be answered
by a late 9115, which then decides. What the request did to the agreement is the agreement's own
state (:mod:`gateway.domain.agreement`); ``result`` keeps the text shown to the payer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from gateway.domain import states
from gateway.domain.entity import require_id


class VerificationState(StrEnum):
    SENT = "SENT"
    PASSED = "PASSED"
    FAILED = "FAILED"
    REFUSED = "REFUSED"
    TIMEOUT = "TIMEOUT"


V = VerificationState
TRANSITIONS: states.Table = {
    V.SENT: frozenset({V.PASSED, V.FAILED, V.REFUSED, V.TIMEOUT}),
    V.TIMEOUT: frozenset({V.PASSED, V.FAILED, V.REFUSED}),
    V.PASSED: frozenset(),
    V.FAILED: frozenset(),
    V.REFUSED: frozenset(),
}
AWAITING_ANSWER = frozenset({V.SENT, V.TIMEOUT})
RESULT_LIMIT = 200
TIMEOUT_TEXT = "银行未在规定时间内应答，协议保持待验证"


class VcSign(StrEnum):
    VERIFY = "0"
    REVOKE = "1"


@dataclass
class Verification:
    id: int | None
    agreement_id: int
    tax_org_code: str
    entrust_date: dt.date
    vc_no: str
    vc_sign: VcSign
    msg_id: str = ""
    deadline: dt.datetime | None = None  # the 9115 timer while SENT
    state: VerificationState = VerificationState.SENT
    result: str = ""

    @property
    def key(self) -> str:
        """Business key SendOrgCode + EntrustDate + VCNo (§4.3)."""
        return f"{self.tax_org_code}/{self.entrust_date:%Y%m%d}/{self.vc_no}"

    @property
    def saved_id(self) -> int:
        return require_id(self.id, f"verification {self.key}")

    @property
    def awaiting_answer(self) -> bool:
        """No 9115 yet (still SENT, or timed out): an answer now is applied."""
        return self.state in AWAITING_ANSWER

    @property
    def revocation(self) -> bool:
        return self.vc_sign is VcSign.REVOKE

    def _finish(self, target: VerificationState, result: str) -> None:
        states.check(TRANSITIONS, "verification", self.key, self.state, target)
        self.state, self.result, self.deadline = target, result[:RESULT_LIMIT], None

    def answered(self, passed: bool, message: str) -> None:
        """9115: the bank's answer, with the message for the payer."""
        self._finish(V.PASSED if passed else V.FAILED, message)

    def refused(self, result: str) -> None:
        """9120 refusal of the 9114: the ETS did not forward it."""
        self._finish(V.REFUSED, result)

    def expired(self) -> None:
        """No 9115 within its timer. The deadline stays as the record of when it lapsed."""
        states.check(TRANSITIONS, "verification", self.key, self.state, V.TIMEOUT)
        self.state, self.result = V.TIMEOUT, TIMEOUT_TEXT
