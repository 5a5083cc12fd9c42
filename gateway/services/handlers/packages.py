"""Asynchronous batch packages (§6.6, §7.3): building and sending 1102s from a list, the 9121
receipt, the 9122, the package status query (9003 SearchType 1) and the deadline sweep.

A package is written in one transaction: its items (TraNo and voucher allocated in blocks),
the levy locks (one conditional UPDATE that must lock every levy, else everything rolls back)
and its 1102 in the outbox. The 2102 is applied in :mod:`package_results`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Sequence

from gateway.domain.batch import Package, PackageState
from gateway.domain.batch_messages import (PackageFailedWhole, PackageReceipt, PackMany, PackNext,
                                           QueryPackage)
from gateway.domain.calendar import ClearingCalendar
from gateway.domain.debit import Debit, DebitKind, DebitState
from gateway.domain.errors import LevyLocked
from gateway.domain.events import StatusReported
from gateway.domain.money import total
from gateway.domain.package import ItemDraft, PackageTooLarge
from gateway.domain.parties import TreasuryRoute
from gateway.domain.pending_list import EntryState
from gateway.services import status
from gateway.services.batch_ports import BatchUnitOfWork, batch_uow
from gateway.services.context import HandlerContext
from gateway.services.handlers.package_outcomes import fail_package
from gateway.services.ports import UnitOfWork
from gateway.services.savepoints import has_savepoints, isolated

log = logging.getLogger(__name__)
_OPSTAT_FAILED = {"11": "ETS拒绝或未能投递", "21": "银行整包拒绝", "97": "整包已止付", "99": "ETS已作废"}


def _s(n: int) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def deadline_of(uow: BatchUnitOfWork, ctx: HandlerContext, entrust_date: dt.date,
                return_term: int) -> dt.datetime:
    """§7.4 on the official table plus the override table; a warning when a year is covered by
    neither (the Monday–Friday rule then decides)."""
    base = ctx.options.calendar
    overrides = uow.packages.calendar_overrides()
    cal = ClearingCalendar(
        holidays=(base.holidays - {d for d, c in overrides.items() if c})
        | {d for d, c in overrides.items() if not c},
        extra_workdays=(base.extra_workdays - {d for d, c in overrides.items() if not c})
        | {d for d, c in overrides.items() if c},
        years=base.years | {d.year for d in overrides})
    deadline = cal.package_deadline(entrust_date, return_term)
    uncovered = sorted({y for y in (entrust_date.year, deadline.year) if y not in cal.years})
    if uncovered:
        text = (f"清算日历未覆盖 {'、'.join(map(str, uncovered))} 年，批量包期限按周一至周五计算，"
                "请在日历补充表中维护节假日")
        log.warning(text)
        uow.alerts.add("WARNING", "calendar", text)
    return deadline


def pack_next(cmd: PackNext, uow: UnitOfWork, ctx: HandlerContext) -> Package | None:
    """The next package of the list, whole or not at all (one transaction)."""
    status.ensure_open_for_requests(uow)
    return _pack_one(uow, ctx, cmd.list_id, cmd.requested_by)


def pack_many(cmd: PackMany, uow: UnitOfWork, ctx: HandlerContext) -> tuple[Package, ...]:
    """The list's next packages in one transaction, a savepoint each (see PackMany): the
    commit (a disk flush) is paid once for many packages instead of once per package."""
    status.ensure_open_for_requests(uow)
    done: list[Package] = []
    items = 0
    most = cmd.max_packages if has_savepoints(uow) else 1
    deadlines: dict[dt.date, dt.datetime] = {}
    while len(done) < most and items < cmd.max_items:
        if not done:  # the first package raises as PackNext would: nothing else to keep
            pkg = _pack_one(uow, ctx, cmd.list_id, cmd.requested_by, deadlines)
        else:
            try:
                with isolated(uow):
                    pkg = _pack_one(uow, ctx, cmd.list_id, cmd.requested_by, deadlines)
            except Exception:  # noqa: BLE001 - the next call meets it first and raises
                log.info("package after %d others rolled back; it is retried alone", len(done))
                break
        if pkg is None:
            break
        done.append(pkg)
        items += pkg.item_count
    return tuple(done)


def _pack_one(uow: UnitOfWork, ctx: HandlerContext, list_id: int, requested_by: str,
              deadlines: dict[dt.date, dt.datetime] | None = None) -> Package | None:
    """One package; ``deadlines`` remembers the deadline of each entrust date for the rest of
    the unit of work (the calendar and its override table are read once, not per package)."""
    b = batch_uow(uow)
    now = ctx.now()
    group = b.packages.next_group(list_id)
    if group is None:
        return None
    org, bank = group
    drafts = b.packages.drafts(list_id, org, bank, ctx.options.max_package_items)
    day = status.work_date(uow, ctx.options, now)
    route = uow.routes.get(org)
    deadline = (deadlines or {}).get(day) or deadline_of(b, ctx, day, ctx.options.return_term)
    if deadlines is not None:
        deadlines[day] = deadline
    pack_no = f"{b.packages.reserve('PACKNO', org, day, 1):08d}"
    while True:
        try:
            return _write(b, ctx, list_id, requested_by, org, bank, day, pack_no, drafts, route,
                          deadline, now)
        except PackageTooLarge:
            if len(drafts) == 1:
                raise
            # Nothing was written (the 1102 is encoded first): half now, the rest next time.
            drafts = drafts[:len(drafts) // 2]


def _write(b: BatchUnitOfWork, ctx: HandlerContext, list_id: int, requested_by: str, org: str,
           bank: str, day: dt.date, pack_no: str, drafts: Sequence[ItemDraft],
           route: TreasuryRoute, deadline: dt.datetime, now: dt.datetime) -> Package:
    n = len(drafts)
    first_tra = b.packages.reserve("TRANO", org, day, n)
    area = (org[1:7] if len(org) >= 7 else org).rjust(6, "0")
    first_vou = b.packages.reserve("TAXVOU", area, day, n)
    if first_vou + n - 1 > 99_999 or first_tra + n - 1 > 99_999_999:
        raise OverflowError(f"{day} 的流水号或费票号已用尽（{org}）")
    amounts = [d.amount for d in drafts]  # each a sum of its lines: summed once here
    pkg = Package(id=None, tax_org_code=org, entrust_date=day, pack_no=pack_no, pay_bk_code=bank,
                  item_count=n, return_term=ctx.options.return_term, batch_id=list_id,
                  total_amount=total(amounts))
    vou_prefix = f"3{area}{day:%y%m%d}"
    items = [Debit(id=None, kind=DebitKind.BATCH_ITEM, tax_org_code=org, entrust_date=day,
                   tra_no=f"{first_tra + i:08d}", tax_vou_no=f"{vou_prefix}{first_vou + i:05d}",
                   payer_id=d.payer_id, amount=amounts[i],
                   levy_ids=tuple(ln.levy_id for ln in d.lines),
                   levy_amounts=tuple(ln.amount for ln in d.lines), agreement_id=d.agreement_id)
             for i, d in enumerate(drafts)]
    # Encode first: a package too large for one message is split before anything is written.
    msg_id = b.messages.send_package(pkg, items, drafts, route)
    pkg.sent(msg_id, now + _s(ctx.options.timers.receipt_9121), deadline)
    b.packages.add(pkg)
    for item in items:
        item.package_id, item.msg_id, item.sent_at = pkg.id, msg_id, now
    b.packages.add_items(items)
    expected = sum(len(item.levy_ids) for item in items)
    locked = b.packages.lock_levies(pkg.id or 0, f"1102 {pkg.key} by {requested_by}")
    if locked != expected:
        raise LevyLocked("package", pkg.key, "UNPAID", "LOCKED",
                         f"{expected - locked} 条应征已被其他缴款锁定或已缴，本包未发送，请重新组包")
    b.packages.entries_packaged(list_id, pkg.id or 0,
                                [lid for item in items for lid in item.levy_ids])
    log.info("package %s written: %d items, %s", pkg.key, n, pkg.total_amount)
    return pkg


def run_list(handle: Callable[[PackMany], Sequence[Package]], list_id: int, requested_by: str,
             on_package: Callable[[Package], None] | None = None) -> list[Package]:
    """Package a whole list, many packages per transaction (PackMany), until nothing is left."""
    done: list[Package] = []
    while True:
        made = handle(PackMany(list_id=list_id, requested_by=requested_by))
        if not made:
            return done
        done.extend(made)
        if on_package is not None:
            for pkg in made:
                on_package(pkg)


def on_package_receipt(event: PackageReceipt, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """9121 to a 1102: 90000 accepts the package (its items ACCEPTED); any refusal fails every
    item and unlocks the levies (§6.6 rule 2). A 9121 to a 1123 refuses the stop."""
    b = batch_uow(uow)
    if event.ori_msg_no == "1123":
        from gateway.services.handlers.stops import stop_refused_by_receipt
        stop_refused_by_receipt(b, event)
        return
    pkg = b.packages.by_msg_id(event.request_msg_id) or b.packages.by_key(
        event.ori_send_org_code, event.ori_entrust_date, event.ori_request_no)
    if pkg is None:
        uow.reviews.add("UNMATCHED_9121", f"9121 {event.ori_msg_no} {event.ori_send_org_code}/"
                        f"{event.ori_entrust_date:%Y%m%d}/{event.ori_request_no} {event.result}")
        return
    if event.result == "90000":
        _accept(b, ctx, pkg)
        return
    if pkg.open:
        fail_package(b, ctx, pkg, event.result, event.add_word or "ETS拒绝批量包")
        uow.alerts.add("WARNING", "1102", f"批量包 {pkg.key} 被ETS拒绝：{event.result} {event.add_word}")


def _accept(b: BatchUnitOfWork, ctx: HandlerContext, pkg: Package) -> None:
    if not pkg.accepted(_s(ctx.options.timers.package_result_check)):
        return
    b.packages.save(pkg)
    items = b.packages.items(pkg.id or 0)
    changed = [i for i in items if i.state is DebitState.SENT]
    for item in changed:
        item.accepted()
    b.packages.save_items(changed)
    b.packages.entries_moved(pkg.id or 0, EntryState.SENT)


def on_package_failed(event: PackageFailedWhole, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """9122: the package failed as a whole before any debit; no 2102 follows (§6.6 rule 3)."""
    b = batch_uow(uow)
    pkg = b.packages.by_key(event.ori_send_org_code, event.ori_entrust_date, event.ori_request_no)
    if pkg is None:
        uow.reviews.add("UNMATCHED_9122", f"9122 {event.ori_send_org_code}/"
                        f"{event.ori_entrust_date:%Y%m%d}/{event.ori_request_no} {event.result}")
        return
    if pkg.open:
        fail_package(b, ctx, pkg, event.result, event.add_word or "批量包整包失败")


def on_package_status(event: StatusReported, uow: UnitOfWork, ctx: HandlerContext) -> None:
    """9004 for a package (§7.3): 10/20 received; 11/21/97/99 failed unless answered; 98 the
    same package once more. A 2102 the ETS redelivers after 20/21 is applied once (its key)."""
    b = batch_uow(uow)
    pkg = b.packages.by_key(event.tax_org_code, event.ori_entrust_date, event.ori_pack_no)
    if pkg is None:
        uow.reviews.add("PACKAGE_STATUS", f"9004 for unknown package {event.ori_pack_no}: "
                        f"OpStat {event.op_stat}", event.tax_org_code, event.ori_pack_no)
        return
    op = event.op_stat
    if op in ("10", "20"):
        _accept(b, ctx, pkg)
    elif op in _OPSTAT_FAILED and pkg.open:
        fail_package(b, ctx, pkg, f"OPSTAT{op}", _OPSTAT_FAILED[op])
    elif op == "98" and pkg.open and not pkg.resent:
        pkg.resend_after_not_found()
        pkg.msg_id = uow.messages.resend(pkg.msg_id)
        now = ctx.now()
        pkg.query_scheduled(now + _s(ctx.options.timers.receipt_9121), 0)
        b.packages.save(pkg)


def query_package(cmd: QueryPackage, uow: UnitOfWork, ctx: HandlerContext) -> str:
    pkg = batch_uow(uow).packages.get(cmd.package_id)
    return uow.messages.send_status_query(pkg.tax_org_code, "1", pkg.entrust_date, pkg.pack_no,
                                          "00000000")


# The alert source ops look up for a package failed at its deadline (docs/operations.md).
ALERT_PACKAGE_DEADLINE = "package_deadline"


def sweep_packages(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime, limit: int = 50) -> int:
    """Deadline passed → FAILED and unlocked (§6.6 rule 5); no receipt yet → 9003 on the
    back-off (§7.3); accepted → one 9003 shortly before the deadline, and one at it.

    The queries of an accepted package are this gateway's reading of §6.10's "2102
    redelivery": the ETS answers 20/21 for a package whose 2102 exists and resends that 2102,
    so a 2102 lost on the way (or sent after the backup a database was restored from) is applied
    before the deadline, or late (§6.6 rule 6) rather than only by the day-end reconciliation."""
    b = batch_uow(uow)
    count = 0
    for pkg in b.packages.due(now, limit):
        count += 1
        if pkg.past_deadline(now):
            if pkg.state is PackageState.ACCEPTED:
                _query(uow, pkg)
            fail_package(b, ctx, pkg, "DEADLINE", "超过回执期限未收到批量扣款结果")
            uow.alerts.add("WARNING", ALERT_PACKAGE_DEADLINE,
                           f"批量包 {pkg.pack_no}（{pkg.tax_org_code}，委托日期 {pkg.entrust_date:%Y%m%d}）"
                           f"超过回执期限未收到 2102，已判失败并解锁 {pkg.item_count} 户应征；"
                           "迟到的 2102 仍会入账，已另行缴纳的标记为重复缴款")
            continue
        if pkg.state is PackageState.SENT:
            _query(uow, pkg)
            step = pkg.query_step + 1
            pkg.query_scheduled(now + _s(ctx.options.timers.query_delay(step - 1)), step)
        elif pkg.result_check_due(now):
            _query(uow, pkg)
            pkg.result_checked()
        else:
            pkg.next_check_at = None
        b.packages.save(pkg)
    return count


def _query(uow: UnitOfWork, pkg: Package) -> None:
    """9003 SearchType 1 for a package (§6.10)."""
    uow.messages.send_status_query(pkg.tax_org_code, "1", pkg.entrust_date, pkg.pack_no,
                                   "00000000")
