"""``etsgw payer``: look a payer up by id or by name / number (ID numbers and accounts masked)."""

from __future__ import annotations

import click

from gateway.bootstrap import build
from gateway.cli.errors import NotFoundError
from gateway.cli.output import dumps, fields, list_options, page, table


@click.group("payer")
def payer() -> None:
    """缴费人 / Payers: show, find."""


@payer.command("show")
@click.argument("payer_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.pass_obj
def show(obj, payer_id: int, as_json: bool) -> None:
    """缴费人详情：协议、应征汇总、最近扣款 / A payer, its agreements, levies by state and
    latest debits."""
    from gateway.persistence.party_queries import payer_detail

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            detail = payer_detail(conn, payer_id)
    finally:
        app.close()
    if detail is None:
        raise NotFoundError(f"缴费人 {payer_id} 不存在", f"no payer {payer_id}")
    if as_json:
        click.echo(dumps(detail))
        return
    fields([("id", detail["id"]), ("kind", detail["kind"]),
            ("tax_pay_code", detail["tax_pay_code"]), ("name", detail["name"]),
            ("tax_org_code", detail["tax_org_code"]),
            ("social_security_no", detail["social_security_no"] or "-"),
            ("unpaid", f"{detail['unpaid_count']} 条 {detail['unpaid_amount']}")])
    click.echo("\n应征 / levies:")
    table([("state", "STATE"), ("count", "COUNT"), ("amount", "AMOUNT")],
          [{"state": k, **v} for k, v in sorted(detail["levies"].items())])
    click.echo("\n三方协议 / agreements:")
    table([("id", "ID"), ("protocol_no", "PROTOCOL"), ("pay_bk_code", "BANK"),
           ("pay_acct", "ACCOUNT"), ("state", "STATE"), ("activated_at", "ACTIVATED")],
          detail["agreements"])
    click.echo("\n最近扣款 / latest debits:")
    table([("id", "ID"), ("kind", "KIND"), ("entrust_date", "DATE"), ("amount", "AMOUNT"),
           ("state", "STATE")], detail["debits"])


@payer.command("find")
@click.argument("text")
@list_options
@click.pass_obj
def find(obj, text: str, as_json: bool, limit: int, offset: int) -> None:
    """按名称（包含）或完整的纳税人识别号/社保号查找 / Find payers by name (contains) or by a full
    TaxPayCode or social-security number."""
    from gateway.persistence.party_queries import find_payers

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            rows = find_payers(conn, text, limit, offset)
    finally:
        app.close()
    page([("id", "ID"), ("kind", "KIND"), ("tax_pay_code", "TAX_PAY_CODE"), ("name", "NAME"),
          ("tax_org_code", "ORG"), ("debitable", "DEBITABLE")],
         rows, as_json=as_json, limit=limit, offset=offset, noun="个缴费人")
