"""``etsgw audit verify``: check the hash chain of the web's audit log and name the first broken
row (exit code 1), so an edited or deleted row is found."""

from __future__ import annotations

import click

from gateway.bootstrap import build
from gateway.persistence import audit_log


@click.group("audit")
def audit() -> None:
    """审计日志 / The audit log of staff actions (hash-chained)."""


@audit.command("verify")
@click.pass_obj
def verify(obj) -> None:
    """校验审计链 / Walk the chain; exit 1 and name the first broken row when it does not hold."""
    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            result = audit_log.verify(conn)
    finally:
        app.close()
    if result.ok:
        click.echo(f"审计日志完整 / audit log intact: {result.rows} rows")
        return
    click.echo(f"审计日志被篡改 / audit log broken at row {result.broken_seq}: {result.reason}",
               err=True)
    raise click.exceptions.Exit(1)
