"""``etsgw alerts`` and ``etsgw review``: what the gateway asks a person to look at, without SQL.
Acknowledging an alert and resolving a review item are audited (``audit_event``)."""

from __future__ import annotations

import click

from gateway.bootstrap import build
from gateway.cli.errors import NotFoundError, RefusedError
from gateway.cli.output import ListGroup, list_options, page
from gateway.domain.errors import NotFound


def _act(obj, action, *args) -> None:
    """Run one operator action; its refusals become the CLI's kinds of error."""
    from gateway.persistence.ops_actions import ActionRefused

    app = build(obj.settings)
    try:
        action(app.engine, *args, app.clock())
    except NotFound as exc:
        raise NotFoundError(str(exc)) from None
    except ActionRefused as exc:
        raise RefusedError(str(exc)) from None
    finally:
        app.close()


@click.group("alerts", cls=ListGroup)
def alerts() -> None:
    """告警 / Alerts: list, ack.

    无子命令时列出未确认的告警 / without a subcommand: the open alerts."""


@alerts.command("list")
@click.option("--all", "include_acknowledged", is_flag=True,
              help="包括已确认的（最近的在前）/ include acknowledged ones (newest first).")
@list_options
@click.pass_obj
def alerts_list(obj, include_acknowledged: bool = False, as_json: bool = False, limit: int = 50,
                offset: int = 0) -> None:
    """列出未确认的告警，--all 列出最近全部 / List open alerts; --all lists recent ones too."""
    from gateway.persistence.ops_queries import alerts as alert_rows

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            rows = alert_rows(conn, include_acknowledged, limit, offset)
    finally:
        app.close()
    page([("id", "ID"), ("created_at", "CREATED"), ("severity", "SEVERITY"), ("source", "SOURCE"),
          ("acknowledged", "ACK"), ("message", "MESSAGE")],
         rows, as_json=as_json, limit=limit, offset=offset, noun="条告警")


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.option("--operator", default="cli", show_default=True, help="操作员 / operator.")
@click.pass_obj
def alerts_ack(obj, alert_id: int, operator: str) -> None:
    """确认一条告警 / Acknowledge an alert."""
    from gateway.persistence.ops_actions import acknowledge_alert

    _act(obj, acknowledge_alert, alert_id, operator)
    click.echo(f"告警已确认 / alert {alert_id} acknowledged")


@click.group("review", cls=ListGroup)
def review() -> None:
    """复核项 / Review items: list, resolve.

    无子命令时列出待处理项 / without a subcommand: the open items."""


@review.command("list")
@click.option("--all", "include_resolved", is_flag=True,
              help="包括已处理的 / include resolved items.")
@click.option("--kind", default=None, help="仅此类别，如 WORK_DATE_REFUSED / only this kind.")
@list_options
@click.pass_obj
def review_list(obj, include_resolved: bool = False, kind: str | None = None,
                as_json: bool = False, limit: int = 50, offset: int = 0) -> None:
    """列出待处理的复核项 / List open review items (duplicates, mismatches, refused 9101s ...)."""
    from gateway.persistence.ops_queries import reviews

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            rows = reviews(conn, include_resolved, kind, limit, offset)
    finally:
        app.close()
    page([("id", "ID"), ("created_at", "CREATED"), ("kind", "KIND"), ("tax_org_code", "ORG"),
          ("ref", "REF"), ("amount", "AMOUNT"), ("resolved", "RESOLVED"), ("detail", "DETAIL")],
         rows, as_json=as_json, limit=limit, offset=offset, noun="项")


@review.command("resolve")
@click.argument("item_id", type=int)
@click.option("--note", required=True, help="处理说明 / what was done.")
@click.option("--operator", default="cli", show_default=True, help="操作员 / operator.")
@click.pass_obj
def review_resolve(obj, item_id: int, note: str, operator: str) -> None:
    """将复核项标记为已处理并记录说明 / Mark a review item resolved, with a note."""
    from gateway.persistence.ops_actions import resolve_review

    _act(obj, resolve_review, item_id, note, operator)
    click.echo(f"复核项已处理 / review item {item_id} resolved")
