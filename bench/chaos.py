"""Crash test and restore drill (issue 18 items 1 and 6).

Chaos run: ``etsgw sim run`` with fault injection on (dropped, delayed, duplicated and corrupted
answers, lost requests), one ``etsgw gateway`` worker (consumers, outbox relay, channel agent)
and the ``etsgw jobs`` leader (sweeper, in-doubt queries, package checks, link test). While this
process offers ``--debits`` real-time debits open loop, five async packages, reversals and
counter payments, the gateway and the jobs process are SIGKILLed at random moments (seeded;
the seed is printed) and restarted. After the load, everything is drained, the simulator's day
switch pushes the 3122s and the 3128, and the checks count:

- ``two_serials``: one gateway debit (TaxVouNo) received by the ETS under two TraNos, or one
  levy covered by two debits the bank booked;
- ``money_without_paid``: per payer, the banks' net debits differ from the gateway's PAID and
  SETTLED levies;
- ``locked_without_owner``: LOCKED levies whose owner (debit, package item, counter reservation)
  is final or expired;
- ``inbound_twice``: inbound messages applied twice (inbox rows per SRC+MsgID > 1, or two
  processed answers about one business key that each moved a levy).

Restore drill: the gateway's database (with its embedded queue manager) is backed up online
while debits and a package are in flight — SQLite with the sqlite3 backup API, PostgreSQL
(``--postgres``) with ``pg_dump -Fc`` (one consistent snapshot; the gateway keeps writing) —; the
run goes on; then the gateway is killed, the backup restored (SQLite: the backup API back into
the live file; PostgreSQL: the database dropped, created again and ``pg_restore``d, as the
runbook's procedure), ``etsgw db after-restore`` run (unless ``--no-after-restore``, to show why
it is needed), the processes restarted and fresh debits offered. Counted: serials reissued (a
TraNo the ETS holds for another voucher), money moved twice, money lost without a trace. Debits
the ETS booked after the backup are unknown to the restored gateway; they are listed in the
ETS's 3122 and counted as what reconciliation must flag, not as violations.

With ``--postgres`` the gateway's database is on a throwaway PostgreSQL cluster
(``tests/pgcluster.py``, or the server of ``ETSGW_BENCH_PG_URL``); the simulator keeps its SQLite
file. The simulator is stopped while the database is restored: its channel agent delivers into
the tax-side queue manager, which the embedded transport keeps in the gateway's database (on IBM
MQ the queue manager is not part of the database and the settlement centre's side would only see
the channel retry).

Usage: ``python bench/chaos.py [--debits 20000] [--rate 30] [--timer-scale 6] [--seed N]
[--postgres]``.
Ends with ``BENCH chaos_violations <n> count`` and ``BENCH restore_violations <n> count``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import case, create_engine, func, select, text  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.clock import beijing_now  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.domain import batch_messages as bm  # noqa: E402
from gateway.domain import commands as c  # noqa: E402
from gateway.domain.pending_list import Selection  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence.records import (BatchInboundRecord, DebitLevyRecord, DebitRecord, InboxRecord,  # noqa: E402
                                         LevyRecord, OutboxRecord, PackageRecord)
from gateway.runtime.app import build_runtime  # noqa: E402
from gateway.simulator import Simulator  # noqa: E402
from gateway.simulator import schema as st  # noqa: E402

BANK, BRANCH, ORG = "102581000013", "102581002107", "14401060000"
AMOUNT = Decimal("100.00")
PACKAGES = 5
FINAL_DEBIT = ("SUCCEEDED", "FAILED", "REVERSED")
FINAL_PACKAGE = ("ANSWERED", "FAILED", "STOPPED")
# Fault injection per bank account (payer i gets entry i mod 9), each limited per account so
# that the run converges; the link test (not about an account) stays clean.
ACCOUNT_FAULTS = (None, "dup:2001*5", "dup:9120*5", "delay:2001:3*5", "drop:9120*2",
                  "drop:2001*2", "lose:1001*1", "corrupt:2001*2", "dup:2001*3,delay:9120:2*3")
PACKAGE_PERIOD = dt.date(1990, 1, 1)  # package levies: months 1990-01..05; counter: 1991-01
COUNTER_PERIOD = dt.date(1991, 1, 1)


def write_config(folder: Path, timer_scale: float, database_url: str) -> Path:
    def t(seconds: float) -> int:  # the timers are whole seconds
        return max(1, round(seconds * timer_scale))
    cfg = folder / "chaos.toml"
    cfg.write_text(f"""
[database]
url = "{database_url}"
[simulator]
database_url = "sqlite:///{folder / 'simulator.db'}"
package_delay_s = 2.0
[gateway]
# Today (Beijing): package deadlines and reservations are real-clock times from the work date.
initial_work_date = "{beijing_now():%Y%m%d}"
max_in_flight = 1000000
link_test_idle_s = 3600
lease_ttl_s = 3
counter_reservation_s = 600
[jobs]
lease_s = 3
follow_poll_s = 0.3
sweeper_interval_s = 2.0
in_doubt_interval_s = 2.0
packages_interval_s = 3.0
link_test_interval_s = 1.0
[transport]
get_wait_ms = 200
channel_retry_interval_s = 0.5
[timers]
ack_9120_s = {t(10)}
result_2001_s = {t(20)}
result_2021_s = {t(20)}
in_doubt_backoff_s = [{t(3)}, {t(6)}, {t(10)}]
in_doubt_repeat_s = {t(10)}
sweep_interval_s = 0.5
[log]
level = "WARNING"
""", encoding="utf-8")
    return cfg


def seed(engine, payers: int, per_payer: int) -> tuple[Any, dict[int, list[int]]]:
    """Payers with ACTIVE agreements; per payer 6 package levies (5 for the chaos run, one for
    the restore drill), 1 counter levy and
    ``per_payer`` real-time levies of 100.00, loaded with one bulk insert."""
    from tests.support.seed import seed as seed_small

    data = seed_small(engine, units=payers, levy_amounts=(AMOUNT,))
    rows = []
    for p in data.payers:
        months = [dt.date(1990, m, 1) for m in range(1, PACKAGES + 2)] + [COUNTER_PERIOD]
        months += [dt.date(2000 + k // 12, k % 12 + 1, 1) for k in range(per_payer)]
        rows += [(p, ORG, "MEDICAL", m, m + dt.timedelta(days=27), 10000) for m in months]
    names = ("payer_id", "tax_org_code", "insurance_code", "period_start", "period_end", "amount")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO levy (payer_id, tax_org_code, insurance_code, period_start, period_end, "
            "amount, state, lock_reason, paid_by, declaration_no, version, created_at) VALUES "
            "(:payer_id, :tax_org_code, :insurance_code, :period_start, :period_end, :amount, "
            "'UNPAID', '', '', '', 1, CURRENT_TIMESTAMP)"), [dict(zip(names, r)) for r in rows])
        realtime: dict[int, list[int]] = collections.defaultdict(list)
        for payer, levy in conn.execute(text(
                "SELECT payer_id, id FROM levy WHERE period_start >= '2000-01-01' ORDER BY id")):
            realtime[payer].append(levy)
    return data, realtime


class Proc:
    """One ``etsgw`` process (stderr to a log file), killed and restarted by its own id."""

    def __init__(self, name: str, cfg: Path, *args: str) -> None:
        self.name, self.cfg, self.args = name, cfg, args
        self.log = cfg.parent / f"{name}.log"
        self.p: subprocess.Popen | None = None
        self.kills = self.starts = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")}
        with open(self.log, "ab") as err:
            self.p = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--config",
                                       str(self.cfg), *self.args], env=env, cwd=self.cfg.parent,
                                      stdout=subprocess.DEVNULL, stderr=err,
                                      stdin=subprocess.DEVNULL)
        self.starts += 1

    def alive(self) -> bool:
        return self.p is not None and self.p.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.p.send_signal(signal.SIGKILL)
            self.p.wait(30)
            self.kills += 1

    def stop(self) -> None:
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(10)


class Chaos(threading.Thread):
    """Kills a random one of ``victims`` every ``gap`` seconds (uniform) and restarts it after a
    short pause; also restarts any victim that ended on its own (e.g. refused while the dead
    one's lease ran out)."""

    def __init__(self, rng: random.Random, victims: list[Proc], gap: tuple[float, float]) -> None:
        super().__init__(daemon=True)
        self.rng, self.victims, self.gap = rng, victims, gap
        self.halt = threading.Event()
        self.log: list[str] = []

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.halt.wait(self.rng.uniform(*self.gap)):
            spared = [v for v in self.victims if v.kills == 0]  # each is killed at least once
            victim = self.rng.choice(spared or self.victims)
            victim.kill()
            self.log.append(f"{time.monotonic() - t0:6.1f} s SIGKILL {victim.name}")
            self.halt.wait(self.rng.uniform(0.2, 2.0))
            self.revive()
        self.revive()

    def revive(self) -> None:
        for v in self.victims:
            if not v.alive():
                v.start()


def wait_until(cond, timeout: float, what: str, procs: list[Proc] | None = None) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        for p in procs or ():
            if not p.alive():
                p.start()  # a process refused while a dead one's lease runs out: again
        time.sleep(0.3)


class Drill:
    """One run's folder, processes, front end (bus in this process) and database views."""

    def __init__(self, args) -> None:
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="etsgw-chaos-"))
        self.cluster = None
        url = f"sqlite:///{self.folder / 'gateway.db'}"
        if getattr(args, "postgres", False):
            self.cluster, url = postgres_database()
        self.cfg = write_config(self.folder, args.timer_scale, url)
        self.settings = load_settings(self.cfg, environ={})
        app = build(self.settings)
        migrate.upgrade(app.engine)
        per_payer = (args.debits + args.restore_debits * 2) // args.payers + 4
        self.data, self.realtime = seed(app.engine, args.payers, per_payer)
        app.close()
        self.sim = Simulator(self.settings)
        self.sim.load_accounts({"pay_bk_code": BANK, "pay_op_bk_code": BRANCH,
                                "acct": self.data.accounts[p], "name": self.data.names[p],
                                "tax_pay_code": self.data.codes[p], "balance": "100000000.00",
                                "protocol_no": self.data.protocols[p],
                                "fault": ACCOUNT_FAULTS[i % len(ACCOUNT_FAULTS)]}
                               for i, p in enumerate(self.data.payers))
        self.code_of = self.data.codes
        self.db = create_engine(self.settings.database.url)
        self.simulator = Proc("sim", self.cfg, "sim", "run")
        self.gateway = Proc("gateway", self.cfg, "gateway")
        self.jobs = Proc("jobs", self.cfg, "jobs")
        self.rt = None
        self.chaos: Chaos | None = None
        self.cursor = {p: 0 for p in self.realtime}

    # -- processes and front end -------------------------------------------------------------

    def start_all(self) -> None:
        for p in (self.simulator, self.gateway, self.jobs):
            if not p.alive():
                p.start()
        if self.rt is None:
            self.rt = build_runtime(build(self.settings))

    def close(self) -> None:
        if self.chaos is not None:  # first, or it would revive what is stopped here
            self.chaos.halt.set()
            self.chaos.join()
        for p in (self.jobs, self.gateway, self.simulator):
            p.stop()
        if self.rt is not None:
            self.rt.close()
            self.rt = None
        self.sim.close()
        self.db.dispose()
        if self.cluster is not None:
            if self.cluster.datadir is None:  # a server of ETSGW_BENCH_PG_URL: leave no database
                from tests.pgcluster import drop_database
                drop_database(self.cluster, PG_DATABASE)
            self.cluster.stop()

    def scalar(self, stmt) -> Any:
        with self.db.connect() as conn:
            return conn.execute(stmt).scalar_one()

    def next_levies(self, n: int) -> list[tuple[int, int]]:
        """``n`` (payer, levy) pairs, round robin over payers: consecutive debits differ."""
        out, payers = [], list(self.realtime)
        k = sum(self.cursor.values())
        while len(out) < n:
            p = payers[k % len(payers)]
            out.append((p, self.realtime[p][self.cursor[p]]))
            self.cursor[p] += 1
            k += 1
        return out

    def offer(self, n: int, rate: float) -> list[str]:
        """Open loop: ``n`` debits at ``rate`` per second in ticks of 50 ms (SubmitDebits)."""
        errors: list[str] = []
        begin, sent = time.monotonic(), 0
        while sent < n:
            due = min(n, int(rate * (time.monotonic() - begin))) - sent
            if due > 0:
                many = tuple(c.SubmitDebit(payer_id=p, levy_ids=(lv,), requested_by="chaos")
                             for p, lv in self.next_levies(due))
                try:
                    results = self.rt.bus.handle(c.SubmitDebits(debits=many))
                    errors += [repr(r) for r in results if isinstance(r, Exception)]
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    errors.append(repr(exc))
                sent += due
            time.sleep(0.05)
        return errors

    def wait_link(self, timeout: float = 180.0) -> None:
        from gateway.services import status

        def up() -> bool:
            with self.rt.uow() as uow:
                return (uow.state.get(status.LINK_TEST_PENDING) == ""
                        and uow.state.get(status.LINK, "UP") == "UP")
        wait_until(up, timeout, "the first link test to be answered",
                   [self.simulator, self.gateway, self.jobs])

    def packages(self, n: int) -> list[int]:
        """``n`` async packages, one per package month (SelectLevies + PackNext)."""
        ids = []
        for m in range(n):
            month = PACKAGE_PERIOD.replace(month=m + 1)
            sel = Selection(tax_org_code="14401000000", run_at=self.rt.clock(),
                            period_from=month, period_to=month)
            summary = self.rt.bus.handle(bm.SelectLevies(sel, "chaos"))
            pkg = self.rt.bus.handle(bm.PackNext(summary.list_id, "chaos"))
            if pkg is not None:
                ids.append(pkg.id)
        return ids

    def counter_payments(self, payers: list[int]) -> int:
        """Voucher, the bank's 2091, then (once answered) its 2108, for each payer."""
        done = 0
        for p in payers:
            with self.db.connect() as conn:
                levy = conn.execute(select(LevyRecord.id).where(
                    LevyRecord.payer_id == p, LevyRecord.period_start == COUNTER_PERIOD)).scalar_one()
            voucher = self.rt.bus.handle(c.IssueCounterVoucher(payer_id=p, levy_ids=(levy,),
                                                               requested_by="chaos"))
            query = self.sim.counter_query(BANK, BRANCH, ORG, self.code_of[p], voucher)
            end = time.monotonic() + 120
            while time.monotonic() < end and not (self.sim.key("2091", query) or {}).get("answer"):
                time.sleep(0.3)
            if (self.sim.key("2091", query) or {}).get("answer") == "90000":
                self.sim.counter_pay(BANK, voucher, AMOUNT, acct=self.data.accounts[p])
                done += 1
        return done

    def reversals(self, n: int) -> int:
        """Reverse ``n`` SUCCEEDED real-time debits (1021)."""
        with self.db.connect() as conn:
            ids = conn.execute(select(DebitRecord.id).where(
                DebitRecord.state == "SUCCEEDED", DebitRecord.kind == "SINGLE",
                DebitRecord.package_id.is_(None)).order_by(DebitRecord.id).limit(n)).scalars().all()
        sent = 0
        for i in ids:
            try:
                self.rt.bus.handle(c.ReverseDebit(debit_id=i, reason="chaos", requested_by="chaos"))
                sent += 1
            except Exception as exc:  # noqa: BLE001 - e.g. refused as no longer reversible
                print(f"  reversal of debit {i} refused: {exc}")
        return sent

    def drained(self, waiting_packages: bool = False) -> bool:
        """Every debit and package final, the outbox empty. With ``waiting_packages`` an
        ACCEPTED package (and its items) may still wait: after a restore, a package whose 2102
        came after the backup waits for its deadline (see restore_drill)."""
        waiting = (PackageRecord.state == "ACCEPTED") if waiting_packages else None
        with self.db.connect() as conn:
            debit_q = select(func.count()).select_from(DebitRecord).where(
                DebitRecord.state.notin_(FINAL_DEBIT))
            pkg_q = select(func.count()).select_from(PackageRecord).where(
                PackageRecord.state.notin_(FINAL_PACKAGE))
            if waiting is not None:
                debit_q = debit_q.where(DebitRecord.package_id.is_(None) | DebitRecord.package_id.notin_(
                    select(PackageRecord.id).where(waiting)))
                pkg_q = pkg_q.where(~waiting)
            open_debits = conn.execute(debit_q).scalar_one()
            open_pkgs = conn.execute(pkg_q).scalar_one()
            unsent = conn.execute(select(func.count()).select_from(OutboxRecord).where(
                OutboxRecord.sent_at.is_(None))).scalar_one()
        return open_debits == 0 and open_pkgs == 0 and unsent == 0

    def open_counts(self) -> str:
        with self.db.connect() as conn:
            d = dict(conn.execute(select(DebitRecord.state, func.count()).group_by(
                DebitRecord.state)).all())
            pk = dict(conn.execute(select(PackageRecord.state, func.count()).group_by(
                PackageRecord.state)).all())
        return f"debits {d}, packages {pk}"

    def day_switch(self) -> None:
        """The ETS's day end: 9101, 3122 per office, 3128; wait until the gateway took the 3128."""
        before = self.scalar(select(func.count()).select_from(InboxRecord)
                             .where(InboxRecord.msg_no == "3128"))
        self.sim.day_switch()
        wait_until(lambda: self.scalar(select(func.count()).select_from(InboxRecord).where(
            InboxRecord.msg_no == "3128")) > before, 300, "the gateway to take the 3128",
            [self.simulator, self.gateway, self.jobs])

    # -- checks --------------------------------------------------------------------------------

    def sim_debits(self) -> list[Any]:
        k = st.keys.c
        with self.sim.env.reader.connect() as conn:
            return conn.execute(select(k.key, k.serial, k.tax_vou_no, k.op_stat, k.entrust_date,
                                       k.tax_org_code, k.tax_pay_code, k.blocked)
                                .where(k.kind == "1001")).all()

    def checks(self) -> dict[str, Any]:
        with self.db.connect() as conn:
            debits = conn.execute(select(DebitRecord.id, DebitRecord.payer_id, DebitRecord.tax_org_code,
                                         DebitRecord.entrust_date, DebitRecord.tra_no,
                                         DebitRecord.tax_vou_no, DebitRecord.state,
                                         DebitRecord.kind)).all()
            levies_of = collections.defaultdict(list)
            for d_id, levy in conn.execute(select(DebitLevyRecord.debit_id, DebitLevyRecord.levy_id)):
                levies_of[d_id].append(levy)
            paid = {p: Decimal("0.00") for p in self.data.payers}
            paid.update(conn.execute(select(LevyRecord.payer_id, func.sum(LevyRecord.amount))
                                     .where(LevyRecord.state.in_(("PAID", "SETTLED")))
                                     .group_by(LevyRecord.payer_id)).all())
            locked = conn.execute(text(
                "SELECT COUNT(*) FROM levy l WHERE l.state = 'LOCKED' AND NOT ("
                " (l.lock_kind = 'COUNTER' AND l.lock_until > :now) OR EXISTS (SELECT 1 FROM "
                " debit_levy dl JOIN debit d ON d.id = dl.debit_id WHERE dl.levy_id = l.id AND "
                " d.state NOT IN ('SUCCEEDED','FAILED','REVERSED')))"),
                {"now": self.rt.clock()}).scalar_one()
            stored_3122 = conn.execute(select(BatchInboundRecord.body, BatchInboundRecord.ccsid)
                                       .where(BatchInboundRecord.msg_no == "3122")).all()
            inbox_dups = conn.execute(text(
                "SELECT COUNT(*) FROM (SELECT src, msg_id FROM inbox GROUP BY src, msg_id "
                "HAVING COUNT(*) > 1) x")).scalar_one()
        by_voucher = {d.tax_vou_no: d for d in debits}
        by_key = {f"{d.tax_org_code}|{d.entrust_date:%Y%m%d}|{d.tra_no}": d for d in debits
                  if d.kind == "SINGLE"}  # the ETS's 1001 keys (a 2108's TraNo is the bank's)
        sim = self.sim_debits()
        tra_nos = collections.defaultdict(set)
        for s in sim:
            tra_nos[s.tax_vou_no].add(s.key)
        two_serials = sum(1 for keys in tra_nos.values() if len(keys) > 1)
        # A TraNo the ETS holds for another voucher or payer than the gateway's debit of that
        # TraNo: the number was issued twice (the ETS answers the second with the first's result).
        reissued = sum(1 for s in sim if s.key in by_key and (
            by_key[s.key].tax_vou_no != s.tax_vou_no
            or self.code_of[by_key[s.key].payer_id] != s.tax_pay_code))
        booked = [s for s in sim if s.op_stat == "20" and not s.blocked]
        unknown = [s for s in booked if s.tax_vou_no not in by_voucher]
        # What the ETS's 3122s list (as the gateway stored them): reconciliation works from these.
        items = [i for body, ccsid in stored_3122
                 for i in self.rt.codec.decode(body, ccsid=ccsid).body.comp_deduct3122
                 if i.op_stat == "20"]
        listed = {(i.ori_entrust_date, i.ori_tra_no, i.ori_tax_vou_no) for i in items}
        untraced = sum(1 for s in unknown
                       if (dt.datetime.strptime(s.entrust_date, "%Y%m%d").date(), s.serial,
                           s.tax_vou_no) not in listed)
        # Money reconciliation must flag, per payer: 3122 items the gateway does not hold as
        # SUCCEEDED (debits it has no record of, packages it holds as failed).
        payer_code_of_voucher = {s.tax_vou_no: s.tax_pay_code for s in sim}
        flagged = collections.Counter()
        for i in items:
            d = by_voucher.get(i.ori_tax_vou_no)
            if d is None:
                code = payer_code_of_voucher.get(i.ori_tax_vou_no)
            else:
                code = self.code_of[d.payer_id] if d.state != "SUCCEEDED" else None
            if code is not None:
                flagged[code] += int(i.tra_amt * 100)
        per_levy = collections.Counter(lv for s in booked if s.tax_vou_no in by_voucher
                                       for lv in levies_of[by_voucher[s.tax_vou_no].id])
        paid_twice = sum(1 for n in per_levy.values() if n > 1)
        g = st.ledger.c
        with self.sim.env.reader.connect() as conn:
            net = {code: int(v) for code, v in conn.execute(select(
                g.tax_pay_code, func.sum(case((g.kind == "debit", g.amount_fen), else_=-g.amount_fen)))
                .group_by(g.tax_pay_code)).all()}
        gaps = explained = 0
        for pid, amount in paid.items():
            gw_fen = int(Decimal(amount) * 100)
            bank_fen = net.get(self.code_of[pid], 0)
            if bank_fen != gw_fen:
                if bank_fen - gw_fen == flagged[self.code_of[pid]]:
                    explained += 1
                else:
                    gaps += 1
        return {"two_serials": two_serials + paid_twice, "reissued": reissued,
                "money_without_paid": gaps, "gaps_reconciliation_flags": explained,
                "unknown_to_gateway": len(unknown), "untraced": untraced, "locked_without_owner": int(locked),
                "inbound_twice": int(inbox_dups), "sim_1001": len(sim), "booked": len(booked),
                "gateway_debits": len(debits)}


def chaos_run(d: Drill, args, rng: random.Random) -> int:
    d.start_all()
    d.wait_link()
    t0 = time.monotonic()
    chaos = d.chaos = Chaos(rng, [d.gateway, d.jobs], (args.kill_gap_min, args.kill_gap_max))
    chaos.start()
    load_errors: list[str] = []
    load = threading.Thread(target=lambda: load_errors.extend(d.offer(args.debits, args.rate)),
                            daemon=True)
    load.start()
    pkgs = d.packages(PACKAGES)
    counter = d.counter_payments(d.data.payers[:args.counter])
    while load.is_alive() and d.scalar(select(func.count()).select_from(DebitRecord).where(
            DebitRecord.state == "SUCCEEDED")) < args.reversals:
        time.sleep(0.5)
    reversed_n = d.reversals(args.reversals)
    load.join()
    offered = time.monotonic() - t0
    while len(chaos.log) < args.min_kills:  # kills go on into the backlog until enough were made
        time.sleep(0.2)
    chaos.halt.set()
    chaos.join()
    wait_until(d.drained, args.drain_seconds, f"everything final ({d.open_counts()})",
               [d.simulator, d.gateway, d.jobs])
    drained = time.monotonic() - t0
    d.day_switch()
    wait_until(d.drained, args.drain_seconds, f"everything final after day end ({d.open_counts()})",
               [d.simulator, d.gateway, d.jobs])
    r = d.checks()
    print(f"chaos: seed {args.seed}; {args.debits} debits offered at {args.rate:g}/s in "
          f"{offered:.0f} s ({len(load_errors)} refused {load_errors[:2]}), {len(pkgs)} packages, "
          f"{counter} counter payments, {reversed_n} reversals")
    print(f"chaos: {len(chaos.log)} SIGKILLs (gateway {d.gateway.kills}, jobs {d.jobs.kills}); "
          f"all final {drained:.0f} s after the start; {d.open_counts()}")
    for line in chaos.log:
        print(f"  {line}")
    print(f"chaos: ETS received {r['sim_1001']} distinct 1001 keys, booked {r['booked']}; "
          f"gateway debits {r['gateway_debits']}")
    print(f"chaos: debits under two serials {r['two_serials']}; money moved without PAID/SETTLED "
          f"{r['money_without_paid'] + r['gaps_reconciliation_flags']} payers; LOCKED without a "
          f"live owner {r['locked_without_owner']}; inbound applied twice {r['inbound_twice']}; "
          f"serials reissued {r['reissued']}")
    return (r["two_serials"] + r["money_without_paid"] + r["gaps_reconciliation_flags"]
            + r["locked_without_owner"] + r["inbound_twice"] + r["reissued"])


def backup_sqlite(url: str, target: Path) -> float:
    """Online backup of a live SQLite database (sqlite3 backup API, pages in steps)."""
    t = time.perf_counter()
    src = sqlite3.connect(url.removeprefix("sqlite:///"))
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=256)
    finally:
        dst.close()
        src.close()
    return time.perf_counter() - t


def restore_sqlite(url: str, backup: Path) -> None:
    """Write the backup back through SQLite (the backup API the other way round): the file is
    replaced under SQLite's own locks, so a process that still has it open (here the
    simulator's channel agent, which moves messages into QM.TAX in that file) sees the restored
    content instead of a file swapped under its WAL."""
    src = sqlite3.connect(backup)
    dst = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


PG_DATABASE = "etsgw_chaos"


def postgres_database() -> tuple[Any, str]:
    """A fresh database for the drill: on ``ETSGW_BENCH_PG_URL``'s server, else on a throwaway
    cluster of this machine's PostgreSQL binaries."""
    from tests.pgcluster import cluster_from_url, create_database, drop_database, start_cluster
    given = os.environ.get("ETSGW_BENCH_PG_URL")
    cluster = cluster_from_url(given) if given else start_cluster()
    drop_database(cluster, PG_DATABASE)
    return cluster, create_database(cluster, PG_DATABASE)


def pg_tool(cluster, name: str) -> str:
    from tests.pgcluster import find_bindir
    bindir = cluster.bindir or find_bindir()
    found = bindir / name if bindir is not None else shutil.which(name)
    if found is None or not Path(found).exists():
        raise SystemExit(f"chaos: {name} not found (PostgreSQL client binaries)")
    return str(found)


def backup_postgres(cluster, url: str, target: Path) -> float:
    """``pg_dump -Fc``: one consistent snapshot of a live database; the writers go on."""
    from tests.pgcluster import _libpq
    t = time.perf_counter()
    subprocess.run([pg_tool(cluster, "pg_dump"), "-Fc", "-f", str(target), "-d", _libpq(url)],
                   check=True, capture_output=True)
    return time.perf_counter() - t


def restore_postgres(cluster, url: str, backup: Path) -> None:
    """The runbook's restore: drop the database (closing what is still connected), create it
    again and ``pg_restore`` the dump into it."""
    from tests.pgcluster import _libpq, create_database, drop_database
    drop_database(cluster, PG_DATABASE)
    create_database(cluster, PG_DATABASE)
    subprocess.run([pg_tool(cluster, "pg_restore"), "--no-owner", "-d", _libpq(url), str(backup)],
                   check=True, capture_output=True)


def restore_drill(d: Drill, args) -> int:
    """Back up during traffic, go on, lose the database, restore, restart, go on, day end."""
    d.start_all()
    d.wait_link()
    url = d.settings.database.url
    before = d.checks()
    half = args.restore_debits // 2
    load = threading.Thread(target=d.offer, args=(args.restore_debits, args.rate), daemon=True)
    load.start()
    month = PACKAGE_PERIOD.replace(month=PACKAGES + 1)  # the drill's own package month
    sel = Selection(tax_org_code="14401000000", run_at=d.rt.clock(), period_from=month,
                    period_to=month)
    summary = d.rt.bus.handle(bm.SelectLevies(sel, "drill"))
    pkgs = int(d.rt.bus.handle(bm.PackNext(summary.list_id, "drill")) is not None)
    while d.scalar(select(func.count()).select_from(DebitRecord)) < before["gateway_debits"] + half:
        time.sleep(0.2)
    backup = d.folder / ("backup.dump" if d.cluster is not None else "backup.db")
    took = backup_postgres(d.cluster, url, backup) if d.cluster is not None else backup_sqlite(url, backup)
    at_backup = d.scalar(select(func.count()).select_from(DebitRecord))
    with d.db.connect() as conn:
        pkg_state = dict(conn.execute(select(PackageRecord.state, func.count()).group_by(
            PackageRecord.state)).all())
    print(f"restore: online backup ({'pg_dump -Fc' if d.cluster is not None else 'sqlite3 backup API'}) "
          f"of {backup.stat().st_size / 1e6:.1f} MB in {took:.2f} s with "
          f"{at_backup - before['gateway_debits']} drill debits made; drill package sent: {pkgs}, "
          f"packages then {pkg_state}")
    load.join()
    time.sleep(args.after_backup_seconds)  # the lost interval: traffic the backup does not hold
    lost = d.scalar(select(func.count()).select_from(DebitRecord)) - at_backup
    d.gateway.kill()
    d.jobs.kill()
    d.rt.close()
    d.rt = None
    d.db.dispose()  # no connection of this process may hold the old file's WAL
    if d.cluster is not None:
        d.simulator.stop()  # its channel agent delivers into QM.TAX, inside this database
        t = time.perf_counter()
        restore_postgres(d.cluster, url, backup)
        print(f"restore: database dropped, created and pg_restored in {time.perf_counter() - t:.2f} s")
    else:
        restore_sqlite(url, backup)
    if not args.no_after_restore:
        done = subprocess.run([sys.executable, "-m", "gateway.cli", "--config", str(d.cfg), "db",
                               "after-restore", "--margin", str(args.margin)],
                              capture_output=True, text=True, env={
                                  k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")})
        print(f"restore: etsgw db after-restore: {done.stdout.strip() or done.stderr.strip()}")
    print(f"restore: database restored; {lost} debits made after the backup are gone from it")
    d.start_all()
    d.wait_link()
    refused = d.offer(args.restore_debits // 4, args.rate)
    def settled() -> bool:
        return d.drained(waiting_packages=True)
    wait_until(settled, args.drain_seconds, f"everything final after the restore "
               f"({d.open_counts()})", [d.simulator, d.gateway, d.jobs])
    d.day_switch()
    wait_until(settled, args.drain_seconds, "everything final after day end",
               [d.simulator, d.gateway, d.jobs])
    r = d.checks()
    # A package ACCEPTED in the backup whose 2102 came after it: the gateway asks for its result
    # (9003) before its deadline and at it (timers.package_result_check_s, §6.10), which the
    # drill's short run may not reach; until then it waits, and the 3122 lists its items paid.
    waiting = d.scalar(select(func.count()).select_from(PackageRecord).where(
        PackageRecord.state == "ACCEPTED"))
    print(f"restore: packages ACCEPTED whose 2102 was lost with the restore, left to the deadline "
          f"and the 3122: {waiting}")
    print(f"restore: {args.restore_debits // 4} fresh debits after the restart "
          f"({len(refused)} refused {refused[:2]}); {d.open_counts()}")
    print(f"restore: TraNos reissued {r['reissued']}; money moved twice {r['two_serials']}; "
          f"payers whose money gap is not explained {r['money_without_paid']}; ETS debits unknown "
          f"to the gateway {r['unknown_to_gateway']}, of them not listed in a 3122 {r['untraced']}; "
          f"payers whose gap the 3122 explains (reconciliation must flag) "
          f"{r['gaps_reconciliation_flags']}; LOCKED without owner "
          f"{r['locked_without_owner']}; inbound applied twice {r['inbound_twice']}")
    return (r["reissued"] + r["two_serials"] + r["money_without_paid"] + r["untraced"]
            + r["locked_without_owner"] + r["inbound_twice"])


def main(argv: list[str] | None = None) -> tuple[int, int]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--debits", type=int, default=20_000)
    ap.add_argument("--rate", type=float, default=30.0, help="offered debits per second")
    ap.add_argument("--payers", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kill-gap-min", type=float, default=8.0)
    ap.add_argument("--kill-gap-max", type=float, default=25.0)
    ap.add_argument("--min-kills", type=int, default=5, help="kill at least this often")
    ap.add_argument("--counter", type=int, default=5, help="counter payments")
    ap.add_argument("--reversals", type=int, default=5)
    ap.add_argument("--timer-scale", type=float, default=6.0,
                    help="answer timers ×: ack 10 s, result 20 s, in-doubt 3/6/10 s at 1")
    ap.add_argument("--drain-seconds", type=float, default=900.0)
    ap.add_argument("--restore-debits", type=int, default=2000)
    ap.add_argument("--after-backup-seconds", type=float, default=3.0)
    ap.add_argument("--margin", type=int, default=10_000,
                    help="etsgw db after-restore --margin (serials the lost interval may hold)")
    ap.add_argument("--no-after-restore", action="store_true",
                    help="skip etsgw db after-restore (shows the reissued serials)")
    ap.add_argument("--no-restore", action="store_true")
    ap.add_argument("--postgres", action="store_true",
                    help="the gateway's database on PostgreSQL (a throwaway cluster, or the server "
                         "of ETSGW_BENCH_PG_URL); the restore drill uses pg_dump / pg_restore")
    args = ap.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    print(f"chaos seed {args.seed}")
    from gateway.logconfig import configure_logging
    configure_logging(load_settings(None, environ={}).replace(log={"level": "WARNING"}))
    rng = random.Random(args.seed)
    d = Drill(args)
    try:
        chaos_v = chaos_run(d, args, rng)
        restore_v = 0 if args.no_restore else restore_drill(d, args)
    finally:
        d.close()
    suffix = "_pg" if args.postgres else ""
    print(f"BENCH chaos_violations{suffix} {chaos_v} count")
    if not args.no_restore:
        print(f"BENCH restore_violations{suffix} {restore_v} count")
    if chaos_v == 0 and restore_v == 0:
        shutil.rmtree(d.folder, ignore_errors=True)
    else:
        print(f"logs and databases kept in {d.folder}")
    return chaos_v, restore_v


if __name__ == "__main__":
    main()
