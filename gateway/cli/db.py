"""``etsgw db`` (schema) and ``etsgw config`` (effective settings)."""

from __future__ import annotations

import dataclasses

import click

from gateway.bootstrap import build
from gateway.persistence import migrate


@click.group()
def db() -> None:
    """数据库：创建或升级表结构 (database schema)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_obj
def upgrade(obj, revision: str) -> None:
    """Create the schema or upgrade it to REVISION."""
    app = build(obj.settings)
    try:
        rev = migrate.upgrade(app.engine, revision)
    finally:
        app.close()
    click.echo(f"schema at revision {rev} ({_safe_url(obj.settings.database.url)})")


@db.command("current")
@click.pass_obj
def current(obj) -> None:
    """Print the schema revision in force and the newest one this code knows."""
    app = build(obj.settings)
    try:
        click.echo(f"current: {migrate.current_revision(app.engine) or '(none)'}; "
                   f"head: {migrate.head_revision()}")
    finally:
        app.close()


@click.command("config")
@click.pass_obj
def config_cmd(obj) -> None:
    """Print the effective settings (secrets hidden)."""
    for section, values in dataclasses.asdict(obj.settings).items():
        click.echo(f"[{section}]")
        for key, value in values.items():
            if key in {"password", "secret_key", "smtp_password"} and value:
                value = "********"
            if key.endswith("url"):
                value = _safe_url(value)
            click.echo(f"{key} = {value!r}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True) if url else url
