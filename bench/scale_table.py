"""How costs grow: batch selection + packaging and demo-data generation at 3 sizes on PostgreSQL.

Runs ``bench/batch.py --levies N`` for each size as a subprocess (that benchmark is maintained on
its own; this script only reads its output) with ``ETSGW_BENCH_PG_URL`` pointing at one throwaway
PostgreSQL cluster (:func:`tests.pgcluster.start_cluster`). batch.py generates the demo data
(untimed there, its time printed), then times selection, grouping + locking + encoding +
validation + writing of the 1102 packages, and the relay's put; it runs on SQLite first and on
PostgreSQL second, so both columns come from the same run.

Prints a Markdown table size → seconds (and µs per levy, whose growth shows whether a cost is
linear) and ends with ``BENCH scale_batch_<size>_seconds <v> s`` (PostgreSQL) for each size.
Usage: ``python bench/scale_table.py [--sizes 1000,10000,100000]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgcluster import start_cluster  # noqa: E402

_TOTAL = re.compile(r"^\[(\w+)\].*\btotal ([\d.]+) s", re.M)
_PACKAGES = re.compile(r"^\[(\w+)\] (\d+) packages, (\d+) items", re.M)
_DEMO = re.compile(r"^\[(\w+)\] demo data: (\d+) levies in ([\d.]+) s", re.M)


def label(levies: int) -> str:
    if levies % 1_000_000 == 0:
        return f"{levies // 1_000_000}m"
    return f"{levies // 1000}k" if levies % 1000 == 0 else str(levies)


def measure(levies: int, pg_url: str) -> dict[str, float]:
    """One batch.py run; {'sqlite_batch': s, 'postgresql_batch': s, '<db>_demo': s, 'levies': n}."""
    env = dict(os.environ, ETSGW_BENCH_PG_URL=pg_url, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "batch.py"), "--levies", str(levies)],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    out = res.stdout
    figures: dict[str, float] = {}
    for db, secs in _TOTAL.findall(out):
        figures[f"{db}_batch"] = float(secs)
    for db, packages, _items in _PACKAGES.findall(out):
        figures[f"{db}_packages"] = float(packages)
    for db, n, secs in _DEMO.findall(out):
        figures[f"{db}_demo"] = float(secs)
        figures["levies"] = float(n)
    if res.returncode != 0 or "postgresql_batch" not in figures:
        raise SystemExit(f"bench/batch.py --levies {levies} failed or changed its output "
                         f"(exit {res.returncode}):\n{out[-2000:]}\n{res.stderr[-2000:]}")
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="levies, comma-separated")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    cluster = start_cluster()
    rows: dict[int, dict[str, float]] = {}
    try:
        for n in sizes:
            rows[n] = measure(n, cluster.url("postgres"))
            print(f"{label(n)}: {rows[n]}", flush=True)
    finally:
        cluster.stop()
    print()
    print("| levies | packages | batch PG s | µs/levy | ms/package | demo data PG s | µs/levy | "
          "batch SQLite s | demo data SQLite s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, f in rows.items():
        levies = f.get("levies", n)
        packages = f.get("postgresql_packages", 0)
        print(f"| {int(levies):,} | {int(packages):,} | {f['postgresql_batch']:.2f} | "
              f"{f['postgresql_batch'] / levies * 1e6:.0f} | "
              f"{f['postgresql_batch'] / max(1, packages) * 1000:.1f} | "
              f"{f.get('postgresql_demo', 0):.2f} | "
              f"{f.get('postgresql_demo', 0) / levies * 1e6:.0f} | {f.get('sqlite_batch', 0):.2f} | "
              f"{f.get('sqlite_demo', 0):.2f} |")
    print("(2 cores shared with other engineers; PostgreSQL with fsync off, as for the tests)")
    for n, f in rows.items():
        print(f"BENCH scale_batch_{label(n)}_seconds {f['postgresql_batch']:.2f} s")
    for n, f in rows.items():
        print(f"BENCH scale_demo_data_{label(n)}_seconds {f.get('postgresql_demo', 0):.2f} s")


if __name__ == "__main__":
    main()
