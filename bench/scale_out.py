"""Scale-out: 1, 2 and 4 competing gateway workers against one simulator on PostgreSQL.

Every run is the open loop of :mod:`bench.realtime` (its ``run``: seeding, the simulator and the
workers as separate ``etsgw`` processes over the embedded transport, the front end offering
``--rate`` debits/s for ``--seconds``, latency from the gateway's own timestamps, CPU per debit
of each process) in a fresh database of one throwaway PostgreSQL cluster
(:func:`tests.pgcluster.start_cluster`: fsync and synchronous_commit off, as for the tests), with
``gateway.competing_workers = true`` so that the workers share the database (the first one runs
the sender channel agent and the sweeper, the others ``--no-channel --no-sweeper``).

Where the time goes, per run: a sampler reads ``pg_stat_activity`` every 20 ms and counts the
sessions of the bench database that are running, waiting on a lock (heavyweight ``Lock`` = row
or transaction locks; ``LWLock``; ``IO``) or sitting idle inside a transaction; the PostgreSQL
server's own CPU per debit is read from its processes (psutil).

Floor: the bare psycopg commit rate on the same cluster (one connection, one-row INSERT and
COMMIT in a loop) and the ratio of each run's debits/s to it. The machine has 2 cores shared by
several engineers: workers, simulator, front end and PostgreSQL all compete for them.

Usage: ``python bench/scale_out.py [--workers 1,2,4] [--rate 60] [--seconds 15]``.
Ends with ``BENCH scale_out_<n>_workers_debits_per_s`` per count and
``BENCH scale_out_2_workers_speedup <v> x``.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime  # noqa: E402  (bench/realtime.py: the open-loop machinery reused here)

from tests.pgcluster import _libpq, start_cluster  # noqa: E402

_FOLDERS: list[Path] = []
_write_config = realtime.write_config


def _competing_config(folder: Path, db_url: str) -> Path:
    """realtime's configuration with competing workers allowed (several on one database)."""
    cfg = _write_config(folder, db_url)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[gateway]\n", "[gateway]\ncompeting_workers = true\n", 1), encoding="utf-8")
    _FOLDERS.append(folder)
    return cfg


realtime.write_config = _competing_config


class ActivitySampler(threading.Thread):
    """Counts what the bench database's sessions are doing, every ``period_s``."""

    QUERY = ("SELECT a.state, coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''), "
             "CASE WHEN a.wait_event_type = 'Lock' THEN left(a.query, 60) || ' <- ' || "
             "(SELECT left(b.query, 60) FROM pg_stat_activity b "
             "WHERE b.pid = (pg_blocking_pids(a.pid))[1]) END "
             "FROM pg_stat_activity a WHERE a.datname LIKE 'etsgw_bench_rt_%' "
             "AND a.backend_type = 'client backend'")

    def __init__(self, dsn: str, period_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.dsn, self.period_s = dsn, period_s
        self.stop = threading.Event()
        self.counts: collections.Counter[str] = collections.Counter()
        self.events: collections.Counter[str] = collections.Counter()
        self.blocked: collections.Counter[str] = collections.Counter()  # waiter's <- blocker's query
        self.samples = 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.wait(self.period_s):
                rows = conn.execute(self.QUERY).fetchall()
                if not any(row[0] == "active" for row in rows):
                    continue  # set-up or drain: no work in flight
                self.samples += 1
                for state, wtype, event, blocked in rows:
                    if state == "active":
                        kind = "running" if wtype == "" else wtype
                        self.counts[kind] += 1
                        if wtype in ("Lock", "LWLock", "IO"):
                            self.events[f"{wtype}:{event}"] += 1
                        if blocked:
                            self.blocked[" ".join(blocked.split())] += 1
                    elif state and state.startswith("idle in transaction"):
                        self.counts["idle in transaction"] += 1

    def summary(self) -> str:
        n = max(1, self.samples)
        parts = [f"{k} {v / n:.2f}" for k, v in self.counts.most_common()]
        top = ", ".join(f"{k} {v / n:.2f}" for k, v in self.events.most_common(3))
        who = "; ".join(f"{v / n:.2f} x [{k}]" for k, v in self.blocked.most_common(3))
        return ("sessions per sample: " + (", ".join(parts) or "none")
                + (f"; top waits: {top}" if top else "")
                + (f"; waiting statement <- blocker's last statement: {who}" if who else ""))


def server_cpu_s(postmaster_pid: int) -> float:
    """CPU of the PostgreSQL server: the postmaster, its live processes and (through the
    postmaster's children times) the backends that have exited and been reaped."""
    root = psutil.Process(postmaster_pid)
    t = root.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for p in root.children(recursive=True):
        try:
            c = p.cpu_times()
            total += c.user + c.system
        except psutil.NoSuchProcess:
            pass
    return total


def commit_floor(dsn: str, seconds: float = 3.0) -> float:
    """Commits per second of one bare psycopg connection: one-row INSERT + COMMIT."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id serial PRIMARY KEY, v int)")
        conn.commit()
        n, end = 0, time.monotonic() + seconds
        begin = time.monotonic()
        while time.monotonic() < end:
            conn.execute("INSERT INTO bench_floor (v) VALUES (%s)", (n,))
            conn.commit()
            n += 1
        rate = n / (time.monotonic() - begin)
        conn.execute("DROP TABLE bench_floor")
        conn.commit()
    return rate


def worker_logs() -> tuple[int, int, list[str]]:
    """Of the last run's worker logs: messages backed out, deadlocks among them, and the last
    line of each non-empty log (e.g. a refused lease)."""
    backouts = deadlocks = 0
    tails = []
    for log in sorted(_FOLDERS[-1].glob("gateway*.log")):
        text = log.read_text(encoding="utf-8", errors="replace")
        backouts += text.count("processing failed")
        deadlocks += text.count("sqlalchemy.exc.OperationalError: (psycopg.errors.DeadlockDetected)")
        if text.strip():
            tails.append(f"{log.name}: {text.strip().splitlines()[-1][:160]}")
    return backouts, deadlocks, tails


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    ap.add_argument("--rate", type=float, default=60.0,
                    help="offered debits per second (above one worker's capacity here)")
    ap.add_argument("--seconds", type=float, default=15.0, help="measured steady state per run")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--payers", type=int, default=500)
    ap.add_argument("--drain-seconds", type=float, default=20.0)
    args = ap.parse_args()
    counts = [int(x) for x in args.workers.split(",") if x]
    cluster = start_cluster()
    results: dict[int, dict] = {}
    try:
        dsn = _libpq(cluster.url("postgres"))
        postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
        floor = commit_floor(dsn)
        print(f"floor: bare psycopg one-row INSERT+COMMIT on this cluster {floor:.0f} commits/s "
              "(fsync and synchronous_commit off)")
        print(f"machine: {psutil.cpu_count()} cores shared with other engineers; load average "
              f"{os.getloadavg()[0]:.1f} at start")
        for n in counts:
            sampler = ActivitySampler(dsn)
            sampler.start()
            pg0 = server_cpu_s(postmaster)
            load0 = os.getloadavg()[0]
            r = realtime.run_postgres(cluster.url("postgres"), args, n)
            pg1 = server_cpu_s(postmaster)
            sampler.stop.set()
            sampler.join()
            done = max(1, int(args.rate * (args.seconds + args.warmup)))  # debits offered
            backouts, deadlocks, tails = worker_logs()
            r.update(pg_cpu_ms=(pg1 - pg0) * 1000 / done, activity=sampler.summary(), load=load0,
                     backouts=backouts, deadlocks=deadlocks)
            results[n] = r
            print(f"  {n} worker(s): PostgreSQL server CPU ~{r['pg_cpu_ms']:.2f} ms per debit "
                  f"(seeding and drain included); {r['activity']}; load average {load0:.1f} before the run")
            print(f"  {n} worker(s): {backouts} inbound messages backed out and retried, "
                  f"{deadlocks} of them after a deadlock; last log lines: {tails}")
    finally:
        cluster.stop()
    print()
    print(f"{'workers':>7} {'debits/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'gw CPU ms/debit':>16} "
          f"{'sim':>6} {'front':>6} {'PG':>6} {'/ floor':>8} {'deadlocks':>9}")
    for n, r in results.items():
        c = r["cpu_ms"]
        print(f"{n:>7} {r['completed_per_s']:>9.1f} {r['e2e_p50']:>8.1f} {r['e2e_p99']:>8.1f} "
              f"{c['gateway']:>16.2f} {c['simulator']:>6.2f} {c['front end']:>6.2f} "
              f"{r['pg_cpu_ms']:>6.2f} {r['completed_per_s'] / floor:>8.4f} {r['deadlocks']:>9}")
    print(f"(offered {args.rate:.0f}/s for {args.seconds:.0f} s after {args.warmup:.0f} s warm-up; "
          f"2 cores shared with other engineers, figures vary with their load)")
    for n, r in results.items():
        print(f"BENCH scale_out_{n}_workers_debits_per_s {r['completed_per_s']:.1f} 1/s")
    if 1 in results and 2 in results:
        speedup = results[2]["completed_per_s"] / max(1e-9, results[1]["completed_per_s"])
        print(f"BENCH scale_out_2_workers_speedup {speedup:.2f} x")


if __name__ == "__main__":
    main()
