"""``etsgw debit`` and ``etsgw agreement``: operator commands, sent through the message bus."""

from __future__ import annotations

import click

from gateway.bootstrap import build
from gateway.domain import commands as c


def _runtime(obj):
    """The composition root without a transport: the command's messages go to the outbox and
    the gateway worker sends them (so no MQ library or queue manager is needed here)."""
    return build(obj.settings)


def _dispatch(obj, command: c.Command):
    """Send one command through the bus; returns the handler's result."""
    app = _runtime(obj)
    try:
        return app.bus.handle(command)
    finally:
        app.close()


@click.group()
def debit() -> None:
    """实时扣款：发起、查询、冲正 (single real-time debits)."""


@debit.command("submit")
@click.option("--payer", "payer_id", type=int, required=True, help="Payer id.")
@click.option("--levy", "levy_ids", type=int, multiple=True,
              help="Levy id (repeat); default: every UNPAID levy of the payer, up to 99.")
@click.option("--operator", default="cli", show_default=True)
@click.pass_obj
def submit(obj, payer_id: int, levy_ids: tuple[int, ...], operator: str) -> None:
    """Send a 1001 for a payer's UNPAID levies."""
    rt = _runtime(obj)
    try:
        if not levy_ids:
            with rt.uow() as uow:
                levy_ids = tuple(lv.id for lv in uow.levies.unpaid_of_payer(payer_id))[:99]
        d = rt.bus.handle(c.SubmitDebit(payer_id=payer_id, levy_ids=levy_ids, requested_by=operator))
        click.echo(f"debit {d.id} {d.key} voucher {d.tax_vou_no} amount {d.amount} state {d.state.value}")
    finally:
        rt.close()


@debit.command("status")
@click.argument("debit_id", type=int)
@click.option("--query", is_flag=True, help="Also send a 9003 status query now.")
@click.pass_obj
def status_cmd(obj, debit_id: int, query: bool) -> None:
    """Show a debit (and optionally query the ETS)."""
    from gateway.persistence.queries import debit_detail

    rt = _runtime(obj)
    try:
        if query:
            rt.bus.handle(c.QueryDebitStatus(debit_id=debit_id))
        with rt.engine.connect() as conn:
            detail = debit_detail(conn, debit_id)
        if detail is None:
            raise click.ClickException(f"debit {debit_id} not found")
        for key, value in detail.items():
            click.echo(f"{key:>14}: {value}")
    finally:
        rt.close()


@debit.command("list")
@click.option("--state", "states", multiple=True, default=("IN_DOUBT",), show_default=True,
              type=click.Choice(["SENT", "ACCEPTED", "IN_DOUBT", "SUCCEEDED", "FAILED", "REVERSED"]))
@click.option("--org", "tax_org_code", default=None, help="Only this TaxOrgCode.")
@click.option("--limit", type=int, default=200, show_default=True)
@click.pass_obj
def list_cmd(obj, states: tuple[str, ...], tax_org_code: str | None, limit: int) -> None:
    """List debits by state (default: the unresolved IN_DOUBT ones staff must watch)."""
    from gateway.persistence.queries import debits_by_state

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            rows = debits_by_state(conn, states, tax_org_code, limit)
    finally:
        app.close()
    for r in rows:
        click.echo(f"{r['id']:>8} {r['kind']:<10} {r['key']:<32} {r['amount']:>14} {r['state']:<9} "
                   f"{r['account']:<24} {r['reason']}")
    click.echo(f"{len(rows)} debit(s)")


@debit.command("reverse")
@click.argument("debit_id", type=int)
@click.option("--reason", required=True)
@click.option("--operator", default="cli", show_default=True)
@click.pass_obj
def reverse(obj, debit_id: int, reason: str, operator: str) -> None:
    """Send a 1021 for a SUCCEEDED or IN_DOUBT debit of today's work date."""
    rid = _dispatch(obj, c.ReverseDebit(debit_id=debit_id, reason=reason, requested_by=operator))
    click.echo(f"reversal {rid} sent for debit {debit_id}")


@click.group()
def agreement() -> None:
    """三方协议：登记、验证、撤销 (tripartite agreements)."""


@agreement.command("register")
@click.option("--payer", "payer_id", type=int, required=True)
@click.option("--protocol-no", required=True)
@click.option("--pay-bk-code", required=True)
@click.option("--pay-op-bk-code", required=True)
@click.option("--acct", required=True)
@click.option("--holder", default="", help="Account holder name (default: payer name).")
@click.option("--on-site", is_flag=True, help="Signed at a bank counter (一次上门).")
@click.option("--operator", default="cli", show_default=True)
@click.pass_obj
def register(obj, payer_id, protocol_no, pay_bk_code, pay_op_bk_code, acct, holder, on_site,
             operator) -> None:
    """Record an agreement and send its 9114 verification."""
    aid = _dispatch(obj, c.RegisterAgreement(
        payer_id=payer_id, protocol_no=protocol_no, pay_bk_code=pay_bk_code,
        pay_op_bk_code=pay_op_bk_code, pay_acct=acct, hand_org_name=holder,
        channel="ON_SITE" if on_site else "ONLINE", requested_by=operator))
    click.echo(f"agreement {aid} registered, verification sent")


@agreement.command("verify")
@click.argument("agreement_id", type=int)
@click.pass_obj
def verify(obj, agreement_id: int) -> None:
    """Send a 9114 (VCSign 0) for a PENDING, REJECTED or SUSPENDED agreement."""
    _dispatch(obj, c.VerifyAgreement(agreement_id=agreement_id, requested_by="cli"))
    click.echo(f"verification sent for agreement {agreement_id}")


@agreement.command("revoke")
@click.argument("agreement_id", type=int)
@click.pass_obj
def revoke(obj, agreement_id: int) -> None:
    """Send a 9114 (VCSign 1) to revoke an agreement no locked levy depends on."""
    _dispatch(obj, c.RevokeAgreement(agreement_id=agreement_id, requested_by="cli"))
    click.echo(f"revocation sent for agreement {agreement_id}")


@agreement.command("terminate")
@click.argument("agreement_id", type=int)
@click.option("--reason", required=True)
@click.pass_obj
def terminate(obj, agreement_id: int, reason: str) -> None:
    """End a PENDING, REJECTED or SUSPENDED agreement locally (ACTIVE ones are revoked)."""
    _dispatch(obj, c.TerminateAgreement(agreement_id=agreement_id, reason=reason,
                                        requested_by="cli"))
    click.echo(f"agreement {agreement_id} terminated")
