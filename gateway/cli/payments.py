"""``etsgw debit`` and ``etsgw agreement``: operator commands, sent through the message bus; lists
read through the read-side queries."""

from __future__ import annotations

import time

import click

from gateway.bootstrap import Application, build
from gateway.cli.errors import NotFoundError, RefusedError
from gateway.cli.output import fields, list_options, page
from gateway.domain import commands as c
from gateway.domain.agreement import AgreementState
from gateway.domain.debit import DebitState

DEBIT_STATES = [s.value for s in DebitState]
AGREEMENT_STATES = [s.value for s in AgreementState]


def _runtime(obj) -> Application:
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
    """扣款 / Debits: submit, status, list, reverse.

    实时扣款：发起（1001）、查询（9003）、列表、冲正（1021）。"""


@debit.command("submit")
@click.option("--payer", "payer_id", type=int, required=True, help="缴费人 ID / payer id.")
@click.option("--levy", "levy_ids", type=int, multiple=True,
              help="应征 ID，可重复；默认为该缴费人全部未缴应征（最多 99 条）/ levy id (repeat); "
                   "default: every UNPAID levy of the payer, up to 99.")
@click.option("--operator", default="cli", show_default=True, help="操作员 / operator.")
@click.pass_obj
def submit(obj, payer_id: int, levy_ids: tuple[int, ...], operator: str) -> None:
    """发送 1001 扣款缴费人的未缴应征 / Send a 1001 for a payer's UNPAID levies."""
    rt = _runtime(obj)
    try:
        if not levy_ids:
            with rt.uow() as uow:
                uow.payers.get(payer_id)  # a payer that does not exist is "not found"
                levy_ids = tuple(lv.id for lv in uow.levies.unpaid_of_payer(payer_id))[:99]
            if not levy_ids:
                raise RefusedError(f"缴费人 {payer_id} 没有未缴的应征，无需扣款",
                                   f"payer {payer_id} has nothing unpaid")
        d = rt.bus.handle(c.SubmitDebit(payer_id=payer_id, levy_ids=levy_ids, requested_by=operator))
        click.echo(f"已发送扣款 / debit {d.id} {d.key} voucher {d.tax_vou_no} amount "
                   f"{d.amount} state {d.state.value}")
    finally:
        rt.close()


@debit.command("status")
@click.argument("debit_id", type=int)
@click.option("--query", is_flag=True,
              help="同时向 ETS 发送 9003 状态查询并等待 9004 / also send a 9003 and wait for the 9004.")
@click.option("--timeout", type=click.FloatRange(0), default=30.0, show_default=True,
              help="等待 9004 的秒数 / seconds to wait for the 9004.")
@click.pass_obj
def status_cmd(obj, debit_id: int, query: bool, timeout: float) -> None:
    """查看一笔扣款（可查询 ETS）/ Show a debit (and optionally query the ETS)."""
    from gateway.persistence.queries import debit_detail

    rt = _runtime(obj)
    try:
        with rt.reader.connect() as conn:
            detail = debit_detail(conn, debit_id)
        if detail is None:
            raise NotFoundError(f"扣款 {debit_id} 不存在", f"no debit {debit_id}")
        if query:
            _query_and_wait(rt, debit_id, timeout)
            with rt.reader.connect() as conn:
                detail = debit_detail(conn, debit_id)
        fields(list(detail.items()))
    finally:
        rt.close()


def _query_and_wait(rt: Application, debit_id: int, timeout: float) -> None:
    """Write a 9003 to the outbox and wait until its 9004 has been processed (by a gateway
    worker, which sends the 9003 and applies the answer), or ``timeout`` seconds."""
    from gateway.persistence.queries import answer_received, last_inbox_id, outbox_entry

    with rt.reader.connect() as conn:
        before = last_inbox_id(conn)
    msg_id = rt.bus.handle(c.QueryDebitStatus(debit_id=debit_id))
    with rt.reader.connect() as conn:
        key = (outbox_entry(conn, msg_id) or {}).get("business_key", "")
    deadline = time.monotonic() + timeout
    while True:
        with rt.reader.connect() as conn:
            if answer_received(conn, "9004", key, before):
                click.echo(f"已收到 9004 应答 / the 9004 has arrived (9003 MsgID {msg_id})")
                return
            sent = (outbox_entry(conn, msg_id) or {}).get("sent_at")
        if time.monotonic() >= deadline:
            break
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    where = ("已发出，ETS 尚未应答 / sent, not answered yet" if sent else
             "仍在发件箱，网关工作进程（etsgw gateway）是否在运行？/ still in the outbox: is "
             "etsgw gateway running?")
    click.echo(f"已发送 9003（MsgID {msg_id}），{timeout:g} 秒内未收到 9004（{where}）；应答到达后由网关"
               f"处理，稍后再运行 etsgw debit status {debit_id} 查看 / sent a 9003; the answer will "
               "come later and the gateway applies it")


@debit.command("list")
@click.option("--state", "states", multiple=True, default=("IN_DOUBT",), show_default=True,
              type=click.Choice(DEBIT_STATES), help="状态，可重复 / state (repeat).")
@click.option("--org", "tax_org_code", default=None, help="仅此征收机关 / only this TaxOrgCode.")
@list_options
@click.pass_obj
def list_cmd(obj, states: tuple[str, ...], tax_org_code: str | None, as_json: bool, limit: int,
             offset: int) -> None:
    """按状态列出扣款（默认为待核实的 IN_DOUBT）/ List debits by state (default: IN_DOUBT)."""
    from gateway.persistence.queries import debits_by_state

    app = _runtime(obj)
    try:
        with app.reader.connect() as conn:
            rows = debits_by_state(conn, states, tax_org_code, limit + 1, offset)
    finally:
        app.close()
    page([("id", "ID"), ("kind", "KIND"), ("key", "KEY"), ("amount", "AMOUNT"),
          ("state", "STATE"), ("account", "ACCOUNT"), ("reason", "REASON")],
         rows, as_json=as_json, limit=limit, offset=offset, noun="笔扣款")


@debit.command("reverse")
@click.argument("debit_id", type=int)
@click.option("--reason", required=True, help="冲正原因 / reason.")
@click.option("--operator", default="cli", show_default=True, help="操作员 / operator.")
@click.pass_obj
def reverse(obj, debit_id: int, reason: str, operator: str) -> None:
    """对当日成功或待核实的扣款发送 1021 冲正 / Send a 1021 for a SUCCEEDED or IN_DOUBT debit of
    today's work date."""
    rid = _dispatch(obj, c.ReverseDebit(debit_id=debit_id, reason=reason, requested_by=operator))
    click.echo(f"已发送冲正 / reversal {rid} sent for debit {debit_id}")


@click.group()
def agreement() -> None:
    """三方协议 / Agreements: register, verify, revoke, list.

    三方协议：登记、验证、撤销、终止、列表 / tripartite agreements (9114/9115)."""


@agreement.command("register")
@click.option("--payer", "payer_id", type=int, required=True, help="缴费人 ID / payer id.")
@click.option("--protocol-no", required=True, help="协议号 / ProtocolNo.")
@click.option("--pay-bk-code", required=True, help="清算行行号 / PayBkCode.")
@click.option("--pay-op-bk-code", required=True, help="开户行行号 / PayOpBkCode.")
@click.option("--acct", required=True, help="缴费账号 / PayAcct.")
@click.option("--holder", default="", help="账户名称（默认为缴费人名称）/ account holder name "
                                           "(default: payer name).")
@click.option("--on-site", is_flag=True, help="在银行柜台签订（一次上门）/ signed at a bank counter.")
@click.option("--operator", default="cli", show_default=True, help="操作员 / operator.")
@click.pass_obj
def register(obj, payer_id, protocol_no, pay_bk_code, pay_op_bk_code, acct, holder, on_site,
             operator) -> None:
    """登记协议并发送 9114 验证 / Record an agreement and send its 9114 verification."""
    aid = _dispatch(obj, c.RegisterAgreement(
        payer_id=payer_id, protocol_no=protocol_no, pay_bk_code=pay_bk_code,
        pay_op_bk_code=pay_op_bk_code, pay_acct=acct, hand_org_name=holder,
        channel="ON_SITE" if on_site else "ONLINE", requested_by=operator))
    click.echo(f"已登记协议并发送验证 / agreement {aid} registered, verification sent")


@agreement.command("verify")
@click.argument("agreement_id", type=int)
@click.pass_obj
def verify(obj, agreement_id: int) -> None:
    """对待验证、被拒或已暂停的协议发送 9114（VCSign 0）/ Send a 9114 (VCSign 0) for a PENDING,
    REJECTED or SUSPENDED agreement."""
    _dispatch(obj, c.VerifyAgreement(agreement_id=agreement_id, requested_by="cli"))
    click.echo(f"已发送验证 / verification sent for agreement {agreement_id}")


@agreement.command("revoke")
@click.argument("agreement_id", type=int)
@click.pass_obj
def revoke(obj, agreement_id: int) -> None:
    """发送 9114（VCSign 1）撤销无锁定应征的协议 / Send a 9114 (VCSign 1) to revoke an agreement no
    locked levy depends on."""
    _dispatch(obj, c.RevokeAgreement(agreement_id=agreement_id, requested_by="cli"))
    click.echo(f"已发送撤销 / revocation sent for agreement {agreement_id}")


@agreement.command("terminate")
@click.argument("agreement_id", type=int)
@click.option("--reason", required=True, help="终止原因 / reason.")
@click.pass_obj
def terminate(obj, agreement_id: int, reason: str) -> None:
    """在本地终止未生效的协议（已生效的请撤销）/ End a PENDING, REJECTED or SUSPENDED agreement
    locally (ACTIVE ones are revoked)."""
    _dispatch(obj, c.TerminateAgreement(agreement_id=agreement_id, reason=reason,
                                        requested_by="cli"))
    click.echo(f"协议已终止 / agreement {agreement_id} terminated")


@agreement.command("list")
@click.option("--state", type=click.Choice(AGREEMENT_STATES), default=None,
              help="仅此状态 / only this state.")
@click.option("--payer", "payer_id", type=int, default=None, help="仅此缴费人 / only this payer.")
@click.option("--org", "tax_org_code", default=None, help="仅此征收机关 / only this TaxOrgCode.")
@list_options
@click.pass_obj
def list_agreements(obj, state: str | None, payer_id: int | None, tax_org_code: str | None,
                    as_json: bool, limit: int, offset: int) -> None:
    """列出三方协议（账号已掩码）/ List agreements (accounts masked)."""
    from gateway.persistence.party_queries import agreements

    app = _runtime(obj)
    try:
        with app.reader.connect() as conn:
            rows = agreements(conn, state=state, payer_id=payer_id, tax_org_code=tax_org_code,
                              limit=limit, offset=offset)
    finally:
        app.close()
    page([("id", "ID"), ("payer_id", "PAYER"), ("protocol_no", "PROTOCOL"),
          ("tax_org_code", "ORG"), ("pay_bk_code", "BANK"), ("pay_acct", "ACCOUNT"),
          ("channel", "CHANNEL"), ("state", "STATE"), ("activated_at", "ACTIVATED"),
          ("reason", "REASON")], rows, as_json=as_json, limit=limit, offset=offset, noun="份协议")
