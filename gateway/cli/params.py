"""``etsgw params``: the reference parameters from the command line — list and show their
history, import and export a year's workbook, propose a change and approve it as a second person
(maker-checker), preview what a proposal would do to unpaid levies, report gaps.

Domain errors (overlaps, a value in force, the same person approving, a rejected workbook with
every row's error) are shown by :func:`gateway.cli.main` as one message and exit code 2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import click
from sqlalchemy import select

from gateway.bootstrap import build
from gateway.domain.parties import PayerKind
from gateway.domain.reference import ParameterKey, ParameterKind, social_security_year, workbook_year
from gateway.domain.reference_changes import ChangeAction, ParameterChange, ProposalState
from gateway.domain.reference_commands import (ApproveParameterChange, ProposeParameterChange,
                                               RejectParameterChange, WithdrawParameterChange)
from gateway.services import reference as service
from gateway.services.messagebus import MessageBus

_KINDS = click.Choice([k.value for k in ParameterKind])
_PAYERS = click.Choice(["", *[k.value for k in PayerKind]])
_DATE = click.DateTime(formats=["%Y-%m-%d"])


class _Context:
    """The application, a reference unit of work factory and a bus with the reference handlers."""

    def __init__(self, settings) -> None:
        from gateway.persistence.reference_unit_of_work import SqlReferenceUnitOfWork

        self.app = build(settings)
        self.uow = lambda: SqlReferenceUnitOfWork(self.app.engine)
        self.bus = MessageBus(self.uow, self.app.options, self.app.clock,
                              handlers=service.REFERENCE_HANDLERS)

    def today(self) -> dt.date:
        return self.app.clock().date()

    def check_user(self, username: str) -> None:
        from gateway.persistence.records import UserRecord

        with self.app.engine.connect() as conn:
            if conn.execute(select(UserRecord.id).where(UserRecord.username == username)).first() is None:
                raise click.ClickException(f"登录账号 {username} 不存在")

    def __enter__(self) -> "_Context":
        return self

    def __exit__(self, *exc) -> None:
        self.app.close()


def _key_options(fn):
    for option in reversed((
            click.option("--kind", type=_KINDS, required=True, help="参数种类 / parameter kind."),
            click.option("--city", "city_code", required=True, help="城市代码 / 4-digit city code, e.g. 4401."),
            click.option("--payer-kind", type=_PAYERS, default="", help="缴费人类型 / UNIT, FLEXIBLE or RESIDENT."),
            click.option("--insurance", default="", help="险种 / insurance code, e.g. PENSION."),
            click.option("--item", default="", help="档次或基数档 / grade or base choice number."),
            click.option("--district", default="", help="区县代码 / 6-digit district code (default: whole city)."))):
        fn = option(fn)
    return fn


def _key(kind, city_code, payer_kind, insurance, item, district) -> ParameterKey:
    return ParameterKey(ParameterKind(kind), city_code, payer_kind, insurance, item, district)


@click.group()
def params() -> None:
    """社保参数 / Reference parameters: contribution bases, rates, average wage… with effective dates."""


@params.command("list")
@click.option("--city", "city_code", default=None)
@click.option("--kind", type=_KINDS, default=None)
@click.option("--on", "on", type=_DATE, default=None, help="只列该日有效的值 / only the values in force on this date.")
@click.pass_obj
def list_cmd(obj, city_code: str | None, kind: str | None, on: dt.datetime | None) -> None:
    """参数列表 / List parameter versions (all, or those in force on a date)."""
    with _Context(obj.settings) as c, c.uow() as uow:
        day = on.date() if on else None
        versions = uow.parameters.versions(city_code=city_code, kind=ParameterKind(kind) if kind else None,
                                           in_force_between=(day, day) if day else None)
    for v in versions:
        click.echo(f"#{v.id:<6} {v.key.describe():<44} {v.period_text():<28} {v.value}")
    click.echo(f"共 {len(versions)} 条 / {len(versions)} versions")


@params.command("show")
@_key_options
@click.pass_obj
def show(obj, **key) -> None:
    """参数历史 / One parameter's history, the value in force today and any gaps."""
    k = _key(**key)
    with _Context(obj.settings) as c, c.uow() as uow:
        timeline, today = uow.parameters.timeline(k), c.today()
    click.echo(k.describe())
    current = timeline.in_force(today)
    for v in timeline.versions:
        mark = "当前生效" if v == current else ("未生效" if v.valid_from > today else "历史")
        click.echo(f"  #{v.id:<6} {v.period_text():<28} {v.value:<12} {mark}")
    for start, end in timeline.gaps():
        click.echo(f"  缺口 gap: {start} 至 {end or '长期'}")
    if not timeline.versions:
        click.echo("  (无记录 no versions)")


@params.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", "maker", required=True, help="提出人登录名 / login of the person proposing the import.")
@click.option("--reason", default="")
@click.pass_obj
def import_cmd(obj, file: str, maker: str, reason: str) -> None:
    """导入年度参数 / Read a year's workbook; every row is checked and, when all are good, the import becomes
    one pending proposal (approve it with ``params approve``)."""
    from pathlib import Path

    from gateway.excel.parameter_workbook import read_workbook

    parsed = read_workbook(file)
    with _Context(obj.settings) as c:
        c.check_user(maker)
        with c.uow() as uow:
            proposal = service.import_versions(uow, parsed.rows, parsed.errors, maker,
                                               Path(file).name, c.app.clock(), reason)
            uow.commit()
    if proposal is None:
        click.echo(f"{len(parsed.rows)} 行均已存在，无需导入 (nothing new)")
        return
    click.echo(f"变更申请 {proposal.id} 已提交，待另一人审核: {len(proposal.changes)} 项 "
               f"(proposal {proposal.id} pending approval)")


@params.command("export")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def export_cmd(obj, year: int, file: str) -> None:
    """导出年度参数 / Write the versions of social-security year YEAR (those starting in it) to FILE (.xlsx)."""
    from gateway.excel.parameter_workbook import write_workbook

    start, end = social_security_year(year)
    with _Context(obj.settings) as c, c.uow() as uow:
        versions = [v for v in uow.parameters.versions(starting_from=start, starting_to=end)
                    if workbook_year(v.valid_from) == year]
    rows = write_workbook(versions, year, file)
    click.echo(f"社保年度 {year}: {rows} 行已导出到 {file}")


@params.command("propose")
@_key_options
@click.option("--from", "valid_from", type=_DATE, help="生效日 / first day (required unless --withdraw).")
@click.option("--to", "valid_to", type=_DATE, default=None, help="失效日 / last day (default: open-ended).")
@click.option("--value", default=None, help="数值 / decimal value: rate as a fraction, amounts in yuan.")
@click.option("--correct", "correct_id", type=int, default=None,
              help="更正未生效的版本 / correct this version (not yet in force).")
@click.option("--withdraw", "withdraw_id", type=int, default=None,
              help="撤回未生效的版本 / withdraw this version (not yet in force).")
@click.option("--by", "maker", required=True)
@click.option("--reason", required=True)
@click.option("--preview/--no-preview", default=True,
              help="预览对未缴应征的影响 / show the effect on unpaid unit levies.")
@click.pass_obj
def propose(obj, valid_from, valid_to, value, correct_id, withdraw_id, maker, reason, preview,
            **key) -> None:
    """提出变更 / Propose a new value from a future date, a correction or a withdrawal."""
    k = _key(**key)
    with _Context(obj.settings) as c:
        c.check_user(maker)
        if withdraw_id is not None:
            with c.uow() as uow:
                target = uow.parameters.get(withdraw_id)
            change = ParameterChange(ChangeAction.WITHDRAW, k, target.valid_from, target.valid_to,
                                     target.value, withdraw_id)
        else:
            if valid_from is None or value is None:
                raise click.UsageError("--from and --value are required")
            action = ChangeAction.CORRECT if correct_id is not None else ChangeAction.SCHEDULE
            change = ParameterChange(action, k, valid_from.date(), valid_to.date() if valid_to else None,
                                     Decimal(value), correct_id)
        if preview:
            with c.uow() as uow:
                _echo_preview(service.preview(uow, [change], c.today()))
        proposal = c.bus.handle(ProposeParameterChange((change,), maker, reason))
    click.echo(f"变更申请 {proposal.id} 已提交，待另一人审核 (pending): {change.describe()}")


def _echo_preview(lines) -> None:
    for line in lines:
        if not line.impacts:
            click.echo("  重算预览: 无受影响的单位未缴应征 (no unpaid unit levy affected)")
        for i in line.impacts:
            click.echo(f"  {i.tax_org_code} {i.office_name}: {i.changed}/{i.levies} 笔未缴应征将变化, "
                       f"{i.amount_before} → {i.amount_after} (差额 {i.delta:+})"
                       + (f", {i.uncomputable} 笔缺参数" if i.uncomputable else ""))


@params.command("preview")
@click.argument("proposal_id", type=int)
@click.pass_obj
def preview_cmd(obj, proposal_id: int) -> None:
    """重算预览 / Recalculation preview of a pending proposal: nothing is changed."""
    with _Context(obj.settings) as c, c.uow() as uow:
        proposal = uow.proposals.get(proposal_id)
        _echo_preview(service.preview(uow, proposal.changes, c.today()))


@params.command("proposals")
@click.option("--state", type=click.Choice([s.value for s in ProposalState]), default=None)
@click.pass_obj
def proposals(obj, state: str | None) -> None:
    """变更申请 / Proposals, newest first."""
    with _Context(obj.settings) as c, c.uow() as uow:
        rows = uow.proposals.list(ProposalState(state) if state else None)
    for r in rows:
        click.echo(f"{r['id']:<5} {r['state'].label:<4} 提出 {r['maker']} {r['proposed_at']:%Y-%m-%d %H:%M} "
                   f"审核 {r['checker'] or '-'} {r['lines']} 项 {r['reason']}")


def _decide(obj, message) -> None:
    with _Context(obj.settings) as c:
        c.check_user(getattr(message, "checker", None) or message.maker)
        proposal = c.bus.handle(message)
    applied = " ".join(f"{k}={v}" for k, v in proposal.applied.items())
    click.echo(f"变更申请 {proposal.id}: {proposal.state.label} {applied}".rstrip())


@params.command("approve")
@click.argument("proposal_id", type=int)
@click.option("--by", "checker", required=True, help="审核人（须与提出人不同）/ a different person than the maker.")
@click.option("--note", default="")
@click.pass_obj
def approve(obj, proposal_id: int, checker: str, note: str) -> None:
    """审核通过 / Approve a pending proposal; its values take effect from their dates."""
    _decide(obj, ApproveParameterChange(proposal_id, checker, note))


@params.command("reject")
@click.argument("proposal_id", type=int)
@click.option("--by", "checker", required=True)
@click.option("--note", required=True)
@click.pass_obj
def reject(obj, proposal_id: int, checker: str, note: str) -> None:
    """驳回 / Reject a pending proposal with a note; nothing takes effect."""
    _decide(obj, RejectParameterChange(proposal_id, checker, note))


@params.command("withdraw")
@click.argument("proposal_id", type=int)
@click.option("--by", "maker", required=True)
@click.pass_obj
def withdraw(obj, proposal_id: int, maker: str) -> None:
    """撤回申请 / Withdraw one\'s own pending proposal."""
    _decide(obj, WithdrawParameterChange(proposal_id, maker))


@params.command("gaps")
@click.argument("year", type=int)
@click.option("--city", "city_code", default=None)
@click.pass_obj
def gaps(obj, year: int, city_code: str | None) -> None:
    """参数空档 / Parameters with days of social-security year YEAR on which no value is in force."""
    with _Context(obj.settings) as c, c.uow() as uow:
        found = service.gaps_in_year(uow, year, city_code)
    for key, periods in found.items():
        text = ", ".join(f"{s} 至 {e or '长期'}" for s, e in periods)
        click.echo(f"{key.describe()}: {text}")
    click.echo(f"社保年度 {year}: {len(found)} 项参数有缺口")
