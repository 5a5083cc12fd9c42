"""Scale (issue 18 item 4): the demo data at 1×, 3× and 10× (1, 3 and 10 million levies) on
PostgreSQL, and how each cost grows with the size.

For each size, in a fresh database of one throwaway PostgreSQL cluster (``tests/pgcluster.py``,
fsync off as for the tests; or the server of ``ETSGW_BENCH_PG_URL``), timed one after the other:

- ``generate``: the demo data (bench/demo_data.py's generator, its sizes × the factor);
- ``summaries``: the daily 应征/入库 summaries of every office over the whole data
  (one RefreshDailySummaries: INSERT … SELECT … GROUP BY);
- ``reports``: the month's 社保费应收实收明细月报表 versions of every office (GenerateReports);
- ``select``: every unpaid levy of 广州市 and its subordinate offices into a batch list
  (SelectLevies: the selection grows with the data);
- ``package``: the first ``--packages`` packages of that list (PackNext each: lock, encode,
  validate, write), per package;
- ``debit``: ``--debits`` single real-time debits (SubmitDebit, each its own transaction), per
  debit — a cost that should not grow with the table;
- floor: a full scan of the levy table (``SELECT count(*), sum(amount) FROM levy``), the database
  alone reading every row once.

Prints a table size → seconds with the growth factor of each figure from the first size to the
last, and the ratio of each set-based figure to the scan. Ends with
``BENCH scale_pg_<figure>_<size>_seconds <v> s`` (``_ms`` per package and per debit) for every size.
Usage: ``python bench/scale_10x.py [--factors 1,3,10] [--packages 20] [--debits 200]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import text  # noqa: E402

from demo_data import AS_OF, SIZES  # noqa: E402
from gateway.bootstrap import build  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.demodata import generate  # noqa: E402
from gateway.domain import batch_messages as bm  # noqa: E402
from gateway.domain import commands  # noqa: E402
from gateway.domain.pending_list import Selection  # noqa: E402
from gateway.domain.summary_messages import GenerateReports, RefreshDailySummaries  # noqa: E402
from gateway.persistence import migrate  # noqa: E402

CITY = "14401000000"  # 国家税务总局广州市税务局
MONTH = f"{(AS_OF.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def measure(url: str, factor: float, packages: int, debits: int) -> dict[str, float]:
    settings = Settings().replace(database={"url": url},
                                  gateway={"initial_work_date": f"{AS_OF:%Y%m%d}",
                                           "max_in_flight": 1_000_000})
    app = build(settings, clock=lambda: dt.datetime.combine(AS_OF, dt.time(10, 0)))
    migrate.upgrade(app.engine)
    sizes = dict(SIZES)
    for k in ("units", "flexible", "residents"):
        sizes[k] = max(1, int(sizes[k] * factor))
    out: dict[str, float] = {}
    try:
        out["generate"], report = timed(lambda: generate(app.engine, **sizes, as_of=AS_OF,
                                                         demo_password="bench-only"))
        out["levies"] = report.levies
        with app.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        out["scan"], _ = timed(lambda: _scan(app.engine))
        out["summaries"], _ = timed(lambda: app.bus.handle(RefreshDailySummaries(
            dt.date(AS_OF.year - 1, 1, 1), AS_OF, operator="bench")))
        out["reports"], _ = timed(lambda: app.bus.handle(GenerateReports(MONTH, "bench")))
        sel = Selection(tax_org_code=CITY, run_at=app.clock())
        out["select"], summary = timed(lambda: app.bus.handle(bm.SelectLevies(sel, "bench")))
        out["selected"] = summary.levies
        made = 0
        t = time.perf_counter()
        for _ in range(packages):
            if app.bus.handle(bm.PackNext(summary.list_id, "bench")) is None:
                break
            made += 1
        out["package_ms"] = (time.perf_counter() - t) / max(made, 1) * 1000
        with app.engine.connect() as conn:
            pairs = conn.execute(text(
                "SELECT l.payer_id, MIN(l.id) FROM levy l JOIN agreement a ON a.payer_id = "
                "l.payer_id AND a.state = 'ACTIVE' WHERE l.state = 'UNPAID' "
                "GROUP BY l.payer_id ORDER BY l.payer_id LIMIT :n"), {"n": debits}).all()
        t = time.perf_counter()
        for payer, levy in pairs:
            app.bus.handle(commands.SubmitDebit(payer, (levy,), "bench"))
        out["debit_ms"] = (time.perf_counter() - t) / max(len(pairs), 1) * 1000
    finally:
        app.close()
    return out


def _scan(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*), sum(amount) FROM levy")).one()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", default="1,3,10", help="multiples of the 1,000,000-levy demo data")
    ap.add_argument("--packages", type=int, default=20)
    ap.add_argument("--debits", type=int, default=200)
    args = ap.parse_args()
    from gateway.config import load_settings
    from gateway.logconfig import configure_logging
    configure_logging(load_settings(None, environ={}).replace(log={"level": "WARNING"}))
    from tests.pgcluster import cluster_from_url, create_database, drop_database, start_cluster
    given = os.environ.get("ETSGW_BENCH_PG_URL")
    cluster = cluster_from_url(given) if given else start_cluster()
    factors = [float(f) for f in args.factors.split(",")]
    rows: list[tuple[float, dict[str, float]]] = []
    try:
        for f in factors:
            name = f"etsgw_scale_{str(f).replace('.', '_')}"
            drop_database(cluster, name)
            url = create_database(cluster, name)
            try:
                r = measure(url, f, args.packages, args.debits)
            finally:
                drop_database(cluster, name)
            rows.append((f, r))
            print(f"{f:g}x: {int(r['levies']):,} levies; " + ", ".join(
                f"{k} {v:.2f}" for k, v in r.items() if k not in ("levies", "selected"))
                + f" (selected {int(r['selected']):,})", flush=True)
    finally:
        cluster.stop()
    figures = ("generate", "summaries", "reports", "select", "package_ms", "debit_ms", "scan")
    print("\n| levies | " + " | ".join(figures) + " |")
    print("|---:|" + "---:|" * len(figures))
    for _, r in rows:
        print(f"| {int(r['levies']):,} | " + " | ".join(
            f"{r[k]:.1f} ms" if k.endswith("_ms") else f"{r[k]:.2f} s" for k in figures) + " |")
    first, last = rows[0][1], rows[-1][1]
    work = last["levies"] / first["levies"]
    print(f"\ngrowth from {int(first['levies']):,} to {int(last['levies']):,} levies ({work:.1f}x the "
          "work): " + ", ".join(f"{k} {last[k] / max(first[k], 1e-9):.1f}x" for k in figures))
    print("ratio to the full scan (the floor) at each size: " + "; ".join(
        f"{int(r['levies']):,}: " + ", ".join(f"{k} {r[k] / max(r['scan'], 1e-9):.0f}x"
                                           for k in ("generate", "summaries", "select"))
        for _, r in rows))
    for _, r in rows:
        label = f"{r['levies'] / 1e6:g}m"
        for k in figures:
            if k.endswith("_ms"):
                print(f"BENCH scale_pg_{k.removesuffix('_ms')}_{label}_ms {r[k]:.2f} ms")
            else:
                print(f"BENCH scale_pg_{k}_{label}_seconds {r[k]:.2f} s")


if __name__ == "__main__":
    main()
