"""A counter-payment voucher (银行端查询缴款凭证) and its reservation (§6.4).

Printing issues it (ISSUED) and locks nothing. A bank's 2091 reserves its levies until
``reserved_until`` (RESERVED; a repeated 2091 renews it); the reservation lapses or a failed 2108
releases it (back to ISSUED); a successful 2108 pays it (PAID, final). The levies' own locks are
the levies' business (:mod:`gateway.domain.levy`); the voucher records which levies it covers
and their total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gateway.domain import states
from gateway.domain.entity import require_id
from gateway.domain.levy import LockKind, LockOwner
from gateway.domain.money import money


class VoucherState(StrEnum):
    ISSUED = "ISSUED"
    RESERVED = "RESERVED"
    PAID = "PAID"


W = VoucherState
TRANSITIONS: states.Table = {
    W.ISSUED: frozenset({W.RESERVED, W.PAID}),
    W.RESERVED: frozenset({W.ISSUED, W.PAID}),
    W.PAID: frozenset(),
}


@dataclass
class CounterVoucher:
    id: int | None
    tax_vou_no: str
    tax_org_code: str
    payer_id: int
    levy_ids: tuple[int, ...]
    total: Decimal
    state: VoucherState = VoucherState.ISSUED
    reserved_until: dt.datetime | None = None

    def __post_init__(self) -> None:
        self.total = money(self.total)

    @property
    def saved_id(self) -> int:
        return require_id(self.id, f"voucher {self.tax_vou_no}")

    @property
    def owner(self) -> LockOwner:
        """The lock owner of the levies this voucher reserves or pays."""
        return LockOwner(LockKind.COUNTER, str(self.saved_id))

    def _go(self, target: VoucherState, why: str) -> None:
        states.check(TRANSITIONS, "voucher", self.tax_vou_no, self.state, target, why=why)
        self.state = target

    def reserve(self, until: dt.datetime) -> None:
        """A 2091 reserves (or renews the reservation of) its levies until ``until``."""
        if self.state is not W.RESERVED:
            self._go(W.RESERVED, "2091 counter query")
        self.reserved_until = until

    def release(self) -> None:
        """The reservation lapsed or a 2108 reported failure: printable again. A paid voucher
        stays PAID."""
        if self.state is W.RESERVED:
            self._go(W.ISSUED, "reservation released")
        self.reserved_until = None

    def paid(self) -> None:
        """A successful 2108."""
        self._go(W.PAID, "2108 paid")
        self.reserved_until = None
