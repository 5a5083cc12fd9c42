"""One reversal request: a 1021 for a single debit, its 9120 and its 2021 answer (§6.3).

SENT → ACCEPTED on 9120 90000; → REFUSED on a 9120 refusal or a 2021 answer 2; → DONE on a 2021
answer 1, or when the debit is known reversed another way (9004 OpStat 97, another reversal's
2021). A 9120-refused request may still be answered by a 2021 (the ETS forwarded it after all),
which then decides. While SENT or ACCEPTED the request has a timer: the 9120 or 2021 deadline,
then the alternating status queries and resends of the sweeper (``query_step``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from gateway.domain import states
from gateway.domain.entity import require_id


class ReversalState(StrEnum):
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    DONE = "DONE"
    REFUSED = "REFUSED"


R = ReversalState
TRANSITIONS: states.Table = {
    R.SENT: frozenset({R.ACCEPTED, R.DONE, R.REFUSED}),
    R.ACCEPTED: frozenset({R.DONE, R.REFUSED}),
    R.REFUSED: frozenset({R.DONE}),  # a 2021 answer 1 after a 9120 refusal
    R.DONE: frozenset(),
}
OPEN = frozenset({R.SENT, R.ACCEPTED})
ADD_WORD_LIMIT = 60  # AddWord c(..60)


@dataclass
class Reversal:
    id: int | None
    debit_id: int
    tax_org_code: str
    entrust_date: dt.date  # the reversal's own EntrustDate: the work date it was sent on
    cancel_no: str
    reason: str
    state: ReversalState = ReversalState.SENT
    answer: str = ""  # CancelAnswer of the 2021: "1" reversed, "2" refused, "" not answered
    add_word: str = ""
    msg_id: str = ""
    next_check_at: dt.datetime | None = None
    query_step: int = 0

    @property
    def key(self) -> str:
        """Business key TaxOrgCode + EntrustDate + CancelNo (§4.3)."""
        return f"{self.tax_org_code}/{self.entrust_date:%Y%m%d}/{self.cancel_no}"

    @property
    def saved_id(self) -> int:
        return require_id(self.id, f"reversal {self.key}")

    @property
    def open(self) -> bool:
        """Still waiting for the ETS (no final answer yet)."""
        return self.state in OPEN

    @property
    def answered(self) -> bool:
        """A 2021 (or a confirmed reversal) has decided it; repeats change nothing."""
        return self.state in (R.DONE, R.REFUSED) and bool(self.answer)

    def _go(self, target: ReversalState, why: str) -> None:
        states.check(TRANSITIONS, "reversal", self.key, self.state, target, why=why)
        self.state = target

    def _finish(self, answer: str, add_word: str) -> None:
        self.answer, self.add_word = answer, add_word[:ADD_WORD_LIMIT]
        self.next_check_at = None

    def sent(self, msg_id: str, ack_deadline: dt.datetime) -> None:
        """The 1021 is in the outbox as ``msg_id``: wait for its 9120."""
        self.msg_id, self.next_check_at, self.query_step = msg_id, ack_deadline, 0

    def accepted(self, result_deadline: dt.datetime) -> None:
        """9120 90000: wait for the 2021 until ``result_deadline``."""
        self._go(R.ACCEPTED, "accepted by ETS")
        self.next_check_at = result_deadline

    def refused_by_ets(self, result: str, add_word: str) -> None:
        """9120 refusal: final unless a 2021 arrives anyway; no answer recorded."""
        self._go(R.REFUSED, f"9120 {result}")
        self._finish("", add_word or result)

    def answered_by_bank(self, reversed_: bool, add_word: str) -> None:
        """2021: answer 1 (reversed) makes it DONE, answer 2 REFUSED."""
        if reversed_:
            self._go(R.DONE, "2021 answer 1")
            self._finish("1", add_word)
        else:
            if self.state is not R.REFUSED:  # a 9120-refused request keeps its state
                self._go(R.REFUSED, "2021 answer 2")
            self._finish("2", add_word)

    def closed(self, why: str) -> None:
        """The debit is known to be reversed (OpStat 97 or another 2021): no more queries or
        resends are needed."""
        self._go(R.DONE, why)
        self._finish("1", why)

    def resent(self, msg_id: str) -> None:
        """The same 1021 sent again by the sweeper under a new MsgID."""
        self.msg_id = msg_id

    def check_scheduled(self, at: dt.datetime, step: int) -> None:
        self.next_check_at, self.query_step = at, step

    def stop_checks(self) -> None:
        """The work date has moved on: the 3122 of that date settles it."""
        self.next_check_at = None
