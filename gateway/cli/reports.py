"""``etsgw reports``: re-run the daily summaries of a scope and dates, generate the monthly
report versions, and show one office's report. Everything goes through the message bus."""

from __future__ import annotations

import datetime as dt
import json

import click

from gateway.bootstrap import build
from gateway.domain.summary_messages import GenerateReports, RefreshDailySummaries


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


@click.group()
def reports() -> None:
    """汇总与报表 / Daily summaries and monthly reports: refresh, generate, show."""


@reports.command("refresh")
@click.option("--from", "date_from", required=True, help="起始日期 / first day (yyyyMMdd).")
@click.option("--to", "date_to", required=True, help="截止日期 / last day (yyyyMMdd).")
@click.option("--office", default=None,
              help="税务机关代码（含下级；不填为全部）/ TaxOrgCode with its subordinates (default: all).")
@click.option("--operator", default="cli", show_default=True,
              help="申请人（记入汇总记录）/ who asked (kept in the summary run).")
@click.pass_obj
def refresh(obj, date_from: str, date_to: str, office: str | None, operator: str) -> None:
    """重新汇总 / Rebuild the summary rows of one scope and date range; nothing outside changes."""
    app = build(obj.settings)
    try:
        result = app.bus.handle(RefreshDailySummaries(_day(date_from), _day(date_to), office,
                                                      operator))
    finally:
        app.close()
    click.echo(str(result))


@reports.command("generate")
@click.option("--month", default=None, help="月份 YYYY-MM（默认本月）/ month YYYY-MM (default: this month).")
@click.option("--operator", default="cli", show_default=True,
              help="生成人 / who generated the versions.")
@click.pass_obj
def generate(obj, month: str | None, operator: str) -> None:
    """生成月报表 / Make a new report version for every office whose figures changed."""
    app = build(obj.settings)
    try:
        created = app.bus.handle(GenerateReports(month, operator))
    finally:
        app.close()
    click.echo(f"{len(created)} new report versions")


@reports.command("show")
@click.option("--office", required=True, help="税务机关代码 / TaxOrgCode of the report.")
@click.option("--month", required=True, help="月份 YYYY-MM / month YYYY-MM.")
@click.pass_obj
def show(obj, office: str, month: str) -> None:
    """查看月报表 / Print an office's latest report version (应征 and 入库 per office and type)."""
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import select

    from gateway.persistence.records import ReportVersionRecord as t
    app = build(obj.settings)
    try:
        with app.engine.connect() as conn:
            row = conn.execute(select(t.version, t.state, t.body).where(
                t.tax_org_code == office, t.month == month).order_by(t.version.desc())
                .limit(1)).first()
    finally:
        app.close()
    if row is None:
        raise click.ClickException(f"没有 {office} {month} 的报表 / no report for {office} {month}")
    table = Table(title=f"社保费应收实收明细月报表 {office} {month} 第 {row.version} 版（{row.state}）")
    for col in ("征收机关", "险种", "应征", "户次", "入库", "户次"):
        table.add_column(col)
    for r in json.loads(row.body):
        table.add_row(r["office_name"], r["insurance_code"], r["levied"], str(r["levied_payers"]),
                      r["received"], str(r["received_payers"]))
    Console().print(table)
