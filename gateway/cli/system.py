"""``etsgw system``: the gateway's own state: the ETS work date (show, correct by hand, audited)
and the singleton processes running on this database."""

from __future__ import annotations

import datetime as dt
import time

import click

from gateway.bootstrap import build
from gateway.cli.errors import RefusedError
from gateway.cli.output import dumps, fields, table

SYS_STAT_TEXT = {"0": "日间 / intraday", "1": "日切中 / day switch", "2": "维护 / maintenance"}


def _date(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if not (len(value) == 8 and value.isdigit()):  # strptime takes "2024116" as well
            raise ValueError(value)
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise click.BadParameter(f"应为 yyyyMMdd / expected yyyyMMdd, got {value!r}") from None


@click.group("system")
def system() -> None:
    """网关状态 / Gateway state: work date, processes."""


@system.command("work-date")
@click.option("--set", "new_date", callback=_date, default=None, metavar="yyyyMMdd",
              help="手工更正工作日 / correct the work date by hand.")
@click.option("--reason", default=None, help="更正原因（--set 时必填）/ why (required with --set).")
@click.option("--operator", default=None, help="操作员（--set 时必填）/ who (required with --set).")
@click.option("--force", is_flag=True,
              help="允许非清算日 / allow a date that is not a clearing day.")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.pass_obj
def work_date(obj, new_date: dt.date | None, reason: str | None, operator: str | None,
              force: bool, as_json: bool) -> None:
    """显示 ETS 工作日、系统状态、链路及设置时间；--set 更正（审计）/ Show the ETS work date,
    system state, link and when each was set; --set corrects the date (audited)."""
    app = build(obj.settings)
    try:
        if new_date is not None:
            _correct(app, new_date, reason, operator, force)
        _show(app, as_json)
    finally:
        app.close()


def _correct(app, new_date: dt.date, reason: str | None, operator: str | None,
             force: bool) -> None:
    from gateway.persistence.ops_actions import ActionRefused, set_work_date

    if not (reason or "").strip() or not (operator or "").strip():
        raise click.UsageError("--set 需要 --reason 和 --operator / --set needs --reason and "
                               "--operator")
    if not force and not app.options.calendar.is_clearing_day(new_date):
        raise RefusedError(f"{new_date:%Y%m%d} 不是清算日（若确需如此，加 --force）",
                           f"{new_date:%Y%m%d} is not a clearing day (use --force if meant)")
    try:
        before = set_work_date(app.engine, new_date, reason.strip(), operator.strip(),
                               app.clock())
    except ActionRefused as exc:
        raise RefusedError(str(exc), f"the work date is {new_date:%Y%m%d} already") from None
    click.echo(f"工作日已由 {before or '(未设置)'} 改为 {new_date:%Y%m%d}（已审计）/ work date set "
               f"from {before or '(unset)'} to {new_date:%Y%m%d} (audited)")


def _show(app, as_json: bool) -> None:
    from gateway.persistence.ops_actions import WORK_DATE_SET
    from gateway.persistence.ops_queries import audit_events, gateway_state, reviews
    from gateway.services import status

    with app.reader.connect() as conn:
        state = gateway_state(conn)
        corrections = audit_events(conn, WORK_DATE_SET, limit=3)
        refused = reviews(conn, False, "WORK_DATE_REFUSED", 100, 0)
    initial = app.options.initial_work_date
    date, date_at = state.get(status.WORK_DATE, ("", None))
    stat, stat_at = state.get(status.SYS_STAT, ("0", None))
    link, link_at = state.get(status.LINK, ("UP", None))
    info = {"work_date": date or (f"{initial:%Y%m%d}" if initial else "(今天 / today)"),
            "work_date_set_at": date_at, "sys_stat": stat, "sys_stat_set_at": stat_at,
            "link": link, "link_set_at": link_at, "corrections": corrections,
            "refused_9101_open": len(refused)}
    if as_json:
        click.echo(dumps(info))
        return
    fields([("工作日 / work date", info["work_date"] + ("" if date else "（尚无 9101，按配置 / no "
                                                        "9101 yet: configured）")),
            ("设置于 / set at", date_at),
            ("系统状态 / SysStat", f"{stat} {SYS_STAT_TEXT.get(stat, '')}"),
            ("设置于 / set at", stat_at),
            ("链路 / link", link), ("设置于 / set at", link_at)])
    if corrections:
        click.echo("\n手工更正 / corrections:")
        table([("at", "AT"), ("actor", "OPERATOR"), ("before", "BEFORE"), ("after", "AFTER"),
               ("reason", "REASON")], corrections)
    if refused:
        click.echo(f"\n{len(refused)} 个被拒的 9101 待复核：etsgw review list --kind "
                   f"WORK_DATE_REFUSED / {len(refused)} refused 9101(s) to review")


@system.command("processes")
@click.pass_obj
def processes(obj) -> None:
    """在此数据库上运行的网关/演示/作业进程（租约）/ Gateway, demo and jobs processes holding a
    lease on this database."""
    from gateway.persistence.leases import live_leases

    app = build(obj.settings)
    try:
        leases = live_leases(app.engine)
    finally:
        app.close()
    now = time.time()
    table([("name", "NAME"), ("pid", "PID"), ("host", "HOST"), ("heartbeat", "HEARTBEAT"),
           ("expires", "EXPIRES IN")],
          [{"name": lease.name, "pid": lease.pid, "host": lease.host,
            "heartbeat": f"{now - lease.heartbeat_at:.0f} s ago",
            "expires": f"{lease.expires_at - now:.0f} s"} for lease in leases])
