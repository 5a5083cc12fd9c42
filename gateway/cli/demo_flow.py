"""The smoke scenario's running system: the gateway worker and the simulator in threads of this
process, and the scripted payments it makes through them."""

from __future__ import annotations

import contextlib
import threading
import time
from decimal import Decimal
from typing import Iterator

from sqlalchemy import func, select

from gateway.bootstrap import Application
from gateway.domain.commands import IssueCounterVoucher, SubmitDebit
from gateway.persistence.records import AgreementRecord, DebitRecord, LevyRecord, PayerRecord

DEADLINE_S = 60.0


class RunningSystem:
    def __init__(self, app: Application, rt, sim) -> None:
        self.app, self.rt, self.sim = app, rt, sim

    def _candidate(self, exclude: set[int]) -> tuple[int, list[int]]:
        """A payer with an ACTIVE agreement whose bank account can pay, and its UNPAID levies."""
        with self.app.engine.connect() as conn:
            rows = conn.execute(
                select(AgreementRecord.payer_id, AgreementRecord.pay_acct)
                .where(AgreementRecord.state == "ACTIVE")
                .where(select(func.count()).select_from(LevyRecord)
                       .where(LevyRecord.payer_id == AgreementRecord.payer_id,
                              LevyRecord.state == "UNPAID").scalar_subquery() > 0)
                .order_by(AgreementRecord.id)).all()
            for payer_id, acct in rows:
                if payer_id in exclude:
                    continue
                account = self.sim.account(acct)
                if account and not account[0].get("frozen") and \
                        Decimal(str(account[0].get("balance", "0"))) > Decimal("100000"):
                    levies = conn.execute(select(LevyRecord.id).where(
                        LevyRecord.payer_id == payer_id, LevyRecord.state == "UNPAID")
                        .order_by(LevyRecord.period_start).limit(3)).scalars().all()
                    return payer_id, list(levies)
        raise AssertionError("no payer with an ACTIVE agreement, money and UNPAID levies")

    def _wait(self, what: str, check) -> object:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def pay_one(self) -> dict:
        payer, levies = self._candidate(set())
        started = time.monotonic()
        debit = self.rt.bus.handle(SubmitDebit(payer_id=payer, levy_ids=tuple(levies),
                                               requested_by="smoke"))

        def final():
            with self.app.engine.connect() as conn:
                state = conn.execute(select(DebitRecord.state)
                                     .where(DebitRecord.id == debit.id)).scalar_one()
            return state if state in ("SUCCEEDED", "FAILED", "REVERSED") else None
        state = self._wait(f"debit {debit.key}", final)
        if state != "SUCCEEDED":
            raise AssertionError(f"debit {debit.key} ended {state}")
        return {"key": debit.key, "amount": debit.amount, "state": state,
                "seconds": time.monotonic() - started}

    def counter_payment(self) -> dict:
        payer, levies = self._candidate(set())
        voucher = self.rt.bus.handle(IssueCounterVoucher(payer_id=payer, levy_ids=tuple(levies),
                                                         requested_by="smoke"))
        with self.app.engine.connect() as conn:
            code, org = conn.execute(select(PayerRecord.tax_pay_code, PayerRecord.tax_org_code)
                                     .where(PayerRecord.id == payer)).one()
            amount = sum(conn.execute(select(LevyRecord.amount)
                                      .where(LevyRecord.id.in_(levies))).scalars(), Decimal("0.00"))
            bank, branch = conn.execute(select(AgreementRecord.pay_bk_code,
                                               AgreementRecord.pay_op_bk_code)
                                        .where(AgreementRecord.payer_id == payer)).first()
        self.sim.counter_query(bank, branch, org, code, voucher)

        def reserved():
            with self.app.engine.connect() as conn:
                states = set(conn.execute(select(LevyRecord.state)
                                          .where(LevyRecord.id.in_(levies))).scalars())
            return states == {"LOCKED"}
        self._wait("the counter reservation (2091 → 1009)", reserved)
        self.sim.counter_pay(bank, voucher, amount, tax_org_code=org)

        def paid():
            with self.app.engine.connect() as conn:
                states = set(conn.execute(select(LevyRecord.state)
                                          .where(LevyRecord.id.in_(levies))).scalars())
            return states if states == {"PAID"} else None
        states = self._wait("the counter payment (2108 → 9120)", paid)
        return {"voucher": voucher, "amount": amount, "states": sorted(states)}


@contextlib.contextmanager
def running_system(app: Application) -> Iterator[RunningSystem]:
    """Gateway worker and simulator in threads; both stop when the block ends."""
    from gateway.runtime.app import build_runtime
    from gateway.runtime.worker import GatewayWorker
    from gateway.simulator import Simulator

    rt = build_runtime(app)
    sim = Simulator(app.settings)
    stop = threading.Event()
    sim_thread = threading.Thread(target=sim.run, args=(stop,), name="simulator", daemon=True)
    worker = GatewayWorker(rt)
    sim_thread.start()
    worker.start()
    try:
        yield RunningSystem(app, rt, sim)
    finally:
        worker.shutdown()
        stop.set()
        sim_thread.join(10)
        sim.close()
        rt.transport.close()
