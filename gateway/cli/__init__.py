"""The ``etsgw`` command: one click group; subcommand groups live in modules beside this one.

Every command reads the settings once (``--config``, before or after the subcommand, or
``ETSGW_CONFIG``). Errors become one line and an exit code in one place,
:mod:`gateway.cli.errors`, called from :func:`main`. :func:`main` also makes every file the
command creates private to its user (umask 077): the databases hold personal data.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import click

from gateway.cli.errors import EXIT_INTERRUPTED, report
from gateway.config import Settings, load_settings
from gateway.logconfig import configure_logging

# Secrets that belong in the environment, never in a file (README "Configuration").
SECRET_KEYS = (("ibmmq", "password"), ("web", "secret_key"))


@dataclass
class CliContext:
    settings: Settings
    config_path: str | None = None  # handed to child processes (etsgw demo)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="ETSGW_CONFIG",
              help="配置文件（TOML，默认为内置演示配置；可写在子命令前后）/ TOML configuration "
                   "file, before or after the subcommand (default: built-in demo settings).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """ETS 网关（税务端）/ Tax-side ETS gateway for social-insurance-fee collection.

    出错时输出一行说明：退出码 2 表示可由操作员纠正（用法、配置、未找到、被拒绝），1 表示内部或环境故障。
    / Errors are one line: exit code 2 = fixable by the operator (usage, configuration, not
    found, refused), 1 = internal or environment failure.
    """
    settings = load_settings(config_path)
    configure_logging(settings)
    _warn_file_secrets(config_path)
    _make_sqlite_dirs(settings)
    ctx.obj = CliContext(settings=settings, config_path=config_path)


def _warn_file_secrets(config_path: str | None) -> None:
    """A password in a TOML file ends up in backups and repositories: say which variable to use."""
    if not config_path:
        return
    try:
        raw = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return  # load_settings has read it already; nothing more to say here
    for section, key in SECRET_KEYS:
        values = raw.get(section)
        if isinstance(values, dict) and values.get(key):
            variable = f"ETSGW_{section.upper()}__{key.upper()}"
            click.echo(f"警告：配置文件 {config_path} 中写有 {section}.{key}，请删除并改用环境变量 "
                       f"{variable} / warning: {section}.{key} is in {config_path}; set "
                       f"{variable} instead", err=True)


def _make_sqlite_dirs(settings: Settings) -> None:
    """SQLite files live under ./var/ by default; create the folders the settings name, readable
    by their owner only (an existing folder keeps the mode its owner gave it)."""
    from sqlalchemy.engine import make_url

    for url in (settings.database.url, settings.simulator.database_url,
                settings.transport.embedded_url):
        if url and url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _register() -> None:
    """Each subcommand group lives in its own module; the web, jobs and monitor issues add theirs
    here."""
    from gateway.cli import (audit, batch, db, demo, error_store, gateway_cmd, jobs, monitor, ops,
                             parties, params, payments, queue, recon, reports, sim, system, web)

    for command in (db.db, db.config_cmd, demo.demo_data, demo.demo, gateway_cmd.gateway,
                    payments.debit, payments.agreement, parties.payer, queue.queue,
                    queue.channel, sim.sim, system.system, ops.alerts, ops.review,
                    error_store.errors, monitor.monitor, web.web, audit.audit,
                    params.params, batch.batch, jobs.jobs, recon.recon, reports.reports):
        cli.add_command(command)


_register()


def config_first(argv: list[str]) -> list[str]:
    """Move a ``--config FILE`` given after the subcommand to the front, where the group reads it
    (``etsgw debit list --config x.toml`` works like ``etsgw --config x.toml debit list``)."""
    out, moved = [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg.startswith("--config="):
            moved.append(arg)
        elif arg == "--config" and i + 1 < len(argv):
            moved.extend(argv[i:i + 2])
            i += 1
        else:
            out.append(arg)
        i += 1
    return moved + out


#: Files (databases, their -wal/-shm, folders) created by ``etsgw`` are its user's alone.
PRIVATE_UMASK = 0o077


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: every error is one readable line (see gateway.cli.errors)."""
    # The umask is process-wide; put back the caller's when main() is called in-process (tests,
    # tools), where the process goes on after the command.
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        _run(config_first(list(sys.argv[1:] if argv is None else argv)))
    finally:
        os.umask(previous_umask)


def _run(args: list[str]) -> None:
    try:
        # standalone_mode=False returns ctx.exit()'s code instead of raising it.
        code = cli.main(args=args, prog_name="etsgw", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止 / aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # the one place errors become a line and an exit code
        sys.exit(report(exc))
    sys.exit(code if isinstance(code, int) else 0)
