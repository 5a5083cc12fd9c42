"""``etsgw recon``: run day-end reconciliation (§6.8) for a date or catch up every complete
one, and show the runs, the open discrepancies and the fund report violations."""

from __future__ import annotations

import datetime as dt

import click

from gateway.bootstrap import build
from gateway.domain.reconciliation import KIND_LABELS, DiscrepancyKind, RunReconciliation


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise click.BadParameter(f"日期格式应为 yyyyMMdd / expected yyyyMMdd: {text}") from None


@click.group()
def recon() -> None:
    """日终对账 / Day-end entry-detail reconciliation (3122) and fund entry reports (3128)."""


@recon.command("run")
@click.option("--date", "day", help="对账日期 yyyyMMdd（默认：所有已收齐未对账的日期）/ check "
                                    "date (default: every complete date not yet reconciled).")
@click.option("--operator", default="cli", show_default=True,
              help="操作员 / who asks (kept on the run).")
@click.pass_obj
def run(obj, day: str | None, operator: str) -> None:
    """执行对账（可重复执行，结果不变）/ Reconcile; re-running a date changes nothing."""
    app = build(obj.settings)
    try:
        summaries = app.bus.handle(RunReconciliation(_date(day), operator=operator))
    finally:
        app.close()
    if not summaries:
        click.echo("没有可对账的日期 / nothing to reconcile")
    for s in summaries:
        click.echo(f"{s.tax_org_code} {s.chk_date:%Y%m%d}: 明细 {s.items} 笔，入库 {s.settled_items} 笔"
                   f"（应征 {s.settled_levies} 笔），差异 {s.discrepancies} 笔（新增 "
                   f"{s.new_discrepancies}）")


@recon.command("show")
@click.option("--date", "day", help="只看该对账日期 yyyyMMdd / only this check date.")
@click.pass_obj
def show(obj, day: str | None) -> None:
    """对账结果、待处理差异与资金报表不平衡 / Runs, open discrepancies, fund report violations."""
    from rich.console import Console
    from rich.table import Table

    from gateway.logmask import mask_account
    from gateway.persistence import reconciliation_queries as q

    chk_date = _date(day)
    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            runs = [r for r in q.runs(conn, None) if chk_date is None or r["chk_date"] == chk_date]
            open_, _total = q.discrepancies(conn, None, state="OPEN", chk_date=chk_date,
                                            per_page=200)
            broken = q.fund_lines(conn, None, only_broken=True)
    finally:
        app.close()
    console = Console()
    table = Table(title="对账结果 / reconciliation runs")
    for col in ("日期", "征收机关", "包号", "状态", "明细", "入库", "入库应征", "差异", "次数"):
        table.add_column(col)
    for r in runs:
        table.add_row(f"{r['chk_date']:%Y%m%d}", r["tax_org_code"], r["pack_no"], r["state"],
                      str(r["all_num"]), str(r["settled_items"]), str(r["settled_levies"]),
                      str(r["discrepancies"]), str(r["runs"]))
    console.print(table)
    table = Table(title="待处理差异 / open discrepancies")
    for col in ("编号", "日期", "征收机关", "类型", "原交易", "对账金额", "网关金额"):
        table.add_column(col)
    for d in open_:
        table.add_row(str(d["id"]), f"{d['chk_date']:%Y%m%d}", d["tax_org_code"],
                      KIND_LABELS[DiscrepancyKind(d["kind"])], d["ori_key"],
                      str(d["reported_amount"] or ""), str(d["held_amount"] or ""))
    console.print(table)
    if broken:
        table = Table(title="资金入库报表不平衡 / unbalanced fund report accounts")
        for col in ("报表日期", "国库", "专户", "差额"):
            table.add_column(col)
        for f in broken:
            table.add_row(f"{f['report_date']:%Y%m%d}", f["tre_code"], mask_account(f["acct_code"]),
                          str(f["difference"]))
        console.print(table)
