"""The unit portal's heavy pages under load: the enrolled-staff list, the declaration preview
(every person × insurance type, computed and paged in SQL) and the payment history, for a unit of
10,000 persons in a database of about 1,000,000 levies, with 20 concurrent logged-in users.

First one user alone (the pages' own cost), then each of the users (a thread with its own
session) requests the three pages in turn, spread over their
pages, through the real server: ``etsgw web`` (waitress, 24 threads) in its own process, as in
production, so the load client's threads do not share the server's interpreter lock. The
server's CPU per request (psutil) is printed beside the latencies. Prints per page the count, p50,
p95 and max in ms, and the floor: the bare SQL of the same page (the same query functions,
without Flask, templates or HTTP) run by 20 threads on their own connections, with the ratio.
Ends with ``BENCH portal_<page>_p95_ms`` lines and ``BENCH portal_worst_p95_ms <v> ms``.

Usage: ``python bench/portal.py [--levies 1000000] [--persons 10000] [--users 20]
[--requests 30]`` (requests per user and page). Building the database is not timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import re
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.bootstrap import build  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.demodata.generator import generate  # noqa: E402
from gateway.demodata.large_unit import add_persons  # noqa: E402
from gateway.domain.declaration import fee_period  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence import unit_portal_queries as uq  # noqa: E402

AS_OF = dt.date(2026, 11, 16)
NOW = dt.datetime(2026, 11, 16, 10, 0)
PASSWORD = "bench-only-1"
PREVIEW = "2026-12"
PAGES = 20  # distinct page numbers each user walks through


def build_database(url: str, levies: int, persons: int):
    settings = Settings().replace(database={"url": url, "pool_size": 30},
                                  web={"secret_key": "b" * 64, "threads": 24})
    app = build(settings, clock=lambda: NOW)
    migrate.upgrade(app.engine)
    periods = 5
    units = levies // (5 * periods)  # one person a unit, five types, five monthly periods
    t = time.perf_counter()
    report = generate(app.engine, units=units, persons_per_unit=1, residents=0, flexible=0,
                      periods=periods, agreement_share=0.5, as_of=AS_OF, demo_password=PASSWORD)
    with app.engine.connect() as conn:
        from sqlalchemy import text
        unit_id = conn.execute(text("SELECT payer_id FROM app_user WHERE username = 'unit_demo'")).scalar_one()
    add_persons(app.engine, unit_id, persons)
    print(f"database: {report.levies} levies, {units} units, unit {unit_id} with {persons} more "
          f"persons, built in {time.perf_counter() - t:.1f} s (not timed)")
    return settings, app, unit_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, secret: str, processes: int) -> tuple[subprocess.Popen, str]:
    """``etsgw web`` on the bench database in its own process; returns it once it answers."""
    port = free_port()
    env = {**os.environ, "ETSGW_DATABASE__URL": url, "ETSGW_DATABASE__POOL_SIZE": "30",
           "ETSGW_WEB__SECRET_KEY": secret, "ETSGW_WEB__THREADS": "24",
           "ETSGW_WEB__PROCESSES": str(processes)}
    etsgw = Path(sys.executable).with_name("etsgw")
    proc = subprocess.Popen([str(etsgw), "web", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=2).read()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("etsgw web did not start") from None
            time.sleep(0.2)  # polling a port that is not open yet: nothing to wait on


class Server:
    """CPU times of the server: its process and its worker processes."""

    def __init__(self, pid: int) -> None:
        import psutil
        self.proc = psutil.Process(pid)

    def cpu_times(self) -> tuple[float, float]:
        procs = [self.proc, *self.proc.children(recursive=True)]
        times = [p.cpu_times() for p in procs]
        return sum(t.user for t in times), sum(t.system for t in times)


def in_parallel(user: Callable[[int], None], users: int) -> None:
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def log_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": "unit_demo",
                                   "password": PASSWORD}).encode()
    opener.open(f"{base}/login", data)
    return opener


def page_urls(base: str) -> dict[str, Callable[[int], str]]:
    return {"staff": lambda n: f"{base}/portal/unit/staff?page={n}",
            "preview": lambda n: f"{base}/portal/unit/declare?period={PREVIEW}&page={n * 37 % 1000 + 1}",
            "history": lambda n: f"{base}/portal/unit/history?page={n % 3 + 1}"}


def load(base: str, users: int, requests: int, server=None) -> tuple[dict[str, list[float]], float]:
    """The timings per page, and the server process's CPU seconds over the timed part."""
    openers = [log_in(base) for _ in range(users)]
    urls = page_urls(base)
    timings: dict[str, list[float]] = {name: [] for name in urls}
    lock = threading.Lock()

    def user(i: int) -> None:
        opener = openers[i]
        for r in range(requests):
            for name, url in urls.items():
                t = time.perf_counter()
                with opener.open(url(i * requests + r)) as resp:
                    body = resp.read()
                    assert resp.status == 200 and b"page-title" in body, (name, resp.status)
                with lock:
                    timings[name].append((time.perf_counter() - t) * 1000)

    for o in openers:  # warm every page once (caches, first connections)
        for url in urls.values():
            o.open(url(0)).read()
    before = sum(server.cpu_times()[:2]) if server else 0.0
    in_parallel(user, users)
    return timings, (sum(server.cpu_times()[:2]) - before if server else 0.0)


def floor(app, unit_id: int, users: int, requests: int) -> dict[str, list[float]]:
    """The same queries as the pages, bare: 20 threads on their own connections."""
    with app.engine.connect() as conn:
        unit = uq.unit(conn, unit_id)
        start, end = fee_period(PREVIEW)
        from webapp.services.unit_portal import terms
        found_terms, _ = terms(conn, unit, start)
    queries = {
        "staff": lambda c, n: uq.staff(c, unit_id, unit["social_security_no"],
                                       unit["social_security_no"], "", n % 500 + 1, 20),
        "preview": lambda c, n: uq.preview(c, unit_id, start, end, found_terms, n * 37 % 1000 + 1, 50),
        "history": lambda c, n: (uq.levies(c, unit_id, page=n % 3 + 1, size=20),
                                 uq.payments(c, unit_id, 1, 10)),
    }
    timings: dict[str, list[float]] = {name: [] for name in queries}
    lock = threading.Lock()

    def user(i: int) -> None:
        with app.reader.connect() as conn:
            for r in range(requests):
                for name, q in queries.items():
                    t = time.perf_counter()
                    q(conn, i * requests + r)
                    with lock:
                        timings[name].append((time.perf_counter() - t) * 1000)

    in_parallel(user, users)
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levies", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                    help="web worker processes (web.processes; default: one per core)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        settings, app, unit_id = build_database(url, args.levies, args.persons)
        proc, base = start_server(url, settings.web.secret_key, args.processes)
        try:
            alone, _ = load(base, 1, args.requests * 2)  # the cost without queueing
            pages, server_cpu = load(base, args.users, args.requests, Server(proc.pid))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        bare = floor(app, unit_id, args.users, args.requests)
        app.close()
    served = sum(len(v) for v in pages.values())
    print(f"{args.users} concurrent users, {args.requests} requests per user and page "
          f"(unit of {args.persons} + 1 persons, preview of {PREVIEW}); {args.processes} server "
          f"processes; server CPU "
          f"{server_cpu * 1000 / served:.1f} ms a request")
    print(f"{'page':10s} {'n':>5s} {'p50':>8s} {'p95':>8s} {'max':>8s} {'floor p95':>10s} {'ratio':>6s}"
          f" {'1 user p50':>11s}")
    worst = 0.0
    for name, values in pages.items():
        f95 = p95(bare[name])
        v95 = p95(values)
        worst = max(worst, v95)
        print(f"{name:10s} {len(values):5d} {statistics.median(values):8.1f} {v95:8.1f} "
              f"{max(values):8.1f} {f95:10.1f} {v95 / f95 if f95 else 0:6.1f}"
              f" {statistics.median(alone[name]):11.1f}")
    for name, values in pages.items():
        print(f"BENCH portal_{name}_p95_ms {p95(values):.1f} ms")
    print(f"BENCH portal_worst_p95_ms {worst:.1f} ms")


if __name__ == "__main__":
    main()
