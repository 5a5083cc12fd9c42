"""Real-time debits: open-loop throughput, portal latency, CPU per debit, codec floor, idle CPU.

The gateway worker(s) (`etsgw gateway`) and the simulator (`etsgw sim run`) run as separate
processes over the embedded transport, on SQLite with durable commits (WAL, synchronous=FULL).
This process is the front end:

1. open loop: it offers ``--rate`` debits per second of distinct payers for ``--seconds`` through
   ``submit_many`` (SubmitDebits, one unit of work per tick of 10 ms); completions per second of
   the steady state (after ``--warmup``) and end-to-end latency percentiles from the gateway's own
   timestamps (``sent_at``: the 1001's commit; ``resolved_at``: the 2001 processed);
2. portal load: ``--portal-rate`` single submits per second (SubmitDebit, one transaction each)
   from 20 threads for ``--portal-seconds``; its end-to-end p50/p99;
3. CPU per completed debit of each process (psutil): gateway (all its workers), simulator,
   front end; the codec floor (encode with validation + decode of the 1001, 9120 and 2001 of
   one debit, as they cross) and the ratio of the gateway's CPU per debit to it;
4. idle: the gateway worker's CPU over ``--idle-seconds`` with no traffic, % of one core; then
   ``--after-idle`` single debits, each after a pause without traffic, and their end-to-end ms
   (the wake-up watchers back off while idle; this is what the first message then pays).

With ``ETSGW_BENCH_PG_URL`` (any database on a PostgreSQL server) the open-loop run is repeated
there in a throwaway database with 1 and 2 gateway workers. Ends with the BENCH lines of issue 10.
Usage: ``python bench/realtime.py [--rate 1000] [--seconds 60] [--portal-seconds 30]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.domain import commands  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence.records import DebitRecord  # noqa: E402
from gateway.simulator import Simulator  # noqa: E402

TICK_S = 0.01
# The front end's unit of work takes at most this many debits (the rest wait for its next tick),
# as any caller of submit_many should: one unbounded tick behind a backlog held SQLite's write
# lock for seconds and starved the gateway (0 completions at 1,000/s offered).
MAX_PER_UNIT = 100


def write_config(folder: Path, db_url: str, competing: bool = False,
                 max_in_flight: int = 1_000_000) -> Path:
    """``competing``: several gateway workers share the database (PostgreSQL only; without it
    the gateway's process lease refuses the second worker). ``max_in_flight``: the gateway's
    admission limit; the open loop's default refuses nothing (what is offered is submitted)."""
    cfg = folder / "bench.toml"
    cfg.write_text(f"""
[gateway]
competing_workers = {"true" if competing else "false"}
initial_work_date = "{dt.date.today():%Y%m%d}"
max_in_flight = {max_in_flight}
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


def seed(engine, payers: int, levies_per_payer: int):
    """Payers with ACTIVE agreements and many small levies, loaded with bulk inserts."""
    from tests.support.seed import seed as seed_small

    data = seed_small(engine, units=payers, levy_amounts=(Decimal("100.00"),))
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    with engine.begin() as conn:
        rows = []
        for p in data.payers:
            for k in range(1, levies_per_payer):
                start = dt.date(2000 + k // 12, k % 12 + 1, 1)
                rows.append((p, "14401060000", "MEDICAL", start, start + dt.timedelta(days=27), 10000))
        conn.exec_driver_sql(
            "INSERT INTO levy (payer_id, tax_org_code, insurance_code, period_start, period_end, "
            "amount, state, lock_reason, paid_by, declaration_no, version, created_at) "
            f"VALUES ({', '.join([mark] * 6)}, 'UNPAID', '', '', '', 1, CURRENT_TIMESTAMP)", rows)
        levies: dict[int, list[int]] = {p: [] for p in data.payers}
        for payer, levy in conn.execute(text("SELECT payer_id, id FROM levy ORDER BY id")):
            levies[payer].append(levy)
    return levies, data


def start(cfg: Path, *args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, ETSGW_CONFIG=str(cfg))
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "wb"))


def cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


class Offer:
    """Hands out (payer, levy) pairs so that consecutive debits have distinct payers."""

    def __init__(self, levies: dict[int, list[int]]) -> None:
        self.queue = [iter(ids) for ids in levies.values()]
        self.payers = list(levies)
        self.i = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[int, int]:
        with self.lock:
            k = self.i % len(self.payers)
            self.i += 1
            return self.payers[k], next(self.queue[k])


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def latencies(engine, since: dt.datetime, until: dt.datetime, ids: set[int] | None = None):
    with engine.connect() as conn:
        rows = conn.execute(select(DebitRecord.id, DebitRecord.sent_at, DebitRecord.resolved_at,
                                   DebitRecord.state)
                            .where(DebitRecord.sent_at >= since, DebitRecord.sent_at < until)).all()
    if ids is not None:
        rows = [r for r in rows if r.id in ids]
    done = [r for r in rows if r.resolved_at is not None]
    e2e = [(r.resolved_at - r.sent_at).total_seconds() * 1000 for r in done]
    return rows, done, e2e


def wait_drained(engine, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with engine.connect() as conn:
            if conn.execute(select(DebitRecord.id).where(DebitRecord.resolved_at.is_(None))
                            .limit(1)).first() is None:
                return
        time.sleep(0.2)


def wait_ready(app, deadline_s: float) -> None:
    """Until the gateway's first link test (9005) has been answered: both processes are up and
    the path works. A fixed start-up sleep is not enough on a busy machine (importing the CLI
    takes seconds), and load offered before that only measures a start-up backlog."""
    from gateway.services import status

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with app.uow() as uow:
            pending = uow.state.get(status.LINK_TEST_PENDING)
            up = uow.state.get(status.LINK, "UP") == "UP"
        if pending == "" and up:
            return
        time.sleep(0.1)
    raise SystemExit("the gateway's link test was not answered: are the workers running?")


def open_loop(app, offer: Offer, rate: float, seconds: float, warmup: float) -> dict:
    bus, clock = app.bus, app.clock
    errors: list[str] = []
    begin = time.monotonic()
    t_begin = clock()
    submitted = 0
    batch_sizes = []
    while True:
        elapsed = time.monotonic() - begin
        if elapsed >= warmup + seconds:
            break
        due = min(int(rate * elapsed) - submitted, MAX_PER_UNIT)
        if due > 0:
            many = tuple(commands.SubmitDebit(payer_id=p, levy_ids=(lv,), requested_by="bench")
                         for p, lv in (offer.next() for _ in range(due)))
            try:
                if hasattr(commands, "SubmitDebits"):
                    results = bus.handle(commands.SubmitDebits(debits=many))
                else:  # the code before issue 10 (the "before" figures): one by one
                    results = [bus.handle(one) for one in many]
                errors += [f"{type(r).__name__}: {r}" for r in results if isinstance(r, Exception)]
            except Exception as exc:  # report, never hide
                errors.append(f"{type(exc).__name__}: {exc}")
            submitted += due
            batch_sizes.append(due)
        time.sleep(max(0.0, TICK_S - (time.monotonic() - begin - elapsed)))
    t_end = clock()
    return {"from": t_begin + dt.timedelta(seconds=warmup), "until": t_end, "errors": errors,
            "submitted": submitted, "ticks": len(batch_sizes)}


def portal(app, offer: Offer, rate: float, seconds: float, threads: int = 20) -> dict:
    """``rate`` single submits per second from ``threads`` threads, each on a fixed schedule."""
    bus, clock = app.bus, app.clock
    ids: set[int] = set()
    errors: list[str] = []
    submit_ms: list[float] = []
    lock = threading.Lock()
    t0, begin = clock(), time.monotonic()
    period = threads / rate

    def run(k: int) -> None:
        n = 0
        while True:
            at = begin + k * period / threads + n * period
            if at - begin >= seconds:
                return
            time.sleep(max(0.0, at - time.monotonic()))
            p, lv = offer.next()
            s = time.monotonic()
            try:
                d = bus.handle(commands.SubmitDebit(payer_id=p, levy_ids=(lv,), requested_by="portal"))
                with lock:
                    ids.add(d.id)
                    submit_ms.append((time.monotonic() - s) * 1000)
            except Exception as exc:  # noqa: BLE001 - counted and shown
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
            n += 1
    workers = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"from": t0, "until": clock(), "ids": ids, "errors": errors, "submit_ms": submit_ms}


#: Longer than the wake-up watcher's quiet spell (wakeup.IDLE_AFTER_S), so that each debit
#: meets a gateway and a simulator that have backed off to their idle interval.
AFTER_IDLE_PAUSE_S = 2.0


def after_idle(app, offer: Offer, count: int) -> list[float]:
    """End-to-end ms of ``count`` single debits, each submitted after a pause without traffic."""
    out = []
    for _ in range(count):
        time.sleep(AFTER_IDLE_PAUSE_S)
        p, lv = offer.next()
        d = app.bus.handle(commands.SubmitDebit(payer_id=p, levy_ids=(lv,), requested_by="idle"))
        end = time.monotonic() + 30.0
        while time.monotonic() < end:
            with app.engine.connect() as conn:
                row = conn.execute(select(DebitRecord.sent_at, DebitRecord.resolved_at)
                                   .where(DebitRecord.id == d.id)).one()
            if row.resolved_at is not None:
                out.append((row.resolved_at - row.sent_at).total_seconds() * 1000)
                break
            time.sleep(0.01)
    return out


def codec_floor_ms(app, n: int = 200) -> float:
    """Encode (validated) + decode of the 1001, 9120 and 2001 of one debit, in ms."""
    from gateway.codec import CfxMessage, Head
    from gateway.codec.messages import Msg2001, Msg9120, MsgReturn9120, SingleReturn2001
    from gateway.persistence.records import OutboxRecord

    codec = app.codec
    with app.engine.connect() as conn:
        rec = conn.execute(select(OutboxRecord).where(OutboxRecord.msg_no == "1001").limit(1)).one()
    req = codec.decode(rec.body, ccsid=rec.ccsid)
    h = req.head
    back = dict(ver="1.0", src=h.des, des=h.src, app=h.app, msg_ref=h.msg_id, work_date=h.work_date)
    rh, pay = req.body.real_head1001, req.body.payment1001
    msgs = [req,
            CfxMessage(head=Head(msg_no="9120", msg_id=h.msg_id[:-1] + "8", **back),
                       body=Msg9120(MsgReturn9120(ori_msg_no="1001", result="90000", add_word=None))),
            CfxMessage(head=Head(msg_no="2001", msg_id=h.msg_id[:-1] + "9", **back),
                       body=Msg2001(SingleReturn2001(
                           ori_tax_org_code=rh.tax_org_code, ori_entrust_date=rh.entrust_date,
                           ori_tra_no=rh.tra_no, tax_vou_no=pay.tax_vou_no, tax_date=h.work_date,
                           result="90000", add_word=None)))]
    start_t = time.process_time()
    for _ in range(n):
        for m in msgs:
            codec.decode(codec.encode(m), ccsid=codec.ccsid)
    return (time.process_time() - start_t) * 1000 / n


def run(db_url: str, args, workers: int, label: str, full: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="etsgw-bench-rt-"))
    cfg = write_config(folder, db_url, competing=workers > 1, max_in_flight=args.max_in_flight)
    settings = load_settings(cfg)
    app = build(settings)
    migrate.upgrade(app.engine)
    total = int(args.rate * (args.seconds + args.warmup) * 1.1
                + (args.portal_rate * args.portal_seconds * 1.1 if full else 0)) + 1000
    levies, data = seed(app.engine, args.payers, total // args.payers + 2)
    sim = Simulator(settings)
    sim.load_accounts({"pay_bk_code": "102581000013", "pay_op_bk_code": "102581002107",
                       "acct": data.accounts[p], "name": data.names[p],
                       "tax_pay_code": data.codes[p], "balance": "100000000000.00",
                       "protocol_no": data.protocols[p]} for p in data.payers)
    sim.close()
    sim_p = start(cfg, "sim", "run", log=folder / "sim.log")
    gws = [start(cfg, "gateway", *([] if i == 0 else ["--no-channel", "--no-sweeper"]),
                 log=folder / f"gateway{i}.log") for i in range(workers)]
    procs = {"gateway": [psutil.Process(p.pid) for p in gws], "simulator": [psutil.Process(sim_p.pid)],
             "front end": [psutil.Process()]}
    offer = Offer(levies)
    result: dict = {"label": label}
    try:
        wait_ready(app, deadline_s=120.0)
        cpu0 = {k: sum(cpu_s(p) for p in ps) for k, ps in procs.items()}
        ol = open_loop(app, offer, args.rate, args.seconds, args.warmup)
        wait_drained(app.engine, args.drain_seconds)
        cpu1 = {k: sum(cpu_s(p) for p in ps) for k, ps in procs.items()}
        rows, done, e2e = latencies(app.engine, ol["from"], ol["until"])
        all_rows, all_done, _ = latencies(app.engine, dt.datetime(2000, 1, 1), ol["until"])
        with app.engine.connect() as conn:
            finished = conn.execute(select(DebitRecord.resolved_at).where(
                DebitRecord.resolved_at >= ol["from"], DebitRecord.resolved_at < ol["until"])).all()
        steady = (ol["until"] - ol["from"]).total_seconds()
        n_all = len(all_done)
        result.update(
            offered=args.rate, completed_per_s=len(finished) / steady, sent_in_window=len(rows),
            e2e_p50=percentile(e2e, 0.5), e2e_p99=percentile(e2e, 0.99),
            errors=len(ol["errors"]), first_errors=ol["errors"][:2],
            unresolved=len(all_rows) - n_all,
            cpu_ms={k: (cpu1[k] - cpu0[k]) * 1000 / max(1, n_all) for k in procs})
        submitted_per_s = ol["submitted"] / max(args.warmup + args.seconds, 1e-9)
        print(f"{label} open loop, {workers} worker(s), offered {args.rate}/s (front end submitted "
              f"{submitted_per_s:.1f}/s in units of at most {MAX_PER_UNIT}): "
              f"{result['completed_per_s']:.1f} completed/s (steady {steady:.0f} s); e2e p50 "
              f"{result['e2e_p50']:.1f} ms, p99 {result['e2e_p99']:.1f} ms; {n_all} debits, "
              f"{result['unresolved']} unresolved; errors {result['errors']} {result['first_errors']}")
        print(f"{label} CPU per debit: " + ", ".join(f"{k} {v:.2f} ms" for k, v in
                                                     result["cpu_ms"].items()))
        if full:
            po = portal(app, offer, args.portal_rate, args.portal_seconds)
            wait_drained(app.engine, args.drain_seconds)
            _, pdone, pe2e = latencies(app.engine, po["from"], po["until"], po["ids"])
            result.update(portal_p50=percentile(pe2e, 0.5), portal_p99=percentile(pe2e, 0.99),
                          portal_submit_p99=percentile(po["submit_ms"], 0.99))
            print(f"{label} portal {args.portal_rate}/s from 20 threads: {len(pdone)} debits; e2e "
                  f"p50 {result['portal_p50']:.1f} ms, p99 {result['portal_p99']:.1f} ms; submit "
                  f"p99 {result['portal_submit_p99']:.1f} ms; errors {len(po['errors'])} "
                  f"{po['errors'][:2]}")
            floor = codec_floor_ms(app)
            result.update(floor_ms=floor, ratio=result["cpu_ms"]["gateway"] / floor)
            print(f"{label} codec floor (1001, 9120, 2001 encoded+validated+decoded): "
                  f"{floor:.3f} ms; gateway CPU / floor {result['ratio']:.1f}x")
            time.sleep(2.0)
            c0, t0 = sum(cpu_s(p) for p in procs["gateway"]), time.monotonic()
            s0 = cpu_s(procs["simulator"][0])
            time.sleep(args.idle_seconds)
            span = time.monotonic() - t0
            result["idle_gw"] = (sum(cpu_s(p) for p in procs["gateway"]) - c0) / span * 100
            result["idle_sim"] = (cpu_s(procs["simulator"][0]) - s0) / span * 100
            print(f"{label} idle {args.idle_seconds:.0f} s: gateway {result['idle_gw']:.2f} %, "
                  f"simulator {result['idle_sim']:.2f} % of one core")
            after = after_idle(app, offer, args.after_idle)
            result["after_idle_max"] = max(after, default=float("nan"))
            print(f"{label} after idle: {len(after)} single debits, each after "
                  f"{AFTER_IDLE_PAUSE_S:.0f} s without traffic: e2e "
                  + ", ".join(f"{v:.0f}" for v in after) + " ms")
    finally:
        for p in [sim_p, *gws]:
            p.send_signal(signal.SIGINT)
        for p in [sim_p, *gws]:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        app.close()
    return result


def run_postgres(server_url: str, args, workers: int) -> dict:
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
        return run(url, args, workers, "PostgreSQL", full=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=1000.0, help="offered debits per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="open-loop steady state")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--payers", type=int, default=500)
    ap.add_argument("--portal-rate", type=float, default=200.0)
    ap.add_argument("--portal-seconds", type=float, default=30.0)
    ap.add_argument("--idle-seconds", type=float, default=30.0)
    ap.add_argument("--after-idle", type=int, default=5,
                    help="single debits after idle pauses, for the latency after idle")
    ap.add_argument("--pg-workers", default="1,2")
    ap.add_argument("--max-in-flight", type=int, default=1_000_000,
                    help="the gateway's admission limit (max_in_flight); a refused submit is "
                         "counted as an error (TooManyInFlight)")
    ap.add_argument("--drain-seconds", type=float, default=300.0,
                    help="the longest to wait for the backlog to resolve before the next phase")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="etsgw-bench-rt-db-"))
    sqlite = run(f"sqlite:///{folder / 'gw.db'}", args, 1, "SQLite", full=True)
    pg_url = os.environ.get("ETSGW_BENCH_PG_URL")
    if pg_url:
        for w in [int(x) for x in args.pg_workers.split(",") if x]:
            run_postgres(pg_url, args, w)
    print(f"BENCH idle_gateway_cpu_percent {sqlite['idle_gw']:.2f} %")
    print(f"BENCH realtime_gateway_cpu_ms_per_debit {sqlite['cpu_ms']['gateway']:.2f} ms")
    print(f"BENCH realtime_cpu_over_codec_floor {sqlite['ratio']:.1f} x")
    print(f"BENCH realtime_portal_p99_ms {sqlite['portal_p99']:.1f} ms")
    print(f"BENCH realtime_debits_per_s {sqlite['completed_per_s']:.1f} 1/s")
    print(f"BENCH realtime_p99_ms {sqlite['e2e_p99']:.1f} ms")


if __name__ == "__main__":
    main()
