"""Stopping a package or one item (1123 ⇒ 2123, §6.7). The levies stay LOCKED until a 2123
says stopped; a refusal changes nothing but the stop request, which keeps the reason."""

from __future__ import annotations

import datetime as dt

from gateway.domain.batch import PackageState
from gateway.domain.batch_messages import PackageReceipt, StopAnswered, StopPackage
from gateway.domain.errors import IllegalTransition, NotFound
from gateway.domain.package import NO_ITEM, StopRequest, StopType
from gateway.services import status
from gateway.services.batch_ports import BatchUnitOfWork, batch_uow
from gateway.services.context import HandlerContext
from gateway.services.handlers.package_outcomes import fail_items
from gateway.services.ports import UnitOfWork
from gateway.services.serials import new_serial

STOPPED_CODE = "24020"


def stop_package(cmd: StopPackage, uow: UnitOfWork, ctx: HandlerContext) -> StopRequest:
    b = batch_uow(uow)
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    pkg = b.packages.get(cmd.package_id)
    if not pkg.open:
        raise IllegalTransition("package", pkg.key, pkg.state.value, "STOPPED",
                                f"批量包状态为 {pkg.state.value}，不能止付")
    tra_no = NO_ITEM
    if cmd.tra_no is not None:
        items = {i.tra_no: i for i in b.packages.items(pkg.id or 0)}
        item = items.get(cmd.tra_no)
        if item is None:
            raise NotFound(f"批量包 {pkg.key} 中没有流水号 {cmd.tra_no}")
        if not item.unresolved:
            raise IllegalTransition("item", item.key, item.state.value, "STOPPED",
                                    f"该笔状态为 {item.state.value}，不能止付")
        tra_no = cmd.tra_no
    day = status.work_date(uow, ctx.options, now)
    stop = StopRequest(id=None, package_id=pkg.id or 0, tax_org_code=pkg.tax_org_code,
                       entrust_date=day, stop_no=new_serial(uow, "STOPNO", pkg.tax_org_code, day),
                       stop_type=StopType.ITEM if cmd.tra_no else StopType.PACKAGE,
                       ori_entrust_date=pkg.entrust_date, ori_pack_no=pkg.pack_no,
                       ori_tra_no=tra_no, reason=cmd.reason, requested_by=cmd.requested_by)
    msg_id = uow.messages.send_stop(stop)
    stop.sent(msg_id, now + dt.timedelta(seconds=ctx.options.timers.answer_2123))
    return b.stops.add(stop)


def on_stop_answered(event: StopAnswered, uow: UnitOfWork, ctx: HandlerContext) -> None:
    b = batch_uow(uow)
    stop = b.stops.by_key(event.tax_org_code, event.entrust_date, event.ori_stop_no)
    if stop is None:
        uow.reviews.add("UNMATCHED_2123", f"2123 {event.tax_org_code}/{event.entrust_date:%Y%m%d}/"
                        f"{event.ori_stop_no} for an unknown stop", event.tax_org_code,
                        event.ori_stop_no)
        return
    if not stop.answered(event.stopped, event.add_word):
        return  # a repeated 2123
    b.stops.save(stop)
    if not event.stopped:
        uow.alerts.add("INFO", "1123", f"止付 {stop.key} 被拒绝：{event.add_word}")
        return
    pkg = b.packages.get(stop.package_id)
    items = b.packages.items(pkg.id or 0)
    if stop.stop_type is StopType.PACKAGE:
        if pkg.open:
            pkg.stopped()
            b.packages.save(pkg)
        fail_items(b, ctx, items, STOPPED_CODE, "已止付")
    else:
        fail_items(b, ctx, [i for i in items if i.tra_no == stop.ori_tra_no], STOPPED_CODE,
                   "已止付")


def stop_refused_by_receipt(b: BatchUnitOfWork, event: PackageReceipt) -> None:
    """A 9121 to a 1123 (the ETS could not read it): the stop is refused, nothing else."""
    stop = b.stops.by_msg_id(event.request_msg_id)
    if stop is not None and stop.answered(False, event.add_word or event.result):
        b.stops.save(stop)


def sweep_stops(uow: UnitOfWork, ctx: HandlerContext, now: dt.datetime, limit: int = 50) -> int:
    """No 2123 in time: the same 1123 (same StopNo, new MsgID), §6.7."""
    b = batch_uow(uow)
    count = 0
    for stop in b.stops.due(now, limit):
        pkg = b.packages.get(stop.package_id)
        if pkg.state in (PackageState.ANSWERED, PackageState.FAILED):
            stop.next_check_at = None  # the package is decided; a stop cannot matter any more
        else:
            stop.resent(uow.messages.resend(stop.msg_id),
                        now + dt.timedelta(seconds=ctx.options.timers.answer_2123))
        b.stops.save(stop)
        count += 1
    return count
