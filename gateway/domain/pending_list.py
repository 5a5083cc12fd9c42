"""待批扣清册 (the pending batch-deduction list) and the selection of levies for a batch.

At the monthly cutoff (§7.6) a list is generated per tax office: the UNPAID levies the month's
batch will collect. A batch may also be launched from an ad-hoc :class:`Selection`, which is
kept as a list of kind SELECTION so both paths package the same way. Entries move
GENERATED → IN_PACKAGE (packaged and sent: the package row says SENT) → FINISHED, or
GENERATED → VOIDED when the unit or person voids them before a new declaration; a real-time batch
takes them GENERATED → REALTIME → SENT → FINISHED (:mod:`realtime_batch`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gateway.domain import states


class ListKind(StrEnum):
    MONTHLY = "MONTHLY"  # generated at the cutoff for one office
    SELECTION = "SELECTION"  # an ad-hoc selection by a staff member


class EntryState(StrEnum):
    GENERATED = "GENERATED"
    REALTIME = "REALTIME"  # taken by a real-time batch run, its 1001 not yet written
    VOIDED = "VOIDED"
    IN_PACKAGE = "IN_PACKAGE"
    SENT = "SENT"
    FINISHED = "FINISHED"


E = EntryState
ENTRY_TRANSITIONS: states.Table = {
    E.GENERATED: frozenset({E.VOIDED, E.IN_PACKAGE, E.REALTIME}),
    E.REALTIME: frozenset({E.SENT, E.FINISHED}),
    E.IN_PACKAGE: frozenset({E.SENT, E.FINISHED}),
    E.SENT: frozenset({E.FINISHED}),
    E.VOIDED: frozenset(),
    E.FINISHED: frozenset(),
}

ENTRY_LABELS = {E.GENERATED: "已生成", E.REALTIME: "实时批扣待发送", E.VOIDED: "已作废", E.IN_PACKAGE: "已组包",
                E.SENT: "已发送", E.FINISHED: "已完成"}


def check_entry(entry: str, current: EntryState, target: EntryState) -> None:
    states.check(ENTRY_TRANSITIONS, "pending entry", entry, current, target)


@dataclass(frozen=True)
class Selection:
    """What a staff member (or the cutoff job) selects. ``tax_org_code`` is the staff member's
    office; with ``include_subordinates`` its subordinate offices are included too."""

    tax_org_code: str
    run_at: dt.datetime
    include_subordinates: bool = True
    period_from: dt.date | None = None  # fee period: levies whose period starts in [from, to]
    period_to: dt.date | None = None
    declared_from: dt.date | None = None  # declaration date range
    declared_to: dt.date | None = None
    payer_kind: str | None = None  # PayerKind value (UNIT, FLEXIBLE, RESIDENT)
    insurance_codes: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"征收机关 {self.tax_org_code}{'（含下级）' if self.include_subordinates else ''}"]
        if self.period_from or self.period_to:
            parts.append(f"费款所属期 {self.period_from or '…'}–{self.period_to or '…'}")
        if self.declared_from or self.declared_to:
            parts.append(f"申报日期 {self.declared_from or '…'}–{self.declared_to or '…'}")
        if self.payer_kind:
            parts.append(f"缴费人类型 {self.payer_kind}")
        if self.insurance_codes:
            parts.append(f"险种 {'、'.join(self.insurance_codes)}")
        return "；".join(parts)


@dataclass(frozen=True)
class GroupFigures:
    """Preview of one package group: office, paying bank, payers, levies and their total."""

    tax_org_code: str
    pay_bk_code: str
    payers: int
    levies: int
    amount: Decimal


@dataclass(frozen=True)
class ListSummary:
    list_id: int
    kind: ListKind
    tax_org_code: str
    groups: tuple[GroupFigures, ...]

    @property
    def levies(self) -> int:
        return sum(g.levies for g in self.groups)

    @property
    def amount(self) -> Decimal:
        return sum((g.amount for g in self.groups), Decimal("0.00"))


@dataclass(frozen=True)
class VoidReport:
    """What voiding a unit's or person's entries did: what was voided and, exactly, what stays
    pending and why (entries already packaged cannot be voided until their package resolves)."""

    payer_id: int
    voided: tuple[int, ...] = ()  # levy ids
    still_pending: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # (levy id, why)

    @property
    def complete(self) -> bool:
        return not self.still_pending

    def message(self) -> str:
        if self.complete:
            return f"已作废待批扣清册中 {len(self.voided)} 条应征"
        rest = "；".join(f"应征 {lid}：{why}" for lid, why in self.still_pending)
        return f"已作废 {len(self.voided)} 条，以下 {len(self.still_pending)} 条仍在批扣中：{rest}"
