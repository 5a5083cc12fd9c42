"""``etsgw batch``: select levies into a list, submit a list as 1102 packages or as a real-time
batch of 1001s (a rich progress bar and a summary table), show a package's status (optionally
with a 9003), stop a package or one item (1123). Everything goes through the message bus."""

from __future__ import annotations

import datetime as dt

import click

from gateway.bootstrap import build
from gateway.domain import batch_messages as bm
from gateway.domain.pending_list import Selection


def _date(text: str | None) -> dt.date | None:
    return dt.datetime.strptime(text, "%Y%m%d").date() if text else None


@click.group()
def batch() -> None:
    """批量扣款 / Asynchronous batch debits: select, package and send, query, stop."""


@batch.command("select")
@click.option("--office", required=True, help="税务机关代码 / TaxOrgCode of the staff member's office.")
@click.option("--no-subordinates", is_flag=True, help="不含下级机关 / only this office, not the ones below it.")
@click.option("--period-from", help="所属期起 / fee period start from (yyyyMMdd).")
@click.option("--period-to", help="所属期止 / fee period start to (yyyyMMdd).")
@click.option("--declared-from", help="申报日期起 / declaration date from (yyyyMMdd).")
@click.option("--declared-to", help="申报日期止 / declaration date to (yyyyMMdd).")
@click.option("--kind", "payer_kind", type=click.Choice(["UNIT", "FLEXIBLE", "RESIDENT"]))
@click.option("--insurance", multiple=True, help="险种代码（可重复）/ insurance type code (repeat).")
@click.option("--operator", default="cli", show_default=True)
@click.pass_obj
def select_cmd(obj, office, no_subordinates, period_from, period_to, declared_from, declared_to,
               payer_kind, insurance, operator) -> None:
    """选取应征 / Select UNPAID levies (set-based) into a list and show counts per office and bank."""
    app = build(obj.settings)
    try:
        sel = Selection(tax_org_code=office, run_at=app.clock(),
                        include_subordinates=not no_subordinates,
                        period_from=_date(period_from), period_to=_date(period_to),
                        declared_from=_date(declared_from), declared_to=_date(declared_to),
                        payer_kind=payer_kind, insurance_codes=tuple(insurance))
        summary = app.bus.handle(bm.SelectLevies(sel, operator))
    finally:
        app.close()
    _summary_table(summary)


def _summary_table(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"待批扣清册 {summary.list_id}（{summary.kind.value}）")
    for col in ("征收机关", "付款行", "缴费人", "应征", "金额"):
        table.add_column(col, justify="right" if col in ("缴费人", "应征", "金额") else "left")
    for g in summary.groups:
        table.add_row(g.tax_org_code, g.pay_bk_code, str(g.payers), str(g.levies), f"{g.amount}")
    table.add_row("合计", "", "", str(summary.levies), f"{summary.amount}")
    Console().print(table)


@batch.command("submit")
@click.argument("list_id", type=int)
@click.option("--mode", type=click.Choice(["async", "realtime"]), default="async", show_default=True,
              help="async：组包发送 1102；realtime：每个缴费人一笔 1001 / async: 1102 packages; "
                   "realtime: one 1001 per payer (§6.5).")
@click.option("--max-in-flight", type=int, default=None,
              help="实时批扣的在途上限（默认 gateway.max_in_flight）/ real-time mode: debits in "
                   "flight at most (default gateway.max_in_flight).")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="实时批扣：等待全部结果 / real-time mode: watch until every debit is resolved.")
@click.option("--timeout", "timeout_s", type=float, default=3600.0, show_default=True,
              help="实时批扣等待的秒数 / real-time mode: seconds to watch before giving up.")
@click.option("--operator", default="cli", show_default=True)
@click.pass_obj
def submit(obj, list_id: int, mode: str, max_in_flight: int | None, wait: bool, timeout_s: float,
           operator: str) -> None:
    """发起批扣 / Submit a list: as packages (one transaction per package) or as a real-time batch."""
    if mode == "realtime":
        _submit_realtime(obj, list_id, max_in_flight, wait, timeout_s, operator)
        return
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from gateway.services.handlers.packages import run_list

    app = build(obj.settings)
    try:
        with app.uow() as uow:
            summary = uow.batch_lists.summary(list_id)
        with Progress() as progress:
            task = progress.add_task("组包发送", total=summary.levies or 1)
            packages = run_list(app.bus.handle, list_id, operator,
                                lambda p: progress.advance(task, _levies_of(app, p)))
    finally:
        app.close()
    table = Table(title=f"批量包（清册 {list_id}）")
    for col in ("包", "征收机关", "付款行", "笔数", "金额", "期限"):
        table.add_column(col)
    for p in packages:
        table.add_row(p.key, p.tax_org_code, p.pay_bk_code, str(p.item_count), f"{p.total_amount}",
                      f"{p.deadline_at:%Y-%m-%d %H:%M}" if p.deadline_at else "")
    Console().print(table)
    click.echo(f"{len(packages)} packages, {sum(p.item_count for p in packages)} items, "
               f"{sum(p.total_amount for p in packages)}")


def _submit_realtime(obj, list_id: int, max_in_flight: int | None, wait: bool, timeout_s: float,
                     operator: str) -> None:
    """Launch, then (with --wait) drive and watch: each poll tops the run up itself (the
    worker's sweeper does the same; a second driver is harmless, entries go to one debit
    only), while the worker applies the 9120/2001/9004 that resolve the debits."""
    import time

    from rich.progress import Progress

    app = build(obj.settings)
    try:
        run = app.bus.handle(bm.LaunchRealtimeBatch(list_id, operator, max_in_flight))
        if wait:
            give_up = time.monotonic() + timeout_s
            with Progress() as progress:
                task = progress.add_task("实时批扣", total=run.total or 1)
                while not run.done and time.monotonic() < give_up:
                    app.bus.handle(bm.AdvanceRealtimeBatches())
                    with app.uow() as uow:
                        run = uow.realtime_batches.progress(run.run_id)
                    progress.update(task, completed=run.resolved)
                    if not run.done:
                        time.sleep(0.5)  # polling the database, not standing in for a sync
    finally:
        app.close()
    _realtime_table(run)


def _realtime_table(run) -> None:
    from rich.console import Console
    from rich.table import Table

    from gateway.domain.realtime_batch import OUTCOME_LABELS, RUN_LABELS

    table = Table(title=f"实时批扣 {run.run_id}（清册 {run.list_id}，{RUN_LABELS[run.state]}，"
                        f"在途上限 {run.max_in_flight}）")
    table.add_column("结果")
    table.add_column("笔数", justify="right")
    for outcome, label in OUTCOME_LABELS.items():
        table.add_row(label, str(run.counts.get(outcome, 0)))
    table.add_row("合计", str(run.total))
    Console().print(table)
    click.echo(f"realtime batch {run.run_id} {run.state.value}: {run.resolved}/{run.total} resolved, "
               f"paid {run.paid_amount}, in flight <= {run.max_in_flight}")


def _levies_of(app, pkg) -> int:
    from sqlalchemy import func, select

    from gateway.persistence.records import DebitLevyRecord, DebitRecord
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(DebitLevyRecord).join(
            DebitRecord, DebitRecord.id == DebitLevyRecord.debit_id)
            .where(DebitRecord.package_id == pkg.id)).scalar_one()


@batch.command("status")
@click.argument("package_id", type=int)
@click.option("--query", is_flag=True, help="同时发送 9003 查询 / also send a 9003 (SearchType 1) now.")
@click.pass_obj
def status_cmd(obj, package_id: int, query: bool) -> None:
    """包状态 / A package's state, counts and amounts."""
    from sqlalchemy import func, select

    from gateway.persistence.records import DebitRecord, PackageRecord
    app = build(obj.settings)
    try:
        if query:
            click.echo(f"9003 sent: {app.bus.handle(bm.QueryPackage(package_id))}")
        with app.engine.connect() as conn:
            p = conn.execute(select(PackageRecord).where(PackageRecord.id == package_id)).first()
            if p is None:
                raise click.ClickException(f"批量包 {package_id} 不存在")
            counts = conn.execute(select(DebitRecord.state, func.count(), func.sum(DebitRecord.amount))
                                  .where(DebitRecord.package_id == package_id)
                                  .group_by(DebitRecord.state)).all()
    finally:
        app.close()
    click.echo(f"package {p.id} {p.tax_org_code}/{p.entrust_date:%Y%m%d}/{p.pack_no} bank "
               f"{p.pay_bk_code} state {p.state} items {p.item_count} amount {p.total_amount} "
               f"deadline {p.deadline} result {p.result_code} {p.reason}".rstrip())
    for state, n, amount in counts:
        click.echo(f"  {state}: {n} ({amount})")


@batch.command("stop")
@click.argument("package_id", type=int)
@click.option("--item", "tra_no", help="单笔止付的流水号 / TraNo of one item; default: the whole package.")
@click.option("--reason", default="税务机关止付", show_default=True)
@click.option("--operator", default="cli", show_default=True)
@click.pass_obj
def stop(obj, package_id: int, tra_no: str | None, reason: str, operator: str) -> None:
    """止付 / Send a 1123; the levies are unlocked only when the 2123 says stopped."""
    app = build(obj.settings)
    try:
        s = app.bus.handle(bm.StopPackage(package_id, reason, operator, tra_no=tra_no))
    finally:
        app.close()
    click.echo(f"stop {s.key} sent ({'item ' + s.ori_tra_no if tra_no else 'whole package'})")
