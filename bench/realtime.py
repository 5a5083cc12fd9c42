"""Real-time debits per second and latency: N concurrent payers against the simulator.

The gateway worker (`etsgw gateway`) and the simulator (`etsgw sim run`) run as separate
processes over the embedded transport, on SQLite with durable commits (WAL, synchronous=FULL),
exactly as in the demo. This process plays N payers (the portal's role): each submits a 1001 for
one of its levies through the message bus, waits until the debit is resolved, and submits the
next. Latencies:

- submit: the front-end call (levies locked, debit and 1001 written in one commit);
- end to end: from the 1001's commit (``sent_at``) to the debit's resolution (``resolved_at``),
  both written by the gateway: relay, channel, simulator, channel back, 9120 and 2001 processed.

Usage: ``python bench/realtime.py [--seconds 60] [--payers 50] [--workers 1]``; with
``ETSGW_BENCH_PG_URL`` (any database on a PostgreSQL server) it also runs there, in a
throwaway database; ``--pg-only`` skips the SQLite run.
Ends with ``BENCH realtime_debits_per_s`` and ``BENCH realtime_p99_ms`` (SQLite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.domain.commands import SubmitDebit  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence.records import DebitRecord  # noqa: E402
from gateway.runtime.app import build_runtime  # noqa: E402
from gateway.simulator import Simulator  # noqa: E402


def write_config(folder: Path, db_url: str, payers: int) -> Path:
    cfg = folder / "bench.toml"
    cfg.write_text(f"""
[gateway]
initial_work_date = "{dt.date.today():%Y%m%d}"
max_in_flight = {max(50, payers)}
link_test_idle_s = 3600
[database]
url = "{db_url}"
[simulator]
database_url = "sqlite:///{folder / 'sim.db'}"
[log]
level = "WARNING"
[transport]
get_wait_ms = 200
""", encoding="utf-8")
    return cfg


def seed(engine, payers: int, levies_per_payer: int) -> list[tuple[int, list[int]]]:
    """Payers with ACTIVE agreements and many small levies, loaded with bulk inserts."""
    from tests.support.seed import seed as seed_small

    data = seed_small(engine, units=payers, levy_amounts=(Decimal("100.00"),))
    with engine.begin() as conn:
        rows = []
        for p in data.payers:
            for k in range(1, levies_per_payer):
                start = dt.date(2000 + k // 12, k % 12 + 1, 1)
                rows.append((p, "14401060000", "MEDICAL", start, start + dt.timedelta(days=27), 10000))
        conn.exec_driver_sql(
            "INSERT INTO levy (payer_id, tax_org_code, insurance_code, period_start, period_end, "
            "amount, state, lock_reason, paid_by, declaration_no, version, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'UNPAID', '', '', '', 1, CURRENT_TIMESTAMP)"
            if engine.dialect.name == "sqlite" else
            "INSERT INTO levy (payer_id, tax_org_code, insurance_code, period_start, period_end, "
            "amount, state, lock_reason, paid_by, declaration_no, version, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'UNPAID', '', '', '', 1, CURRENT_TIMESTAMP)", rows)
        out = []
        for p in data.payers:
            ids = conn.execute(text("SELECT id FROM levy WHERE payer_id = :p ORDER BY id"),
                               {"p": p}).scalars().all()
            out.append((p, list(ids)))
    return out, data


def start(cfg: Path, *args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, ETSGW_CONFIG=str(cfg))
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "wb"))


class Resolutions:
    """One poller instead of N: wakes the payer waiting for each resolved debit."""

    def __init__(self, engine) -> None:
        self.engine, self.events, self.lock = engine, {}, threading.Lock()
        self.stop = threading.Event()
        self.last_id = 0

    def wait_for(self, debit_id: int) -> threading.Event:
        with self.lock:
            return self.events.setdefault(debit_id, threading.Event())

    def run(self) -> None:
        pending: set[int] = set()
        while not self.stop.is_set():
            with self.lock:
                pending |= set(self.events) - pending
            if pending:
                with self.engine.connect() as conn:
                    done = conn.execute(select(DebitRecord.id).where(
                        DebitRecord.id.in_(list(pending)), DebitRecord.resolved_at.is_not(None)))
                    for (debit_id,) in done:
                        pending.discard(debit_id)
                        with self.lock:
                            self.events.pop(debit_id).set()
            time.sleep(0.003)


def run(db_url: str, seconds: float, payers: int, workers: int, label: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="etsgw-bench-rt-"))
    cfg = write_config(folder, db_url, payers)
    settings = load_settings(cfg)
    app = build(settings)
    migrate.upgrade(app.engine)
    rate_guess = 1500
    per_payer = int(rate_guess * seconds / payers) + 50
    levies, data = seed(app.engine, payers, per_payer)
    sim = Simulator(settings)
    sim.load_accounts({"pay_bk_code": "102581000013", "pay_op_bk_code": "102581002107",
                       "acct": data.accounts[p], "name": data.names[p],
                       "tax_pay_code": data.codes[p], "balance": "100000000.00",
                       "protocol_no": data.protocols[p]} for p in data.payers)
    sim.close()
    procs = [start(cfg, "sim", "run", log=folder / "sim.log")]
    procs += [start(cfg, "gateway", *([] if i == 0 else ["--no-channel", "--no-sweeper"]),
                    log=folder / f"gateway{i}.log") for i in range(workers)]
    rt = build_runtime(app)
    res = Resolutions(app.reader)
    poller = threading.Thread(target=res.run, daemon=True)
    poller.start()
    submit_ms: list[float] = []
    errors: list[str] = []
    stop_at = [0.0]
    warmup_s = 3.0

    def payer(pid: int, ids: list[int]) -> None:
        for levy in ids:
            if time.monotonic() >= stop_at[0]:
                return
            t0 = time.monotonic()
            try:
                d = rt.bus.handle(SubmitDebit(payer_id=pid, levy_ids=(levy,), requested_by="bench"))
            except Exception as exc:  # report, never hide
                errors.append(f"{type(exc).__name__}: {exc}")
                time.sleep(0.05)
                continue
            submit_ms.append((time.monotonic() - t0) * 1000)
            if not res.wait_for(d.id).wait(120):
                errors.append(f"debit {d.id} unresolved after 120 s")
                return

    try:
        begin = time.monotonic()
        stop_at[0] = begin + warmup_s + seconds
        threads = [threading.Thread(target=payer, args=(p, ids), daemon=True) for p, ids in levies]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=warmup_s + seconds + 150)
        measured_from = dt.datetime.now() - dt.timedelta(seconds=time.monotonic() - begin - warmup_s)
        with app.engine.connect() as conn:
            rows = conn.execute(select(DebitRecord.sent_at, DebitRecord.resolved_at, DebitRecord.state)
                                .where(DebitRecord.resolved_at.is_not(None))).all()
    finally:
        res.stop.set()
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        rt.close()
    window = [r for r in rows if r.sent_at >= measured_from]
    if not window:
        raise SystemExit(f"{label}: no debit resolved; errors: {errors[:5]}; logs in {folder}")
    span = (max(r.resolved_at for r in window) - min(r.sent_at for r in window)).total_seconds()
    e2e = sorted((r.resolved_at - r.sent_at).total_seconds() * 1000 for r in window)
    ok = sum(1 for r in window if r.state == "SUCCEEDED")
    result = {
        "label": label, "debits": len(window), "succeeded": ok, "seconds": span,
        "per_s": len(window) / span if span > 0 else 0.0,
        "e2e_p50": statistics.median(e2e), "e2e_p99": e2e[min(len(e2e) - 1, int(len(e2e) * 0.99))],
        "submit_p50": statistics.median(submit_ms) if submit_ms else 0.0,
        "submit_p99": sorted(submit_ms)[int(len(submit_ms) * 0.99)] if submit_ms else 0.0,
        "errors": len(errors), "first_errors": errors[:3],
    }
    print(f"{label}: {result['debits']} debits ({ok} succeeded) in {span:.1f} s = "
          f"{result['per_s']:.1f}/s; end to end p50 {result['e2e_p50']:.1f} ms, "
          f"p99 {result['e2e_p99']:.1f} ms; submit (gateway API) p50 {result['submit_p50']:.1f} ms, "
          f"p99 {result['submit_p99']:.1f} ms; errors {len(errors)} {errors[:2]}")
    return result


def run_postgres(server_url: str, seconds: float, payers: int, workers: int) -> dict:
    """Run in a database of its own on that server and drop it afterwards."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"etsgw_bench_rt_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        return run(url, seconds, payers, workers, "PostgreSQL")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--payers", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--pg-only", action="store_true", help="only the PostgreSQL run")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="etsgw-bench-rt-db-"))
    pg_url = os.environ.get("ETSGW_BENCH_PG_URL")
    if args.pg_only:
        if not pg_url:
            raise SystemExit("--pg-only needs ETSGW_BENCH_PG_URL")
        run_postgres(pg_url, args.seconds, args.payers, args.workers)
        return
    sqlite = run(f"sqlite:///{folder / 'gw.db'}", args.seconds, args.payers, args.workers, "SQLite")
    if pg_url:
        run_postgres(pg_url, args.seconds, args.payers, args.workers)
    print(f"BENCH realtime_debits_per_s {sqlite['per_s']:.1f} 1/s")
    print(f"BENCH realtime_p99_ms {sqlite['e2e_p99']:.1f} ms")


if __name__ == "__main__":
    main()
