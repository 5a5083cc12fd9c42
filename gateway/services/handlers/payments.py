"""Shared steps of every payment kind: applying a success or a failure to a debit's levies."""

from __future__ import annotations

import datetime as dt

from gateway.domain.agreement import SUSPENDING_RESULTS
from gateway.domain.debit import Debit
from gateway.domain.errors import LevyNotPayable, NotFound
from gateway.domain.events import DuplicatePaymentFlagged
from gateway.domain.levy import LevyState, LockKind, LockOwner, PaymentOutcome
from gateway.domain.results import describe
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork

_KIND_TO_LOCK = {"SINGLE": LockKind.DEBIT, "BATCH_ITEM": LockKind.BATCH_ITEM, "COUNTER": LockKind.COUNTER}


def owner_of(debit: Debit) -> LockOwner:
    return LockOwner(_KIND_TO_LOCK[debit.kind.value], str(debit.id))


def payable_levies(uow, payer, levy_ids, purpose: str, for_update: bool = False):
    """The payer's UNPAID levies of one office that a payment (``purpose``: 扣款 or 缴款凭证)
    may cover, with that office's TaxOrgCode; clear refusals otherwise."""
    ids = sorted(set(levy_ids))
    if not 1 <= len(ids) <= 99:
        raise LevyNotPayable(f"一笔{purpose}包含 1 至 99 条应征")
    levies = uow.levies.get_many(ids, for_update=for_update)
    for levy in levies:
        if levy.payer_id != payer.id:
            raise NotFound(f"应征 {levy.id} 不属于该缴费人")
        if levy.state is not LevyState.UNPAID:
            raise LevyNotPayable(f"应征 {levy.id} 当前状态为 {levy.state.value}，不能用于{purpose}")
    orgs = {levy.tax_org_code for levy in levies}
    if len(orgs) != 1:
        raise LevyNotPayable(f"一笔{purpose}只能包含同一征收机关的应征")
    return levies, orgs.pop()


def apply_success(uow: UnitOfWork, ctx: HandlerContext, debit: Debit, tax_date: dt.date, code: str) -> None:
    """SUCCEEDED and every levy PAID once; a levy already paid another way is flagged (§8.1)."""
    was_failed = debit.state.value == "FAILED"
    debit.succeeded(tax_date, code)
    owner = owner_of(debit)
    levies = uow.levies.get_many(debit.levy_ids, for_update=True)
    for levy in levies:
        if levy.apply_success(owner, tax_date) is PaymentOutcome.DUPLICATE:
            amount = uow.debits.levy_amount(debit.id, levy.id)
            uow.reviews.add("DUPLICATE_PAYMENT", f"应征 {levy.id} 已缴（{levy.paid_by}），"
                            f"{debit.key} 再次扣款成功，需退费", debit.tax_org_code, debit.key, amount)
            ctx.emit(DuplicatePaymentFlagged(levy.id, str(owner), amount))
    uow.levies.save(levies)
    if was_failed:
        uow.reviews.add("LATE_SUCCESS", f"{debit.key} 已按失败处理，银行后报成功，已补记", debit.tax_org_code,
                        debit.key, debit.amount)


def apply_failure(uow: UnitOfWork, debit: Debit, code: str, add_word: str, agreement_id: int | None) -> None:
    """FAILED, the levies it still holds return to UNPAID, and the agreement is suspended when
    the bank says the account or agreement is wrong (§5)."""
    debit.failed(code, describe(code, add_word))
    release_levies(uow, debit, f"result {code}")
    if code in SUSPENDING_RESULTS and agreement_id is not None:
        agreement = uow.agreements.get(agreement_id)
        if agreement.state.value == "ACTIVE":
            agreement.suspend(code, describe(code, add_word))
            uow.agreements.save(agreement)


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
