"""What ``etsgw demo`` does: prepare the database, run the smoke scenario, supervise the parts.

Each part of the system that exists registers here: a smoke step (a named check that raises on
failure) and, for long-running parts, a child process started by the supervisor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Callable

from sqlalchemy import func, select

from gateway.bootstrap import Application
from gateway.domain.levy import LevyState, LockKind, LockOwner
from gateway.persistence import migrate
from gateway.persistence.records import AgreementRecord, LevyRecord, PayerRecord

def demo_password() -> str:
    """$ETSGW_DEMO_PASSWORD or the documented demo-only password."""
    from gateway.demodata.accounts import default_password

    return default_password()


def prepare(app: Application, sizes: dict[str, int]) -> None:
    """Create or upgrade the schema and load demo data when the database holds no payers."""
    migrate.upgrade(app.engine)
    with app.engine.connect() as conn:
        payers = conn.execute(select(func.count()).select_from(PayerRecord)).scalar_one()
    if payers == 0:
        from gateway.demodata import generate

        report = generate(app.engine, demo_password=demo_password(), **sizes)
        print(report, file=sys.stderr)
    _seed_simulator(app)


def print_logins(app: Application, echo: Callable[[str], None] = print) -> None:
    """The demo logins (app_user), the payer each taxpayer login maps to, and a payer id that
    `etsgw debit submit --payer` can debit now (an ACTIVE agreement and UNPAID levies)."""
    from gateway.cli.output import cell, width
    from gateway.demodata.accounts import DEMO_PASSWORD_ENV, DEMO_ONLY_PASSWORD
    from gateway.persistence.party_queries import debitable_payer, demo_logins

    with app.reader.connect() as conn:
        logins = demo_logins(conn)
        payer = debitable_payer(conn, [r["payer_id"] for r in logins if r["payer_id"]])
    if logins:
        echo("演示登录账号 / demo logins:")
        for r in logins:
            scope = (f"缴费人 / payer {r['payer_id']} {r['payer']}"
                     f"{'，可扣款 / debitable' if r['debitable'] else ''}" if r["payer_id"]
                     else f"征收机关 / office {r['tax_org_code']}" if r["tax_org_code"] else "")
            name = cell(r["username"])
            echo(f"  {name}{' ' * max(1, 15 - width(name))}{r['role']:<9}{scope}")
        # The environment's password is a secret: name the variable, never print its value.
        password = (f"${DEMO_PASSWORD_ENV}" if os.environ.get(DEMO_PASSWORD_ENV)
                    else DEMO_ONLY_PASSWORD)
        echo(f"  密码 / password: {password}")
    if payer is not None:
        echo(f"可扣款的缴费人 / a payer to debit: etsgw debit submit --payer {payer}")
    else:
        echo("没有可扣款的缴费人（需有效协议和未缴应征）/ no payer can be debited now")


def _seed_simulator(app: Application) -> None:
    """Give the simulated banks the demo payers' accounts and agreements (idempotent)."""
    from gateway.demodata.sim_seed import sim_accounts
    from gateway.simulator import Simulator

    sim = Simulator(app.settings)
    try:
        sim.load_accounts(sim_accounts(app.engine))
    finally:
        sim.close()


# --- smoke scenario -------------------------------------------------------------------------

SmokeStep = Callable[[Application], str]
SMOKE_STEPS: list[tuple[str, SmokeStep]] = []


def smoke_step(name: str) -> Callable[[SmokeStep], SmokeStep]:
    def register(fn: SmokeStep) -> SmokeStep:
        SMOKE_STEPS.append((name, fn))
        return fn
    return register


def smoke(app: Application, echo: Callable[[str], None] = print) -> int:
    """Run every registered step; returns the number of failed steps."""
    failures = 0
    for name, step in SMOKE_STEPS:
        try:
            detail = step(app)
            echo(f"  ok    {name}: {detail}")
        except Exception as exc:  # each step reports its own failure and the scenario goes on
            failures += 1
            echo(f"  FAIL  {name}: {type(exc).__name__}: {exc}")
    return failures


@smoke_step("schema")
def _schema(app: Application) -> str:
    current, head = migrate.current_revision(app.engine), migrate.head_revision()
    if current != head:
        raise AssertionError(f"schema at {current}, code expects {head}")
    return f"revision {current}"


@smoke_step("demo data")
def _data(app: Application) -> str:
    with app.engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(rec)).scalar_one()
                  for name, rec in (("payers", PayerRecord), ("levies", LevyRecord),
                                    ("agreements", AgreementRecord))}
    if not all(counts.values()):
        raise AssertionError(f"empty tables: {counts}")
    return ", ".join(f"{k}={v}" for k, v in counts.items())


@smoke_step("levy lock and release")
def _lock(app: Application) -> str:
    with app.engine.connect() as conn:
        levy_id = conn.execute(select(LevyRecord.id).where(LevyRecord.state == "UNPAID")
                               .order_by(LevyRecord.id).limit(1)).scalar_one()
    owner = LockOwner(LockKind.DEBIT, "smoke")
    with app.uow() as uow:
        (levy,) = uow.levies.get_many([levy_id])
        levy.lock(owner, "smoke scenario")
        uow.levies.save([levy])
        uow.commit()
    with app.uow() as uow:
        (levy,) = uow.levies.get_many([levy_id])
        if levy.state is not LevyState.LOCKED or levy.lock_owner != owner:
            raise AssertionError(f"lock not stored: {levy.state} {levy.lock_owner}")
        levy.unlock(owner, "smoke scenario done")
        uow.levies.save([levy])
        uow.commit()
    with app.uow() as uow:
        (levy,) = uow.levies.get_many([levy_id])
        if levy.state is not LevyState.UNPAID:
            raise AssertionError(f"levy {levy_id} left {levy.state}")
    return f"levy {levy_id} UNPAID → LOCKED → UNPAID"


@smoke_step("real-time debit through the simulator")
def _debit(app: Application) -> str:
    from gateway.cli.demo_flow import running_system

    with running_system(app) as system:
        debit = system.pay_one()
        return f"debit {debit['key']} {debit['amount']} → {debit['state']} in {debit['seconds']:.2f} s"


@smoke_step("bank-counter payment")
def _counter(app: Application) -> str:
    from gateway.cli.demo_flow import running_system

    with running_system(app) as system:
        paid = system.counter_payment()
        return f"voucher {paid['voucher']} {paid['amount']} paid at the counter, levies {paid['states']}"


@smoke_step("jobs, each once")
def _jobs(app: Application) -> str:
    from gateway.cli.jobs import ALL, run_once

    lines: list[str] = []
    failed = run_once(app, ALL, echo=lines.append)
    if failed:
        raise AssertionError(f"jobs failed: {failed}")
    return "; ".join(lines)


# --- supervisor -------------------------------------------------------------------------------

# Long-running parts as argument lists for ``python -m gateway.cli``; later issues append theirs.
DEMO_PROCESSES: list[tuple[str, list[str]]] = [
    ("gateway worker", ["gateway"]),
    ("settlement-centre simulator", ["sim", "run"]),
    # The scheduler (timers, in-doubt queries, package deadlines, link test) beside the worker.
    ("jobs process", ["jobs"]),
    # Prints its URL and the demo logins (with the office head and the three administrators).
    ("web application", ["web", "--demo-accounts"]),
]


def run_until_interrupted(app: Application, echo: Callable[[str], None] = print,
                          config_path: str | None = None) -> None:
    """Start every registered part as a child process and wait for Ctrl-C (or SIGTERM)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop children in order, no KeyboardInterrupt
        signal.signal(sig, lambda *_: stop.set())
    children: list[tuple[str, subprocess.Popen]] = []
    env = dict(os.environ)
    if config_path:
        env["ETSGW_CONFIG"] = os.path.abspath(config_path)
    try:
        for name, args in DEMO_PROCESSES:
            children.append((name, subprocess.Popen([sys.executable, "-m", "gateway.cli", *args],
                                                    env=env)))
            echo(f"started {name}")
        echo(f"demo running on {app.settings.database.url}; Ctrl-C to stop")
        while not stop.wait(1.0):
            for name, proc in children:
                if proc.poll() is not None:
                    echo(f"{name} exited with code {proc.returncode}; stopping the demo")
                    stop.set()
    finally:
        for _name, proc in children:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for _name, proc in children:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        echo("demo stopped")
