"""What happens to a package's items and levies when its outcome arrives: failure as a whole
(9121 refusal, 9122, 9004 11/21/97/99, the deadline) and a 2102 applied item by item (§6.6
rules 4–6), including a late 2102 after the package had failed or been stopped.

Levies are changed through the domain's Levy (one lock owner, paid at most once); the items of
a package are loaded and saved in bulk.
"""

from __future__ import annotations

import logging
from typing import Iterable

from gateway.domain.agreement import SUSPENDING_RESULTS, AgreementState
from gateway.domain.batch import Package, PackageState
from gateway.domain.batch_messages import ItemFailed, PackageResultReceived
from gateway.domain.debit import Debit, DebitState
from gateway.domain.entity import require_id
from gateway.domain.events import DuplicatePaymentFlagged
from gateway.domain.levy import Levy, LevyState, LockKind, LockOwner, PaymentOutcome
from gateway.domain.package import ItemVerdict, judge, totals_problem
from gateway.domain.pending_list import EntryState
from gateway.domain.results import describe
from gateway.services.batch_ports import BatchUnitOfWork, batch_uow
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork

log = logging.getLogger(__name__)
CHUNK = 5000


def owner(item: Debit) -> LockOwner:
    return LockOwner(LockKind.BATCH_ITEM, str(item.saved_id))


def _levies(uow: BatchUnitOfWork, items: Iterable[Debit]) -> dict[int, Levy]:
    ids = sorted({lid for i in items for lid in i.levy_ids})
    out: dict[int, Levy] = {}
    for start in range(0, len(ids), CHUNK):
        for levy in uow.levies.get_many(ids[start:start + CHUNK], for_update=True):
            out[require_id(levy.id, "levy")] = levy
    return out


def fail_items(uow: BatchUnitOfWork, ctx: HandlerContext, items: list[Debit], code: str,
               reason: str) -> None:
    """Unresolved items FAILED, the levies they hold back to UNPAID, their entries FINISHED."""
    now = ctx.now()
    todo = [i for i in items if i.unresolved]
    levies = _levies(uow, todo)
    changed: list[Levy] = []
    for item in todo:
        item.failed(code, describe(code, reason), at=now)
        for lid in item.levy_ids:
            levy = levies[lid]
            if levy.state is LevyState.LOCKED and levy.lock_owner == owner(item):
                levy.unlock(owner(item), f"{code} {reason}".strip())
                changed.append(levy)
        ctx.emit(ItemFailed(item.saved_id, item.payer_id, item.tax_org_code, item.amount,
                            describe(code, reason)))
    uow.levies.save(changed)
    uow.packages.save_items(todo)
    if todo and todo[0].package_id is not None:
        uow.packages.entries_moved(todo[0].package_id, EntryState.FINISHED,
                                   [lid for i in todo for lid in i.levy_ids])
    _suspend(uow, todo, code, reason)


def fail_package(uow: BatchUnitOfWork, ctx: HandlerContext, pkg: Package, code: str,
                 reason: str) -> None:
    pkg.failed(code, reason)
    uow.packages.save(pkg)
    fail_items(uow, ctx, uow.packages.items(pkg.id or 0), code, reason)
    log.info("package %s failed: %s %s", pkg.key, code, reason)


def _suspend(uow: BatchUnitOfWork, items: Iterable[Debit], code: str, reason: str) -> None:
    if code not in SUSPENDING_RESULTS:
        return
    for agreement_id in sorted({i.agreement_id for i in items if i.agreement_id is not None}):
        agreement = uow.agreements.get(agreement_id)
        if agreement.state is AgreementState.ACTIVE:
            agreement.suspend(code, describe(code, reason))
            uow.agreements.save(agreement)


def on_package_result(event: PackageResultReceived, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """Answer the 2102 with a 9121 and apply it (§6.6 rules 4–6)."""
    b = batch_uow(uow)
    key = (event.pay_bk_code, event.entrust_date, event.pack_no)
    pkg = b.packages.by_key(event.ori_tax_org_code, event.ori_entrust_date, event.ori_pack_no)
    name = f"{event.ori_tax_org_code}/{event.ori_entrust_date:%Y%m%d}/{event.ori_pack_no}"
    if pkg is None or pkg.pay_bk_code != event.pay_bk_code:
        uow.reviews.add("UNKNOWN_PACKAGE_2102", f"2102 {'/'.join(map(str, key))} for package "
                        f"{name}: unknown", event.ori_tax_org_code, event.ori_pack_no, event.all_amt)
        uow.messages.answer_ack(event.ref, "24023", "包不存在", request_key=key)
        return
    problem = totals_problem(event.items, event.all_num, event.all_amt, event.succ_num,
                             event.succ_amt, pkg.item_count, pkg.total_amount)
    if problem:
        uow.reviews.add("INVALID_2102", f"2102 for {name}: {problem}", pkg.tax_org_code, pkg.key)
        uow.messages.answer_ack(event.ref, "92004", problem, request_key=key)
        return
    uow.messages.answer_ack(event.ref, "90000", "", request_key=key)
    if pkg.state is PackageState.ANSWERED:
        uow.reviews.add("SECOND_2102", f"第二个 2102（{'/'.join(map(str, key))}）对应已处理的批量包 "
                        f"{name}，未再处理", pkg.tax_org_code, pkg.key, event.all_amt)
        return
    was = pkg.state
    if was is not PackageState.STOPPED:  # STOPPED is final; its items' successes still count
        pkg.answered(event.result, event.add_word, event.succ_num, event.succ_amt)
        b.packages.save(pkg)
    _apply_items(b, ctx, pkg, event, late=was in (PackageState.FAILED, PackageState.STOPPED))


def _apply_items(b: BatchUnitOfWork, ctx: HandlerContext, pkg: Package,
                 event: PackageResultReceived, late: bool) -> None:
    now = ctx.now()
    items = {i.tra_no: i for i in b.packages.items(pkg.id or 0)}
    levies = _levies(b, items.values())
    changed_levies: dict[int, Levy] = {}
    changed: list[Debit] = []
    failed: list[Debit] = []
    finished: list[int] = []
    for ret in event.items:
        item = items.get(ret.ori_tra_no)
        verdict = judge(item, ret)
        if verdict is ItemVerdict.MISMATCH or item is None:
            b.reviews.add("MISMATCHED_2102_ITEM", f"2102 明细 {ret.ori_tra_no} 金额 {ret.tra_amt} "
                          f"费票 {ret.tax_vou_no} 与原包 {pkg.key} 不符，未处理", pkg.tax_org_code,
                          f"{pkg.key}/{ret.ori_tra_no}", ret.tra_amt)
            continue
        if verdict is ItemVerdict.PAID:
            if item.state is DebitState.SUCCEEDED:
                continue
            was_failed = item.state is DebitState.FAILED
            item.succeeded(ret.tax_date or event.entrust_date, ret.result, at=now)
            # §6.8: the item belongs to the check date of the 2102's HEAD WorkDate.
            item.chk_date = event.work_date or event.entrust_date
            for lid in item.levy_ids:
                levy = levies[lid]
                outcome = levy.apply_success(owner(item), item.tax_date or event.entrust_date)
                if outcome is PaymentOutcome.APPLIED:
                    changed_levies[lid] = levy
                elif outcome is PaymentOutcome.DUPLICATE:
                    ctx.emit(DuplicatePaymentFlagged(
                        levy_id=lid, payment=str(owner(item)), amount=item.levy_amount(lid),
                        debit_key=item.key, tax_org_code=item.tax_org_code, paid_by=levy.paid_by))
            if was_failed:
                b.reviews.add("LATE_SUCCESS", f"{item.key} 已按失败处理，银行后报成功，已补记",
                              item.tax_org_code, item.key, item.amount)
            changed.append(item)
            finished.extend(item.levy_ids)
        elif not item.unresolved:
            continue  # a failure or an unknown code never overrides a final result
        elif verdict is ItemVerdict.FAILED:
            failed.append(item)
            item.result_code = ret.result
            item.reason = ret.add_word
        else:
            item.unknown_result(ret.result, ret.add_word, now)
            item.stop_checks()  # the 3122 decides (§6.6 rule 4)
            changed.append(item)
    b.levies.save(list(changed_levies.values()))
    b.packages.save_items(changed)
    if finished:
        b.packages.entries_moved(pkg.id or 0, EntryState.FINISHED, finished)
    by_code: dict[tuple[str, str], list[Debit]] = {}
    for item in failed:
        by_code.setdefault((item.result_code, item.reason), []).append(item)
    for (code, reason), group in by_code.items():
        fail_items(b, ctx, group, code, reason)
    if late:
        b.reviews.add("LATE_2102", f"批量包 {pkg.key} 在失败或止付后收到 2102（成功 {event.succ_num} 笔），"
                      "已补记", pkg.tax_org_code, pkg.key, event.succ_amt)
