"""Load (issue 18 item 3): taxpayers and collection staff on the real server while the gateway
runs a batch.

Set-up (printed, not timed): the demo data of bench/demo_data.py at ``--scale`` of its 1,000,000
levies (default 0.1), the web's demo logins, the simulated banks' accounts. Then the system's
processes start — ``etsgw sim run``, ``etsgw gateway`` and ``etsgw web`` (waitress) — with the
configuration of bench/month_end.py, and for ``--seconds``:

- this process runs an asynchronous batch as the console's 启动 does: every unpaid levy of
  ``--batch-office`` and its subordinate offices (default 广州市, 14401000000) selected
  (SelectLevies), then packaged one package per transaction (PackNext until the list is done);
  the gateway sends the 1102s, the simulator accepts them and answers with 2102s, which the
  gateway applies; and ``--debit-rate`` real-time debits per second go on;
- ``--portal-users`` taxpayer sessions (the demo unit, flexible-employment person, resident and
  residents' unit, each logged in several times) and ``--console-users`` staff sessions
  (staff_gz, head_gz) walk their pages in a closed loop with a random think time of up to
  ``--think-ms`` between requests, each on its own keep-alive connection.

Reported: per group (portal, console) requests, p50/p95/p99/max and errors (anything but a 200
with a whole page), per page p95, the batch's progress during the load (packages written and
answered, items resolved), the debits' end-to-end latency before and during the load. Floor: a
bare waitress with the same threads serving a static page of the median page size to the same
clients with the same think time, and the ratio of the p95s.

Ends with ``BENCH load_portal_p95_ms <v> ms``, ``BENCH load_console_p95_ms <v> ms`` and
``BENCH load_errors <n> count``.
Usage: ``python bench/load.py [--scale 0.1] [--portal-users 30] [--console-users 10]
[--seconds 60] [--think-ms 1000] [--debit-rate 10]``.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select  # noqa: E402

from demo_data import AS_OF, SIZES  # noqa: E402
from gateway.bootstrap import build  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.demodata import generate  # noqa: E402
from gateway.demodata.sim_seed import sim_accounts  # noqa: E402
from gateway.domain import batch_messages as bm  # noqa: E402
from gateway.domain.pending_list import Selection  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence.records import DebitRecord, PackageRecord  # noqa: E402
from gateway.services.handlers.packages import run_list  # noqa: E402
from gateway.simulator import Simulator  # noqa: E402
from month_end import (PASSWORD, Debits, debit_figures, floor_server, free_port, log_in,  # noqa: E402
                       start, wait_http, write_config)
from realtime import percentile, wait_ready  # noqa: E402

PAGES = {
    "unit_demo": ("/portal/unit/", "/portal/unit/staff", "/portal/unit/declare",
                  "/portal/unit/declarations", "/portal/unit/history", "/portal/unit/pay",
                  "/portal/unit/agreements", "/portal/unit/certificates"),
    "person_demo": ("/portal/", "/portal/me", "/portal/arrears", "/portal/history",
                    "/portal/my-agreements"),
    "resident_demo": ("/portal/", "/portal/resident", "/portal/resident/grade", "/portal/history"),
    "resident_unit_demo": ("/portal/residents-unit",),
    "staff_gz": ("/console/", "/console/batch/lists", "/console/batch/packages",
                 "/console/batch/in-doubt", "/console/reports/", "/console/reports/daily",
                 "/console/reconciliation", "/console/reconciliation/discrepancies"),
    "head_gz": ("/console/", "/console/reports/", "/console/reports/daily",
                "/console/batch/packages"),
}
PORTAL = ("unit_demo", "person_demo", "resident_demo", "resident_unit_demo")
CONSOLE = ("staff_gz", "head_gz")


class Users:
    """Closed-loop users: each a thread with its own session and keep-alive connection."""

    def __init__(self, port: int, sessions: list[tuple[str, str, str]], think_ms: float,
                 seconds: float, seed: int = 18) -> None:
        self.port, self.sessions, self.think, self.seconds = port, sessions, think_ms, seconds
        self.seed = seed
        self.times: dict[str, list[tuple[str, float]]] = collections.defaultdict(list)
        self.errors: list[str] = []
        self.sizes: list[int] = []
        self.lock = threading.Lock()

    def user(self, n: int) -> None:
        group, username, cookie = self.sessions[n]
        rng = random.Random(self.seed * 1000 + n)
        pages = PAGES[username]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": cookie} if cookie else {}
        end = time.monotonic() + self.seconds
        k = rng.randrange(len(pages))
        while time.monotonic() < end:
            url = pages[k % len(pages)]
            k += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                problem = "" if resp.status == 200 and (not cookie or b"</html>" in body) else \
                    f"{url}: HTTP {resp.status}"
            except Exception as exc:  # counted, never hidden
                problem, body = f"{url}: {type(exc).__name__}: {exc}", b""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            ms = (time.perf_counter() - t0) * 1000
            with self.lock:
                self.times[group].append((url, ms))
                if problem:
                    self.errors.append(problem)
                else:
                    self.sizes.append(len(body))
            time.sleep(rng.uniform(0, self.think) / 1000)  # the user's think time, not a sync
        conn.close()

    def run(self) -> float:
        threads = [threading.Thread(target=self.user, args=(n,)) for n in range(len(self.sessions))]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - began


class Batch(threading.Thread):
    """The console's 启动: select the office's unpaid levies, then package the whole list."""

    def __init__(self, app, office: str) -> None:
        super().__init__(daemon=True)
        self.app, self.office = app, office
        self.selected = 0
        self.packages = 0
        self.error = ""
        self.began = self.packaged_s = 0.0

    def run(self) -> None:
        try:
            self.began = time.perf_counter()
            sel = Selection(tax_org_code=self.office, run_at=self.app.clock())
            summary = self.app.bus.handle(bm.SelectLevies(sel, "bench-load"))
            self.selected = summary.levies

            def one(_pkg) -> None:
                self.packages += 1
            run_list(self.app.bus.handle, summary.list_id, "bench-load", on_package=one)
            self.packaged_s = time.perf_counter() - self.began
        except Exception as exc:  # reported
            self.error = f"{type(exc).__name__}: {exc}"


def batch_state(app) -> str:
    with app.engine.connect() as conn:
        pk = dict(conn.execute(select(PackageRecord.state, func.count())
                               .group_by(PackageRecord.state)).all())
        items = dict(conn.execute(select(DebitRecord.state, func.count())
                                  .where(DebitRecord.package_id.is_not(None))
                                  .group_by(DebitRecord.state)).all())
    return f"packages {pk or '{}'}, items {items or '{}'}"


def stats(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.5):.0f} ms, p95 {percentile(values, 0.95):.0f} ms, "
            f"p99 {percentile(values, 0.99):.0f} ms, max {max(values):.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1, help="share of the 1,000,000 levies")
    ap.add_argument("--portal-users", type=int, default=30)
    ap.add_argument("--console-users", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think-ms", type=float, default=1000.0, help="think time, uniform 0..N ms")
    ap.add_argument("--threads", type=int, default=16, help="waitress threads (web.threads)")
    ap.add_argument("--debit-rate", type=float, default=10.0)
    ap.add_argument("--baseline-s", type=float, default=10.0)
    ap.add_argument("--batch-office", default="14401000000", help="the batch's office (with subordinates)")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="etsgw-bench-load-"))
    port = free_port()
    cfg = write_config(folder, port, args.threads)
    # Packages answered within seconds (the default 5 s), so that 2102s arrive during the load.
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[simulator]\n", "[simulator]\npackage_delay_s = 2.0\n", 1), encoding="utf-8")
    settings = load_settings(cfg)
    app = build(settings)
    migrate.upgrade(app.engine)
    sizes = dict(SIZES)
    for k in ("units", "flexible", "residents"):
        sizes[k] = max(1, int(sizes[k] * args.scale))
    t0 = time.perf_counter()
    report = generate(app.engine, **sizes, as_of=AS_OF, demo_password=PASSWORD)
    from webapp.demo_accounts import ensure_demo_accounts
    ensure_demo_accounts(app, PASSWORD)
    print(f"demo data: {report.levies:,} levies in {time.perf_counter() - t0:.1f} s (sizes {sizes})")
    sim = Simulator(settings)
    sim.load_accounts(sim_accounts(app.engine))
    sim.close()
    app.engine.dispose()
    with sqlite3.connect(folder / "gw.db") as raw:  # keep the load's WAL out of the first requests
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    procs = [start(cfg, "sim", "run", log=folder / "sim.log"),
             start(cfg, "gateway", log=folder / "gateway.log"),
             start(cfg, "web", log=folder / "web.log")]
    debits = batch = None
    try:
        wait_ready(app, 180.0)
        wait_http(port, 120.0)
        sessions = []
        for i in range(args.portal_users):
            name = PORTAL[i % len(PORTAL)]
            sessions.append(("portal", name, log_in(port, name)))
        for i in range(args.console_users):
            name = CONSOLE[i % len(CONSOLE)]
            sessions.append(("console", name, log_in(port, name)))
        debits = Debits(app, args.debit_rate)
        debits.start()
        base_from = app.clock()
        time.sleep(args.baseline_s)  # the baseline phase's length, not a synchronisation
        print(f"debits alone ({args.debit_rate:g}/s for {args.baseline_s:g} s): "
              f"{debit_figures(app, base_from, app.clock())}")

        before = batch_state(app)
        load_from = app.clock()
        batch = Batch(app, args.batch_office)
        batch.start()
        users = Users(port, sessions, args.think_ms, args.seconds)
        wall = users.run()
        load_until = app.clock()
        print(f"batch of {args.batch_office} and its subordinate offices during the load: "
              f"{batch.selected:,} levies selected, {batch.packages} packages written"
              + (f" in {batch.packaged_s:.1f} s" if batch.packaged_s else " (still packaging)")
              + (f"; error {batch.error}" if batch.error else "")
              + f"; before: {before}; after: {batch_state(app)}")
        print(f"debits during the load: {debit_figures(app, load_from, load_until)}; "
              f"submit errors {len(debits.errors)}"
              + (f" (e.g. {collections.Counter(debits.errors).most_common(2)})" if debits.errors else ""))
        print(f"{len(sessions)} users ({args.portal_users} portal, {args.console_users} console), "
              f"think time 0–{args.think_ms:g} ms, {wall:.1f} s:")
        p95s = {}
        for group in ("portal", "console"):
            rows = users.times[group]
            values = [ms for _, ms in rows]
            p95s[group] = percentile(values, 0.95) if values else float("nan")
            print(f"  {group:8s} {len(values):6d} requests ({len(values) / wall:.1f}/s), {stats(values)}")
            per_url = collections.defaultdict(list)
            for url, ms in rows:
                per_url[url].append(ms)
            print("    p95 per page: " + ", ".join(f"{u} {percentile(v, 0.95):.0f}"
                                                  for u, v in sorted(per_url.items())))
        print(f"  errors {len(users.errors)}" + "".join(f"\n    {e}" for e in users.errors[:8]))

        page = folder / "page.html"
        page.write_bytes(b"x" * int(statistics.median(users.sizes or [1000])))
        import logging
        logging.getLogger("waitress").setLevel(logging.ERROR)
        server, floor_port = floor_server(page, args.threads)
        try:
            bare = Users(floor_port, [(g, n, "") for g, n, _ in sessions], args.think_ms,
                         min(args.seconds, 20.0))
            bare.run()
        finally:
            logging.getLogger("waitress").setLevel(logging.CRITICAL)
            server.close()
        floor_values = [ms for rows in bare.times.values() for _, ms in rows]
        floor95 = percentile(floor_values, 0.95)
        print(f"floor (bare waitress, static page of {page.stat().st_size:,} B, same users and "
              f"think time): {stats(floor_values)}; errors {len(bare.errors)}")
        print(f"ratio p95 / floor p95: portal {p95s['portal'] / max(floor95, 0.001):.1f}x, "
              f"console {p95s['console'] / max(floor95, 0.001):.1f}x")
    finally:
        if debits is not None:
            debits.stop.set()
            debits.join(10)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        app.close()
    print(f"BENCH load_portal_p95_ms {p95s['portal']:.0f} ms")
    print(f"BENCH load_console_p95_ms {p95s['console']:.0f} ms")
    print(f"BENCH load_errors {len(users.errors)} count")


if __name__ == "__main__":
    main()
