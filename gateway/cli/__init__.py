"""The ``etsgw`` command: one click group; subcommand groups live in modules beside this one.

Every command reads the settings once (``--config`` or ``ETSGW_CONFIG``) and maps domain and
configuration errors to a clear message and a non-zero exit code in one place (:func:`main`).
:func:`main` also makes every file the command creates private to its user (umask 077): the
databases hold personal data.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

from gateway.codec.errors import EncodeError
from gateway.config import ConfigError, Settings, load_settings
from gateway.domain.errors import DomainError
from gateway.logconfig import configure_logging


@dataclass
class CliContext:
    settings: Settings
    config_path: str | None = None  # handed to child processes (etsgw demo)


@click.group()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="ETSGW_CONFIG",
              help="TOML configuration file (default: built-in demo settings).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """ETS 网关（税务端）—— tax-side ETS gateway for social-insurance-fee collection."""
    settings = load_settings(config_path)
    configure_logging(settings)
    _make_sqlite_dirs(settings)
    ctx.obj = CliContext(settings=settings, config_path=config_path)


def _make_sqlite_dirs(settings: Settings) -> None:
    """SQLite files live under ./var/ by default; create the folders the settings name, readable
    by their owner only (an existing folder keeps the mode its owner gave it)."""
    from pathlib import Path

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
    from gateway.cli import batch, db, demo, gateway_cmd, payments, queue, sim

    for command in (db.db, db.config_cmd, demo.demo_data, demo.demo, gateway_cmd.gateway,
                    payments.debit, payments.agreement, queue.queue, queue.channel, sim.sim,
                    batch.batch):
        cli.add_command(command)


_register()


#: Files (databases, their -wal/-shm, folders) created by ``etsgw`` are its user's alone.
PRIVATE_UMASK = 0o077


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: errors become one readable line and exit code 2."""
    # The umask is process-wide; put back the caller's when main() is called in-process (tests,
    # tools), where the process goes on after the command.
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        _run(argv)
    finally:
        os.umask(previous_umask)


def _run(argv: list[str] | None) -> None:
    try:
        # standalone_mode=False returns ctx.exit()'s code instead of raising it.
        code = cli.main(args=argv, standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("已中止 (aborted)", err=True)
        sys.exit(130)
    except ConfigError as exc:
        click.echo(f"配置错误 (configuration error): {exc}", err=True)
        sys.exit(2)
    except DomainError as exc:
        click.echo(f"业务规则错误 [{exc.rule}]: {exc}", err=True)
        sys.exit(2)
    except EncodeError as exc:  # e.g. a rare character the wire encoding cannot carry
        click.echo(f"报文无法生成，未发送 (message not sent): {exc}", err=True)
        sys.exit(2)
