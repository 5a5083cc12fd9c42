"""Shared steps of every payment kind: applying a success, a failure or a confirmed reversal to a
debit and its levies, and the follow-up of a duplicate payment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from gateway.domain.agreement import SUSPENDING_RESULTS, AgreementState
from gateway.domain.debit import Debit, DebitKind, DebitState
from gateway.domain.entity import require_id
from gateway.domain.errors import LevyNotPayable, NotFound
from gateway.domain.events import DuplicatePaymentFlagged
from gateway.domain.levy import Levy, LevyState, LockKind, LockOwner, PaymentOutcome
from gateway.domain.parties import Payer
from gateway.domain.results import describe
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork

_KIND_TO_LOCK = {DebitKind.SINGLE: LockKind.DEBIT, DebitKind.BATCH_ITEM: LockKind.BATCH_ITEM,
                 DebitKind.COUNTER: LockKind.COUNTER}


def owner_of(debit: Debit) -> LockOwner:
    return LockOwner(_KIND_TO_LOCK[debit.kind], str(debit.saved_id))


def ids_of(levies: Iterable[Levy]) -> tuple[int, ...]:
    return tuple(require_id(lv.id, "levy") for lv in levies)


def payable_levies(uow: UnitOfWork, payer: Payer, levy_ids: Iterable[int], purpose: str,
                   for_update: bool = False,
                   owners: frozenset[int] | None = None) -> tuple[list[Levy], str]:
    """The payer's UNPAID levies of one office that a payment (``purpose``: 扣款 or 缴款凭证)
    may cover, with that office's TaxOrgCode; clear refusals otherwise. ``owners``: whose levies
    the payer may pay instead of their own (paying for others, a residents' virtual unit)."""
    ids = sorted(set(levy_ids))
    if not 1 <= len(ids) <= 99:
        raise LevyNotPayable(f"一笔{purpose}包含 1 至 99 条应征")
    levies = uow.levies.get_many(ids, for_update=for_update)
    for levy in levies:
        if levy.payer_id not in (owners if owners is not None else {payer.id}):
            raise NotFound(f"应征 {levy.id} 不属于该缴费人")
        if levy.state is not LevyState.UNPAID:
            raise LevyNotPayable(f"应征 {levy.id} 当前状态为 {levy.state.value}，不能用于{purpose}")
    orgs = {levy.tax_org_code for levy in levies}
    if len(orgs) != 1:
        raise LevyNotPayable(f"一笔{purpose}只能包含同一征收机关的应征")
    return levies, orgs.pop()


def apply_success(uow: UnitOfWork, ctx: HandlerContext, debit: Debit, tax_date: dt.date,
                  code: str) -> None:
    """SUCCEEDED and every levy PAID once; a levy already paid another way raises
    :class:`DuplicatePaymentFlagged` (§8.1). Saves the debit."""
    was_failed = debit.state is DebitState.FAILED
    debit.succeeded(tax_date, code, at=ctx.now())
    owner = owner_of(debit)
    levies = uow.levies.get_many(debit.levy_ids, for_update=True)
    for levy in levies:
        if levy.apply_success(owner, tax_date) is PaymentOutcome.DUPLICATE:
            ctx.emit(DuplicatePaymentFlagged(
                levy_id=require_id(levy.id, "levy"), payment=str(owner),
                amount=debit.levy_amount(require_id(levy.id, "levy")), debit_key=debit.key,
                tax_org_code=debit.tax_org_code, paid_by=levy.paid_by))
    uow.levies.save(levies)
    uow.debits.save(debit)
    if was_failed:
        uow.reviews.add("LATE_SUCCESS", f"{debit.key} 已按失败处理，银行后报成功，已补记", debit.tax_org_code,
                        debit.key, debit.amount)


def apply_failure(uow: UnitOfWork, ctx: HandlerContext, debit: Debit, code: str,
                  add_word: str) -> None:
    """FAILED, the levies it still holds return to UNPAID, and the agreement is suspended when
    the bank says the account or agreement is wrong (§5). Saves the debit."""
    debit.failed(code, describe(code, add_word), at=ctx.now())
    release_levies(uow, debit, f"result {code}")
    uow.debits.save(debit)
    if code in SUSPENDING_RESULTS and debit.agreement_id is not None:
        agreement = uow.agreements.get(debit.agreement_id)
        if agreement.state is AgreementState.ACTIVE:
            agreement.suspend(code, describe(code, add_word))
            uow.agreements.save(agreement)


def confirm_reversal(uow: UnitOfWork, ctx: HandlerContext, debit: Debit, why: str) -> None:
    """The ETS confirmed the debit reversed (2021 answer 1 or 9004 OpStat 97): the levies it paid
    or holds return to UNPAID, the debit is REVERSED, and no open reversal of it needs more
    queries or resends. The one place a reversal takes effect."""
    if debit.reversal_confirmed(why, at=ctx.now()):
        reverse_levies(uow, debit)
        uow.debits.save(debit)
    for reversal in uow.reversals.open_for(debit.saved_id):
        reversal.closed(why)
        uow.reversals.save(reversal)


def release_levies(uow: UnitOfWork, debit: Debit, released_by: str) -> None:
    owner = owner_of(debit)
    levies = uow.levies.get_many(debit.levy_ids, for_update=True)
    changed = [lv for lv in levies if lv.state is LevyState.LOCKED and lv.lock_owner == owner]
    for levy in changed:
        levy.unlock(owner, released_by)
    uow.levies.save(changed)


def reverse_levies(uow: UnitOfWork, debit: Debit) -> None:
    """A confirmed reversal: levies this debit paid or still holds return to UNPAID."""
    owner = owner_of(debit)
    levies = uow.levies.get_many(debit.levy_ids, for_update=True)
    changed = []
    for levy in levies:
        if (levy.state is LevyState.LOCKED and levy.lock_owner == owner) or (
                levy.state is LevyState.PAID and levy.paid_by == str(owner)):
            levy.reverse(owner)
            changed.append(levy)
    uow.levies.save(changed)


def on_duplicate_payment_flagged(event: DuplicatePaymentFlagged, uow: UnitOfWork,
                                 ctx: HandlerContext) -> None:
    """A payer paid a levy twice: staff are alerted and the refund is put on the review list."""
    uow.alerts.add("WARNING", "payment", f"重复缴款：应征 {event.levy_id} 已由 {event.paid_by} 缴纳，"
                   f"{event.debit_key} 再次扣款 {event.amount} 元，需退费")
    uow.reviews.add("DUPLICATE_PAYMENT", f"应征 {event.levy_id} 已缴（{event.paid_by}），"
                    f"{event.debit_key} 再次扣款成功，需退费", event.tax_org_code, event.debit_key,
                    event.amount)
