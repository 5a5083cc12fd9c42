"""Month-end load: 100 concurrent staff clients export the same reports from the real server
(`etsgw web`, waitress) over the demo's 1,000,000 levies while the gateway processes debits.

Set-up (timed and printed): the demo data set of bench/demo_data.py (1,000,000 levies; ``--scale``
makes it smaller), the daily summaries of every day refreshed (one RefreshDailySummaries) and the
monthly reports generated. Then three processes start — `etsgw sim run`, `etsgw gateway` and
`etsgw web` — and this process offers ``--debit-rate`` real-time debits per second (SubmitDebit
through the bus, payers with active agreements) for the whole run:

1. debits alone for ``--baseline-s`` seconds: the gateway's debit latency (1001 commit → 2001
   processed) without export load;
2. debits plus ``--clients`` clients (threads, one keep-alive connection and a logged-in session
   each), all released at once, each making ``--rounds`` requests alternating between the
   monthly report (社保费应收实收明细月报表, xlsx) and the arrears list (欠费分户, xlsx) of
   天河区: latency per request, errors (anything but 200 with the whole file), how many times the
   server generated each file (once per data version), and the debit latency again;
3. floor: the same clients and rounds against a bare waitress (same thread count) serving a
   static file of the size of the larger export.

Ends with ``BENCH month_end_export_errors <n> count`` and ``BENCH month_end_export_p95_ms <v> ms``.
Usage: ``python bench/month_end.py [--scale 1.0] [--clients 100] [--rounds 4]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import text  # noqa: E402

from demo_data import AS_OF, SIZES  # noqa: E402
from gateway.bootstrap import build  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.demodata import generate  # noqa: E402
from gateway.demodata.accounts import STAFF_GZ_OFFICE  # noqa: E402
from gateway.demodata.sim_seed import sim_accounts  # noqa: E402
from gateway.domain import commands  # noqa: E402
from gateway.domain.summary_messages import GenerateReports, RefreshDailySummaries  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.simulator import Simulator  # noqa: E402
from realtime import latencies, percentile, wait_ready  # noqa: E402
from realtime import write_config as realtime_config  # noqa: E402

PASSWORD = "bench-only-password"
MONTH = f"{(AS_OF.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"  # the last complete month
URLS = (f"/console/reports/monthly/{STAFF_GZ_OFFICE}.xlsx?month={MONTH}",
        "/console/reports/list/arrears.xlsx")
USERS = ("staff_gz", "head_gz")
_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder: Path, port: int, threads: int) -> Path:
    """bench/realtime.py's configuration plus the web server's section."""
    cfg = realtime_config(folder, f"sqlite:///{folder / 'gw.db'}")
    with cfg.open("a", encoding="utf-8") as f:
        f.write(f"""[web]
host = "127.0.0.1"
port = {port}
threads = {threads}
report_cache_dir = "{folder / 'report-cache'}"
""")
    return cfg


def start(cfg: Path, *args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, ETSGW_CONFIG=str(cfg), ETSGW_WEB__SECRET_KEY="b" * 64)
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "wb"))


# -- HTTP clients ------------------------------------------------------------------------------

def _cookies(resp: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in resp.headers.get_all("Set-Cookie") or ():
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def log_in(port: int, username: str) -> str:
    """A logged-in session's Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    jar: dict[str, str] = {}
    conn.request("GET", "/login")
    resp = conn.getresponse()
    page = resp.read().decode()
    _cookies(resp, jar)
    token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": PASSWORD})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                          "Cookie": _cookie_header(jar)})
    resp = conn.getresponse()
    resp.read()
    _cookies(resp, jar)
    if resp.status != 302:
        raise SystemExit(f"log-in of {username} failed: {resp.status}")
    conn.close()
    return _cookie_header(jar)


def wait_http(port: int, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the web server did not answer")


def load(port: int, cookies: list[str], clients: int, rounds: int, urls: tuple[str, ...]) -> dict:
    """``clients`` threads released together, ``rounds`` requests each; latencies in ms."""
    barrier = threading.Barrier(clients)
    times: list[float] = []
    errors: list[str] = []
    sizes: dict[str, int] = {}
    lock = threading.Lock()

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {"Cookie": cookies[n % len(cookies)]} if cookies else {}
        barrier.wait()
        for r in range(rounds):
            url = urls[(n + r) % len(urls)]
            t0 = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200 and body[:2] == b"PK" or (resp.status == 200 and not cookies)
                problem = "" if ok else f"{url}: HTTP {resp.status}"
            except Exception as exc:  # counted, never hidden
                problem = f"{url}: {type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                times.append(ms)
                if problem:
                    errors.append(problem)
                else:
                    sizes[url] = len(body)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"times": times, "errors": errors, "sizes": sizes,
            "wall_s": time.perf_counter() - began}


def floor_server(path: Path, threads: int):
    """A bare waitress serving one static file (wsgi.file_wrapper), the library alone."""
    from waitress.server import create_server

    size = path.stat().st_size

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(size))])
        return environ["wsgi.file_wrapper"](open(path, "rb"), 64 * 1024)

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, server.effective_port


# -- debits ------------------------------------------------------------------------------------

class Debits(threading.Thread):
    """``rate`` SubmitDebit per second, each a distinct payer's oldest UNPAID levy."""

    def __init__(self, app, rate: float) -> None:
        super().__init__(daemon=True)
        self.app, self.rate = app, rate
        with app.engine.connect() as conn:
            self.pairs = iter(conn.execute(text(
                "SELECT l.payer_id, MIN(l.id) FROM levy l JOIN agreement a ON a.payer_id = "
                "l.payer_id AND a.state = 'ACTIVE' WHERE l.state = 'UNPAID' "
                "GROUP BY l.payer_id ORDER BY l.payer_id")).all())
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.submitted = 0

    def run(self) -> None:
        began = time.monotonic()
        while not self.stop.is_set():
            due = int(self.rate * (time.monotonic() - began)) - self.submitted
            for _ in range(max(due, 0)):
                payer, levy = next(self.pairs)
                try:
                    self.app.bus.handle(commands.SubmitDebit(payer, (levy,), "bench"))
                except Exception as exc:  # reported
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                self.submitted += 1
            self.stop.wait(0.02)


def debit_figures(app, since: dt.datetime, until: dt.datetime) -> str:
    rows, done, e2e = latencies(app.engine, since, until)
    if not e2e:
        return "no debits completed"
    return (f"{len(done)}/{len(rows)} debits completed, end-to-end p50 "
            f"{percentile(e2e, 0.5):.0f} ms, p95 {percentile(e2e, 0.95):.0f} ms")


def stats(times: list[float]) -> str:
    return (f"p50 {percentile(times, 0.5):.0f} ms, p95 {percentile(times, 0.95):.0f} ms, "
            f"p99 {percentile(times, 0.99):.0f} ms, max {max(times):.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="share of the 1,000,000 levies")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--threads", type=int, default=16, help="waitress threads (web.threads)")
    ap.add_argument("--debit-rate", type=float, default=20.0)
    ap.add_argument("--baseline-s", type=float, default=15.0)
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="etsgw-bench-month-end-"))
    port = free_port()
    cfg = write_config(folder, port, args.threads)
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
    print(f"demo data: {report.levies:,} levies in {time.perf_counter() - t0:.1f} s "
          f"(sizes {sizes})")
    t0 = time.perf_counter()
    refreshed = app.bus.handle(RefreshDailySummaries(dt.date(AS_OF.year - 1, 1, 1), AS_OF,
                                                     operator="bench"))
    refresh_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    versions = app.bus.handle(GenerateReports(MONTH, "bench"))
    print(f"summaries: {refreshed.rows_after:,} rows from {report.levies:,} levies in "
          f"{refresh_s:.2f} s (one RefreshDailySummaries, every office); {len(versions)} report "
          f"versions for {MONTH} in {time.perf_counter() - t0:.2f} s")
    sim = Simulator(settings)
    sim.load_accounts(sim_accounts(app.engine))
    sim.close()
    # The load wrote a WAL of hundreds of MB; folding it back now keeps that checkpoint out of
    # the first debits' latency.
    app.engine.dispose()
    with sqlite3.connect(folder / "gw.db") as raw:
        print("WAL checkpoint (busy, log, checkpointed):",
              raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())

    procs = [start(cfg, "sim", "run", log=folder / "sim.log"),
             start(cfg, "gateway", log=folder / "gateway.log"),
             start(cfg, "web", log=folder / "web.log")]
    debits = None
    try:
        wait_ready(app, 180.0)
        wait_http(port, 120.0)
        cookies = [log_in(port, u) for u in USERS]
        debits = Debits(app, args.debit_rate)
        debits.start()
        base_from = app.clock()
        time.sleep(args.baseline_s)  # the baseline phase's length, not a synchronisation
        base_until = app.clock()
        print(f"debits alone ({args.debit_rate:g}/s for {args.baseline_s:g} s): "
              f"{debit_figures(app, base_from, base_until)}")

        load_from = app.clock()
        result = load(port, cookies, args.clients, args.rounds, URLS)
        load_until = app.clock()
        times, errors = result["times"], result["errors"]
        print(f"exports: {len(times)} requests from {args.clients} clients x {args.rounds} "
              f"rounds in {result['wall_s']:.1f} s; {stats(times)}; errors {len(errors)}")
        for e in errors[:5]:
            print(f"  error: {e}")
        print("  file sizes: " + ", ".join(f"{u.split('?')[0].rsplit('/', 1)[-1]} {n:,} B"
                                         for u, n in result["sizes"].items()))
        cached = list((folder / "report-cache").glob("*.xlsx"))
        print(f"  files generated in the cache: {len(cached)} (one per report and data version)")
        print(f"debits during the export load: {debit_figures(app, load_from, load_until)}; "
              f"submit errors {len(debits.errors)}")

        biggest = max(cached, key=lambda p: p.stat().st_size)
        import logging
        logging.getLogger("waitress").setLevel(logging.ERROR)  # no "Task queue depth" lines
        server, floor_port = floor_server(biggest, args.threads)
        try:
            floor = load(floor_port, [], args.clients, args.rounds, ("/file",))
        finally:
            logging.getLogger("waitress").setLevel(logging.CRITICAL)  # its close races a wake-up
            server.close()
        ratio = percentile(times, 0.95) / max(percentile(floor["times"], 0.95), 0.001)
        print(f"floor (bare waitress, static file of {biggest.stat().st_size:,} B): "
              f"{stats(floor['times'])}; errors {len(floor['errors'])}")
        print(f"ratio p95 export / p95 floor: {ratio:.1f}x")
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
    print(f"BENCH month_end_export_errors {len(errors)} count")
    print(f"BENCH month_end_export_p95_ms {percentile(times, 0.95):.0f} ms")


if __name__ == "__main__":
    main()
