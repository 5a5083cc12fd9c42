"""The end-to-end flow harness: ``etsgw gateway`` and ``etsgw sim run`` as two separate processes
over the embedded transport (QM.TAX in the gateway's SQLite file, QM.ETS in the simulator's),
driven by operator commands (in-process through the bus, or the ``etsgw`` CLI) and by the
simulated banks (``Simulator.counter_query`` / ``counter_pay`` in the test process).

Every payer of the seed (``tests.support.seed``) is one scenario of :data:`SCENARIOS`: its bank
account at the simulator carries what the scenario needs (a closed or frozen account, a low
balance, no agreement, another holder name, faults). Tests wait for outcomes by polling the
gateway's database with a deadline; a timeout fails with the debit row, the tail of both
processes' stderr and the simulator's status. :meth:`System.check_conservation` is the money
check: what the banks debited minus what they returned equals what the gateway holds as paid.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from gateway.bootstrap import build
from gateway.config import Settings, load_settings
from gateway.domain import commands as c
from gateway.persistence import migrate
from gateway.persistence.records import (
    DebitRecord,
    GatewayStateRecord,
    InboxRecord,
    LevyRecord,
    OutboxRecord,
    ReversalRecord,
    ReviewItemRecord,
)
from gateway.runtime.app import build_runtime
from gateway.simulator import Simulator
from gateway.simulator import schema as sim_schema
from tests.e2e.flows.processes import WORK_DATE, Proc, child_env, cli, write_config
from tests.support.seed import BANK, BRANCH, ORG, Seeded, seed

__all__ = ["NEXT_WORK_DATE", "SCENARIOS", "WORK_DATE", "System"]

NEXT_WORK_DATE = "20241106"  # the next clearing day after Tuesday 20241105
BALANCE = "100000.00"
LOW_BALANCE = "100.00"
PAID_STATES = ("PAID", "SETTLED")

# One payer per scenario (payer i of the seed has scenario i): the simulator's account for it.
SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("success", {}),
    ("closed", {"closed": True}),                        # 24001
    ("frozen", {"frozen": True}),                        # 24004
    ("poor", {"balance": LOW_BALANCE}),                  # 24007
    ("no_agreement", {"protocol_no": None}),             # 24009
    ("other_holder", {"hand_org_name": "广州市天河区另一家有限公司"}),  # 24011
    ("bank_error", {"fault": "bank_error"}),             # 99090
    ("only_2001", {"fault": "drop:9120"}),
    ("no_answer", {"fault": "drop:9120,drop:2001"}),
    ("opstat20", {"fault": "drop:2001,opstat:20"}),
    # The forced 21 must tell the truth for the money check: the bank refuses (24007) too.
    ("opstat21", {"fault": "drop:2001,opstat:21", "balance": LOW_BALANCE}),
    ("opstat98", {"fault": "drop:2001*1,opstat:98*1"}),
    ("lost_1001", {"fault": "lose:1001*1"}),
    ("dup_2001", {"fault": "dup:2001"}),
    ("late_2001", {"fault": "delay:2001:10"}),
    ("reverse", {}),
    ("counter_ok", {}),
    ("counter_mismatch", {}),
    ("counter_expiry", {}),
    ("counter_locked", {"fault": "drop:2001,opstat:10"}),
    ("reverse_late", {}),
]


def sim_account(data: Seeded, pid: int, **overrides: Any) -> dict[str, Any]:
    """The simulator's account and agreement of one seeded payer, with ``overrides``."""
    row: dict[str, Any] = {
        "pay_bk_code": BANK, "pay_op_bk_code": BRANCH, "acct": data.accounts[pid],
        "name": data.names[pid], "tax_pay_code": data.codes[pid], "balance": BALANCE,
        "protocol_no": data.protocols[pid], "agreement_state": "normal", "frozen": False,
        "closed": False, "fault": None, "hand_org_name": data.names[pid]}
    row.update(overrides)
    return row


def sim_rows(data: Seeded) -> list[dict[str, Any]]:
    """The simulator's accounts and agreements for the seeded payers, one per scenario."""
    return [sim_account(data, pid, **overrides)
            for (_name, overrides), pid in zip(SCENARIOS, data.payers, strict=True)]


@dataclass
class System:
    """Both processes of one test module and the test's handles on their databases."""

    config: Path
    settings: Settings
    data: Seeded
    sim: Simulator
    rt: Any
    procs: list[Proc]
    touched: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        # A plain engine (deferred BEGIN) for reads: never takes the gateway's write lock.
        self.db = create_engine(self.settings.database.url)
        self.codec = self.rt.codec
        self.by_name = {name: pid for (name, _), pid in zip(SCENARIOS, self.data.payers)}

    # --- set-up and tear-down --------------------------------------------------------------

    @classmethod
    def start(cls, tmp: Path, *, sim_faults: Iterable[str] = (),
              counter_reservation_s: int = 8, gateway: dict | None = None,
              units: int = len(SCENARIOS),
              accounts: Callable[[Seeded], list[dict[str, Any]]] = sim_rows,
              gateway_extra: str = "", sim_extra: str = "", work_date: str = WORK_DATE,
              seeder: Callable[[Any], Seeded] | None = None) -> System:
        """Both processes on a fresh seed (``seeder(engine)``, else ``units`` payers of the
        flow seed) whose simulator accounts are ``accounts(seeded)`` (by default one per
        scenario of :data:`SCENARIOS`); ``gateway`` adds [gateway] keys (a dict) and
        ``gateway_extra`` raw TOML lines there."""
        config = write_config(tmp, sim_faults=sim_faults,
                              counter_reservation_s=counter_reservation_s, gateway=gateway,
                              gateway_extra=gateway_extra, sim_extra=sim_extra,
                              work_date=work_date)
        settings = load_settings(config, environ={})
        app = build(settings)
        try:
            migrate.upgrade(app.engine)
            data = seeder(app.engine) if seeder else seed(app.engine, units=units)
        finally:
            app.close()
        sim = Simulator(settings)  # creates the simulator's schema, work date and QM.ETS
        sim.load_accounts(accounts(data))
        procs = [Proc("sim", config, "sim", "run").start(),
                 Proc("gateway", config, "gateway").start()]
        system = cls(config=config, settings=settings, data=data, sim=sim,
                     rt=build_runtime(build(settings)), procs=procs)
        try:
            system.wait_ready()
        except BaseException:
            system.close()
            raise
        return system

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Up when the gateway's first link test (9005, sent by its first sweep) was answered
        by the simulator: both processes, both channels and the relay work."""
        def answered() -> bool:
            return bool(self.rows(select(InboxRecord.id).where(InboxRecord.msg_no == "9120")))
        self.wait(answered, timeout, "the gateway's startup 9005 to be answered")
        assert self.gateway_state("link", "UP") == "UP"

    def close(self) -> None:
        for p in reversed(self.procs):
            p.stop()
        self.rt.close()
        self.sim.close()
        self.db.dispose()

    # --- operator and bank actions --------------------------------------------------------

    def payer(self, scenario: str) -> int:
        pid = self.by_name[scenario]
        self.touched.add(pid)
        return pid

    def levy_ids(self, pid: int) -> tuple[int, ...]:
        return tuple(self.data.levies[pid])

    def submit(self, pid: int) -> Any:
        """A single debit of all the payer's levies, in-process through the bus."""
        self.touched.add(pid)
        return self.rt.bus.handle(c.SubmitDebit(payer_id=pid, levy_ids=self.levy_ids(pid),
                                                requested_by="e2e"))

    def issue_voucher(self, pid: int) -> str:
        self.touched.add(pid)
        return self.rt.bus.handle(c.IssueCounterVoucher(payer_id=pid, levy_ids=self.levy_ids(pid),
                                                        requested_by="e2e"))

    def counter_query(self, pid: int, voucher: str) -> str:
        return self.sim.counter_query(BANK, BRANCH, ORG, self.data.codes[pid], voucher)

    def etsgw(self, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess[str]:
        """One ``etsgw`` command in its own process (operator CLI)."""
        return subprocess.run(cli(self.config, *args), capture_output=True, text=True,
                              check=False, env=child_env(), cwd=self.config.parent, timeout=timeout)

    # --- reading the gateway ----------------------------------------------------------------

    def rows(self, stmt: Any) -> list[Any]:
        with self.db.connect() as conn:
            return conn.execute(stmt).all()

    def debit(self, debit_id: int) -> Any:
        return self.rows(select(DebitRecord).where(DebitRecord.id == debit_id))[0]

    def debits_of(self, pid: int) -> list[Any]:
        return self.rows(select(DebitRecord).where(DebitRecord.payer_id == pid)
                         .order_by(DebitRecord.id))

    def levy_states(self, pid: int) -> list[str]:
        return [r.state for r in self.rows(select(LevyRecord).where(LevyRecord.payer_id == pid)
                                           .order_by(LevyRecord.id))]

    def paid_amount(self, pid: int) -> Decimal:
        """What the gateway holds as paid for the payer: its PAID and SETTLED levies."""
        amount = self.rows(select(func.coalesce(func.sum(LevyRecord.amount), 0)).where(
            LevyRecord.payer_id == pid, LevyRecord.state.in_(PAID_STATES)))[0][0]
        return Decimal(amount).quantize(Decimal("0.01"))

    def reversals_of(self, debit_id: int) -> list[Any]:
        return self.rows(select(ReversalRecord).where(ReversalRecord.debit_id == debit_id)
                         .order_by(ReversalRecord.id))

    def reviews(self, kind: str | None = None) -> list[Any]:
        stmt = select(ReviewItemRecord).order_by(ReviewItemRecord.id)
        if kind:
            stmt = stmt.where(ReviewItemRecord.kind == kind)
        return self.rows(stmt)

    def inbox(self, msg_ids: Iterable[str]) -> list[Any]:
        return self.rows(select(InboxRecord).where(InboxRecord.msg_id.in_(list(msg_ids)))
                         .order_by(InboxRecord.id))

    def gateway_state(self, key: str, default: str = "") -> str:
        found = self.rows(select(GatewayStateRecord.value).where(GatewayStateRecord.key == key))
        return found[0][0] if found else default

    def sent_by_gateway(self, msg_no: str, debit: Any) -> list[tuple[Any, Any]]:
        """(outbox row, decoded message) of the gateway's 1001s / 9003s about ``debit``."""
        out = []
        for r in self.rows(select(OutboxRecord).where(OutboxRecord.msg_no == msg_no)
                           .order_by(OutboxRecord.id)):
            msg = self.codec.decode(r.body, ccsid=r.ccsid)
            block = (msg.body.real_head1001 if msg_no == "1001"
                     else msg.body.tra_status_check9003)
            tra_no = block.tra_no if msg_no == "1001" else block.ori_tra_no
            day = block.entrust_date if msg_no == "1001" else block.ori_entrust_date
            if tra_no == debit.tra_no and day == debit.entrust_date:
                out.append((r, msg))
        return out

    # --- reading the simulator ----------------------------------------------------------------

    def sim_key(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.sim.key(kind, key)

    def debit_key(self, debit: Any) -> str:
        return f"{debit.tax_org_code}|{debit.entrust_date:%Y%m%d}|{debit.tra_no}"

    def sim_sent_about(self, debit: Any, msg_no: str) -> list[dict[str, Any]]:
        """What the simulator put about this debit's key (e.g. its 2001s)."""
        key = self.sim_key("1001", self.debit_key(debit))
        if key is None:
            return []
        return [s for s in self.sim.sent(msg_no) if s["key_id"] == key["id"]]

    def bank_debits(self, pid: int) -> int:
        """How many debits the banks booked from this payer (ledger rows of kind ``debit``)."""
        g = sim_schema.ledger.c
        with self.sim.env.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(sim_schema.ledger).where(
                g.tax_pay_code == self.data.codes[pid], g.kind == "debit")).scalar_one())

    # --- waiting --------------------------------------------------------------------------------

    def wait(self, condition: Callable[[], Any], timeout: float, what: str, *,
             debit_id: int | None = None, pid: int | None = None) -> Any:
        """Poll ``condition`` until truthy; fail after ``timeout`` s (or at once when a process
        died) with the debit row, the payer's levies, both processes' stderr and sim status."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            dead = [p.name for p in self.procs if not p.alive()]
            if dead or time.monotonic() >= deadline:
                why = f"process(es) {dead} exited" if dead else f"timed out after {timeout:.0f} s"
                raise AssertionError(f"{why} waiting for {what}\n"
                                     f"{self.diagnostics(debit_id=debit_id, pid=pid)}")
            time.sleep(0.1)

    def wait_debit(self, debit_id: int, states: str | tuple[str, ...], timeout: float = 30.0
                   ) -> Any:
        wanted = (states,) if isinstance(states, str) else states
        row = self.wait(lambda: (r := self.debit(debit_id)).state in wanted and r, timeout,
                        f"debit {debit_id} to be {'/'.join(wanted)}", debit_id=debit_id)
        return row

    def wait_levies(self, pid: int, state: str, timeout: float = 30.0) -> None:
        self.wait(lambda: set(self.levy_states(pid)) == {state}, timeout,
                  f"payer {pid}'s levies to be {state}", pid=pid)

    def diagnostics(self, *, debit_id: int | None = None, pid: int | None = None) -> str:
        parts = []
        if debit_id is not None:
            row = self.debit(debit_id)
            parts.append(f"debit row: {dict(row._mapping)}")
            pid = row.payer_id if pid is None else pid
        if pid is not None:
            parts.append(f"levies of payer {pid}: {self.levy_states(pid)}")
        parts.extend(p.tail() for p in self.procs)
        try:
            parts.append("sim status: " + json.dumps(self.sim.status(), default=str))
        except Exception as exc:  # noqa: BLE001 - diagnostics must not hide the failure
            parts.append(f"sim status unavailable: {exc!r}")
        return "\n".join(parts)

    # --- the money check ------------------------------------------------------------------

    def conservation_gaps(self, payers: Iterable[int]) -> dict[int, tuple[dict[str, Decimal],
                                                                          Decimal]]:
        gaps = {}
        for pid in sorted(set(payers)):
            totals = self.sim.ledger_totals(self.data.codes[pid])
            paid = self.paid_amount(pid)
            if totals["net"] != paid:
                gaps[pid] = (totals, paid)
        return gaps

    def check_conservation(self, payers: Iterable[int], settle_s: float = 5.0) -> None:
        """For every payer: debited − returned at the banks = the gateway's PAID + SETTLED
        levies. A money movement still on the wire (a return made when the gateway's refusal
        reaches the bank) gets ``settle_s`` to land; a lasting gap fails."""
        payers = list(payers)
        deadline = time.monotonic() + settle_s
        while (gaps := self.conservation_gaps(payers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if gaps:
            lines = [f"payer {pid} ({self.data.codes[pid]}): bank debited {t['debited']} "
                     f"returned {t['returned']} net {t['net']} but the gateway holds {paid} paid;"
                     f" levies {self.levy_states(pid)}; debits "
                     f"{[(d.id, d.kind, d.state, d.amount) for d in self.debits_of(pid)]}"
                     for pid, (t, paid) in gaps.items()]
            raise AssertionError("money not conserved:\n" + "\n".join(lines) + "\n"
                                 + self.diagnostics())
