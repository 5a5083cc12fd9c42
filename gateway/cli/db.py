"""``etsgw db`` (schema) and ``etsgw config`` (effective settings)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import click

from gateway.bootstrap import build
from gateway.cli.errors import RefusedError
from gateway.persistence import migrate


@click.group()
def db() -> None:
    """数据库：创建或升级表结构、查看版本 / Database schema: upgrade, current revision."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True,
              help="目标版本 / target revision.")
@click.pass_obj
def upgrade(obj, revision: str) -> None:
    """创建或升级表结构到 REVISION / Create the schema or upgrade it to REVISION."""
    from alembic.util.exc import CommandError

    app = build(obj.settings)
    try:
        rev = migrate.upgrade(app.engine, revision)
    except CommandError as exc:
        raise RefusedError(f"无法升级到版本 {revision}：{exc}（最新版本为 {migrate.head_revision()}，"
                           "默认 head）", f"unknown or unreachable revision {revision!r}: omit "
                           "--revision for head") from None
    finally:
        app.close()
    click.echo(f"表结构版本 / schema at revision {rev} ({_safe_url(obj.settings.database.url)})")


@db.command("current")
@click.pass_obj
def current(obj) -> None:
    """当前表结构版本与代码的最新版本 / The schema revision in force and the newest one known."""
    app = build(obj.settings)
    try:
        click.echo(f"current: {migrate.current_revision(app.engine) or '(none)'}; "
                   f"head: {migrate.head_revision()}")
    finally:
        app.close()


@db.command("after-restore")
@click.option("--margin", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="每个流水号计数器前移的数量（不少于备份后至故障前可能发出的号数）/ how far every "
                   "serial counter is moved on (at least what the gateway may have issued per key "
                   "between the backup and the failure; TaxVouNo has 5 digits per area and day, so a "
                   "counter moved past 99999 stops that day's vouchers).")
@click.pass_obj
def after_restore(obj, margin: int) -> None:
    """恢复备份后、启动网关前执行：流水号计数器前移，绝不重复使用已发出的流水号 / Run after a
    restore, before the gateway starts: move the serial counters on so that no TraNo, PackNo or
    TaxVouNo sent after the backup is issued again."""
    from gateway.persistence.serial_restore import advance_after_restore
    from gateway.services import status

    app = build(obj.settings)
    try:
        with app.uow() as uow:
            text = uow.state.get(status.WORK_DATE)  # the restored database's work date
        work_date = dt.datetime.strptime(text, "%Y%m%d").date() if text else app.clock().date()
        done = advance_after_restore(app.engine, margin, work_date)
    finally:
        app.close()
    click.echo(f"流水号计数器已前移 {margin} / serial counters moved on by {margin}: "
               f"{done['advanced']} advanced, {done['created']} created")


# Keys whose empty default means "derived from other settings": shown with the value in use.
def _effective(settings) -> dict[tuple[str, str], str]:
    return {("transport", "online_out"): settings.online_out_queue,
            ("transport", "batch_out"): settings.batch_out_queue,
            ("transport", "embedded_url"): settings.embedded_transport_url}


@click.command("config")
@click.pass_obj
def config_cmd(obj) -> None:
    """生效配置 / Effective settings (secrets hidden).

    显示生效的配置（隐藏密钥，显示实际使用的队列名）/ derived queue names shown as used."""
    effective = _effective(obj.settings)
    for section, values in dataclasses.asdict(obj.settings).items():
        click.echo(f"[{section}]")
        for key, value in values.items():
            derived = (section, key) in effective and not value
            if derived:
                value = effective[(section, key)]
            if key in {"password", "secret_key", "smtp_password", "web_metrics_token"} and value:
                value = "********"
            if key.endswith("url"):
                value = _safe_url(value)
            click.echo(f"{key} = {value!r}" + ("  # 默认推导 / derived" if derived else ""))
    q = obj.settings.transport
    click.echo("\n# 实际使用的队列 / queues in use: "
               f"in {obj.settings.online_out_queue}, {obj.settings.batch_out_queue}; "
               f"out {q.online_in}, {q.batch_in} (via {q.transmission_queue})")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True) if url else url
