"""``etsgw sim``: the settlement-centre simulator (the ETS and the banks) for the demo and tests.

``etsgw sim run`` runs it until SIGINT/SIGTERM; every other command works on the simulator's
database (``simulator.database_url``) directly and exits. Seed file: JSON lines, one account
each, with the keys of :data:`gateway.simulator.admin.SEED_KEYS`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import threading
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from gateway.cli.errors import NotFoundError, RefusedError
from gateway.simulator import Simulator
from gateway.simulator.admin import AdminError
from gateway.simulator.counter import CounterError
from gateway.simulator.faults import FaultSyntaxError

@contextlib.contextmanager
def _simulator(obj: Any) -> Iterator[Simulator]:
    """The simulator on the configured database; operator mistakes become one line and exit
    code 2 (refused)."""
    simulator = Simulator(obj.settings)
    try:
        yield simulator
    except (AdminError, CounterError, FaultSyntaxError, ValueError) as exc:
        raise RefusedError(str(exc)) from exc
    finally:
        simulator.close()


def _date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise click.BadParameter(f"应为 yyyyMMdd / expected yyyyMMdd, got {value!r}") from None


def _amount(_ctx: Any, _param: Any, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"不是金额 / not an amount: {value!r}") from None
    if amount != amount.quantize(Decimal("0.01")):
        raise click.BadParameter("最多两位小数 / at most two decimal places")
    return amount.quantize(Decimal("0.01"))


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@click.group("sim")
def sim() -> None:
    """模拟器 / The ETS and bank simulator.

    结算中心模拟器（ETS 与银行）/ settlement-centre simulator for the demo and tests."""


@sim.command("run")
@click.option("--no-channel", is_flag=True,
              help="不运行 QM.ETS 的发送通道代理 / do not run QM.ETS's sender channel agent.")
@click.pass_obj
def run(obj: Any, no_channel: bool) -> None:
    """运行模拟器直到 SIGINT/SIGTERM / Run the inbound loop, scheduler and channel until
    SIGINT/SIGTERM."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with _simulator(obj) as simulator:
        simulator.run(stop, channel_agent=not no_channel)


@sim.command("load-accounts")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_obj
def load_accounts(obj: Any, file: Any) -> None:
    """导入账户与协议（JSON 行，幂等）/ Load accounts and agreements from JSON lines
    (idempotent)."""
    def rows() -> Iterator[dict[str, Any]]:
        for number, line in enumerate(file, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                yield json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                raise AdminError(f"line {number}: not JSON: {exc}") from None
    with _simulator(obj) as simulator:
        click.echo(f"loaded {simulator.load_accounts(rows())} account(s)")


@sim.group("account")
def account() -> None:
    """银行账户：查看或修改 / Show or change one bank account."""


_bank_option = click.option("--bank", "pay_bk_code",
                            help="清算行行号（账号不唯一时）/ PayBkCode, when the number is ambiguous.")


@account.command("show")
@click.argument("acct")
@_bank_option
@click.pass_obj
def account_show(obj: Any, acct: str, pay_bk_code: str | None) -> None:
    """查看账户（JSON）/ Show an account (JSON)."""
    with _simulator(obj) as simulator:
        found = simulator.account(acct, pay_bk_code)
    if not found:
        raise NotFoundError(f"账户 {acct} 不存在", f"no account {acct}")
    _echo_json(found)


def _change(obj: Any, acct: str, pay_bk_code: str | None, **values: Any) -> None:
    with _simulator(obj) as simulator:
        simulator.change_account(acct, pay_bk_code, **values)
    click.echo(f"account {acct}: {', '.join(f'{k}={v}' for k, v in values.items())}")


@account.command("set-balance")
@click.argument("acct")
@click.argument("amount", callback=_amount)
@_bank_option
@click.pass_obj
def account_set_balance(obj: Any, acct: str, amount: Decimal, pay_bk_code: str | None) -> None:
    """设置余额 / Set the balance."""
    _change(obj, acct, pay_bk_code, balance=amount)


@account.command("freeze")
@click.argument("acct")
@_bank_option
@click.pass_obj
def account_freeze(obj: Any, acct: str, pay_bk_code: str | None) -> None:
    """冻结账户 / Freeze the account."""
    _change(obj, acct, pay_bk_code, frozen=True)


@account.command("unfreeze")
@click.argument("acct")
@_bank_option
@click.pass_obj
def account_unfreeze(obj: Any, acct: str, pay_bk_code: str | None) -> None:
    """解冻账户 / Unfreeze the account."""
    _change(obj, acct, pay_bk_code, frozen=False)


@account.command("set-fault")
@click.argument("acct")
@click.argument("fault", default="")
@_bank_option
@click.pass_obj
def account_set_fault(obj: Any, acct: str, fault: str, pay_bk_code: str | None) -> None:
    """设置故障注入（逗号分隔，空为清除）/ FAULT: comma-separated entries (see
    gateway.simulator.faults); empty clears."""
    _change(obj, acct, pay_bk_code, fault=fault or None)


@sim.command("day-switch")
@click.option("--date", "new_date", callback=_date,
              help="新工作日 yyyyMMdd（默认下一清算日）/ new work date (default: the next "
                   "clearing day).")
@click.option("--max-items", type=click.IntRange(1, 3000), default=None,
              help="每个 3122 子包的笔数（默认 3000）/ items per 3122 sub-package (default 3000).")
@click.pass_obj
def day_switch(obj: Any, new_date: dt.date | None, max_items: int | None) -> None:
    """日切：9101、各征收机关 3122、3128、9101 / Day switch: 9101, a 3122 per tax office, 3128,
    9101."""
    with _simulator(obj) as simulator:
        click.echo(f"work date now {simulator.day_switch(new_date, max_items=max_items):%Y%m%d}")


@sim.command("counter-query")
@click.option("--bank", "bank_no", required=True, help="查询银行 / querying bank (BankNo).")
@click.option("--branch", "pay_op_bk_code", required=True, help="柜台网点 / counter branch.")
@click.option("--tax-org-code", required=True, help="征收机关 / TaxOrgCode.")
@click.option("--tax-pay-code", required=True, help="纳税人识别号 / TaxPayCode.")
@click.option("--voucher", "tax_vou_no", required=True,
              help="缴款凭证号 / TaxVouNo of the printed voucher.")
@click.pass_obj
def counter_query(obj: Any, bank_no: str, pay_op_bk_code: str, tax_org_code: str,
                  tax_pay_code: str, tax_vou_no: str) -> None:
    """银行端查询缴款凭证（放入 2091）/ A bank counter asks for a voucher (puts a 2091)."""
    with _simulator(obj) as simulator:
        click.echo(simulator.counter_query(bank_no, pay_op_bk_code, tax_org_code, tax_pay_code,
                                           tax_vou_no))


@sim.command("counter-pay")
@click.option("--bank", "bank_no", required=True, help="银行 / BankNo.")
@click.option("--voucher", "tax_vou_no", required=True, help="缴款凭证号 / TaxVouNo.")
@click.option("--amount", required=True, callback=_amount, help="金额 / amount.")
@click.option("--acct", default=None, help="扣此账户（默认现金）/ debit this account (default: cash).")
@click.option("--result", default="90000", show_default=True, help="结果码 / result code.")
@click.option("--tax-org-code", default=None,
              help="凭证未经查询时的征收机关 / when the voucher was never queried.")
@click.pass_obj
def counter_pay(obj: Any, bank_no: str, tax_vou_no: str, amount: Decimal, acct: str | None,
                result: str, tax_org_code: str | None) -> None:
    """柜台缴款（扣款并放入 2108）/ A counter payment (debit and put a 2108)."""
    with _simulator(obj) as simulator:
        click.echo(simulator.counter_pay(bank_no, tax_vou_no, amount, acct, result, tax_org_code))


@sim.command("org")
@click.argument("tax_org_code")
@click.option("--treasury", default=None,
              help="收款国库代码 / PayeeOrgCode (n10) of the tax office.")
@click.pass_obj
def org(obj: Any, tax_org_code: str, treasury: str | None) -> None:
    """配置征收机关（每日收到 3122）/ A TaxOrgCode that gets a 3122 every day."""
    with _simulator(obj) as simulator:
        simulator.configure_org(tax_org_code, treasury)


@sim.command("special-account")
@click.argument("tre_code")
@click.argument("acct_code")
@click.argument("acct_name")
@click.option("--balance", default="0.00", callback=_amount, help="余额 / balance.")
@click.option("--today-pay", default="0.00", callback=_amount, help="当日支出 / today's payments.")
@click.pass_obj
def special_account(obj: Any, tre_code: str, acct_code: str, acct_name: str, balance: Decimal,
                    today_pay: Decimal) -> None:
    """配置专户（列入 3128）/ A fee special account listed in the 3128."""
    with _simulator(obj) as simulator:
        simulator.configure_special_account(tre_code, acct_code, acct_name, balance, today_pay)


@sim.command("ledger")
@click.option("--tax-pay-code", default=None, help="仅此缴费人 / only this payer.")
@click.pass_obj
def ledger(obj: Any, tax_pay_code: str | None) -> None:
    """资金流水合计 / Totals debited from and returned to payers."""
    with _simulator(obj) as simulator:
        totals = simulator.ledger_totals(tax_pay_code)
    click.echo(f"debited {totals['debited']}  returned {totals['returned']}  net {totals['net']}")


@sim.command("status")
@click.pass_obj
def status(obj: Any) -> None:
    """模拟器状态 / Work date, SysStat, keys by OpStat, pending jobs, error store."""
    with _simulator(obj) as simulator:
        _echo_json(simulator.status())
