"""Declaring and voiding a unit's declaration (issue 15, items 3 and 4).

Declaring: the lines of every undeclared enrolled person × type go in with the terms in force;
the period's levies are inserted or added to. Before that the period's entries of a pending
batch-deduction list are voided, so the bank cannot collect an amount the declaration changes;
when some are already packaged the declaration is refused with the real figures.

Voiding: allowed while the period's levies are unpaid. A levy locked by a payment is resolved
first: a payment that did not happen (failed, reversed, a lapsed counter reservation) is
released; one still in flight is asked about (the caller sends the status query and the user
voids again once it is answered); one whose money moved refuses the void.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, Sequence

from gateway.domain.declaration import (VOID_PAID_MESSAGE, VOID_QUERY_MESSAGE, VOID_WAIT_MESSAGE,
                                        DeclarationKind, LockResolution, PortalRefused, TypeTerms,
                                        pending_message, resolve_lock)
from gateway.domain.levy import Levy, LockKind, LevyState
from gateway.domain.pending_list import VoidReport
from gateway.services.ports import UnitOfWork


class DeclarationStorePort(Protocol):
    def void_pending(self, payer_id: int, period_start: dt.date, reason: str
                     ) -> tuple[VoidReport, Decimal]: ...

    def period_levies(self, payer_id: int, period_start: dt.date
                      ) -> dict[str, tuple[int, str, Decimal]]: ...

    def has_declaration(self, payer_id: int, period_start: dt.date) -> bool: ...

    def create(self, payer_id: int, tax_org_code: str, period: tuple[dt.date, dt.date],
               terms: Sequence[TypeTerms], kind: DeclarationKind, basis_id: int | None, by: str,
               at: dt.datetime) -> tuple[int, str, dict[str, Decimal], int]: ...

    def add_to_levies(self, payer_id: int, tax_org_code: str, period: tuple[dt.date, dt.date],
                      per_type: dict[str, Decimal], declaration_no: str,
                      basis_id: int | None, at: dt.datetime) -> None: ...

    def declaration_row(self, payer_id: int, declaration_id: int, for_update: bool = True) -> Any: ...

    def amounts_by_type(self, declaration_id: int) -> dict[str, Decimal]: ...

    def reduce_levy(self, levy_id: int, amount: Decimal) -> None: ...

    def mark_voided(self, declaration_id: int, reason: str, at: dt.datetime) -> None: ...


@dataclass(frozen=True)
class Declared:
    declaration_id: int
    declaration_no: str
    kind: DeclarationKind
    persons: int
    amount: Decimal
    pending_voided: int  # entries of a pending batch-deduction list voided first


_LEVY_REFUSALS = {
    "VOIDED": "本期申报已作废，不能再次申报；如需重新申报请联系主管税务机关。",
    "PAID": "本期社保费已缴纳，新增人员请在下一费款所属期申报。",
    "SETTLED": "本期社保费已缴纳入库，新增人员请在下一费款所属期申报。",
    "LOCKED": "本期社保费正在缴款处理中，请待结果确定后再申报。",
}


def declare(store: DeclarationStorePort, payer_id: int, tax_org_code: str,
            period: tuple[dt.date, dt.date], terms: Sequence[TypeTerms], basis_id: int | None,
            by: str, now: dt.datetime) -> Declared:
    start = period[0]
    existing = store.period_levies(payer_id, start)
    kind = DeclarationKind.SUPPLEMENT if store.has_declaration(payer_id, start) else DeclarationKind.NORMAL
    decl_id, number, per_type, persons = store.create(payer_id, tax_org_code, period, terms, kind,
                                                      basis_id, by, now)
    report, pending_amount = store.void_pending(payer_id, start, f"申报 {number} 前作废")
    if not report.complete:
        # Raising rolls the whole transaction back: the lines, and the entries voided above.
        raise PortalRefused(pending_message(pending_amount, persons))
    for code in per_type:
        state = existing.get(code, (0, "UNPAID", Decimal(0)))[1]
        if state in _LEVY_REFUSALS:
            raise PortalRefused(_LEVY_REFUSALS[state])
    store.add_to_levies(payer_id, tax_org_code, period, per_type, number, basis_id, now)
    return Declared(decl_id, number, kind, persons, sum(per_type.values(), Decimal("0.00")),
                    len(report.voided))


@dataclass(frozen=True)
class VoidOutcome:
    """VOIDED, or QUERY: the debits to ask the bank about before the void can proceed."""

    state: str
    message: str
    query_debit_ids: tuple[int, ...] = ()
    released: int = 0  # levies whose abandoned payment was released first


def _resolution(uow: UnitOfWork, levy: Levy, now: dt.datetime) -> tuple[LockResolution, int | None]:
    owner = levy.lock_owner
    if owner is None:
        return LockResolution.UNLOCK, None
    if owner.kind is LockKind.COUNTER:
        return resolve_lock(owner.kind, None, levy.lock_until, now), None
    debit = uow.debits.get(int(owner.ref))
    return resolve_lock(owner.kind, debit.state, levy.lock_until, now), debit.saved_id


def void(store: DeclarationStorePort, uow: UnitOfWork, payer_id: int, declaration_id: int,
         reason: str, now: dt.datetime) -> VoidOutcome:
    row = store.declaration_row(payer_id, declaration_id)
    if row.state != "DECLARED":
        raise PortalRefused("该申报已作废")
    shares = store.amounts_by_type(declaration_id)
    by_type = store.period_levies(payer_id, row.period_start)
    ids = sorted(by_type[c][0] for c in shares if c in by_type)
    levies = uow.levies.get_many(ids, for_update=True) if ids else []
    paid = [lv for lv in levies if lv.state in (LevyState.PAID, LevyState.SETTLED)]
    if paid:
        raise PortalRefused(VOID_PAID_MESSAGE.format(
            amount=f"{sum((lv.amount for lv in paid), Decimal('0.00')):,.2f}"))
    to_query, to_release = [], []
    for levy in (lv for lv in levies if lv.state is LevyState.LOCKED):
        what, debit_id = _resolution(uow, levy, now)
        if what is LockResolution.PAID:
            raise PortalRefused(VOID_PAID_MESSAGE.format(amount=f"{levy.amount:,.2f}"))
        if what is LockResolution.WAIT:
            raise PortalRefused(VOID_WAIT_MESSAGE.format(until=levy.lock_until))
        if what is LockResolution.QUERY and debit_id is not None:
            to_query.append(debit_id)
        else:
            to_release.append(levy)
    if to_query:
        debits = [uow.debits.get(i) for i in sorted(set(to_query))]
        return VoidOutcome("QUERY", VOID_QUERY_MESSAGE.format(
            key="、".join(f"{x.tax_org_code}/{x.entrust_date:%Y%m%d}/{x.tra_no}" for x in debits)),
            tuple(sorted(set(to_query))))
    for levy in to_release:
        owner = levy.lock_owner
        assert owner is not None
        levy.unlock(owner, f"作废申报 {row.declaration_no}：支付未完成")
    report, _ = store.void_pending(payer_id, row.period_start, f"作废申报 {row.declaration_no}")
    if not report.complete:
        raise PortalRefused("本期费款已组入批量扣款包并发送银行，须待银行返回结果后才能作废：" + report.message())
    voided = []
    for levy in levies:
        share = shares.get(levy.insurance_code, Decimal("0.00"))
        if share >= levy.amount:
            levy.void()
            voided.append(levy)
        elif share > 0:
            uow.levies.save([levy])  # a released lock is written before the amount changes
            store.reduce_levy(levy.id or 0, share)
    uow.levies.save(levies)
    store.mark_voided(declaration_id, reason or "缴费单位作废申报", now)
    return VoidOutcome("VOIDED", f"申报 {row.declaration_no} 已作废"
                       + (f"（先释放了 {len(to_release)} 条未完成支付的锁定）" if to_release else ""),
                       released=len(to_release))

