"""Asynchronous batch at scale: 1,000,000 UNPAID levies of the demo-data generator → selected
(one INSERT … SELECT), grouped by office and paying bank, locked, encoded and validated as 1102s
(``PackMany``: up to 50 packages a transaction, a savepoint each) and put on the embedded
transport by the outbox relay.

Prints the time of each phase, the peak memory (RSS of this process), and the codec floor: the
time to encode and validate the same 1102s alone (re-encoding the stored bodies' messages), with
the ratio. The demo data is generated in a child process (its memory is not this process's peak)
and, for SQLite, cached under ``var/`` (``--cache DIR``; the generation time is reported apart).
Ends with ``BENCH batch_1m_seconds <v> s``, ``BENCH batch_1m_peak_mb <v> MB`` (SQLite) and the
codec floor; ``--profile`` prints the packaging phase's cProfile top 25.

Usage: ``python bench/batch.py [--levies 1000000]``; with ``ETSGW_BENCH_PG_URL`` (a database
on a PostgreSQL server) it also runs there in a throwaway database and prints
``BENCH batch_1m_pg_seconds``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.demodata.generator import generate  # noqa: E402
from gateway.domain import batch_messages as bm  # noqa: E402
from gateway.domain.pending_list import Selection  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence.records import OutboxRecord, TaxOfficeRecord  # noqa: E402
from gateway.services.handlers.packages import run_list  # noqa: E402

AS_OF = dt.date(2024, 10, 15)
RUN_AT = dt.datetime(2024, 11, 5, 9, 0)  # after the October cutoff: every agreement is eligible


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(url: str) -> Settings:
    return Settings().replace(database={"url": url},
                              gateway={"initial_work_date": f"{RUN_AT:%Y%m%d}"})


def generate_into(url: str, levies: int, label: str = "") -> None:
    """The demo data (schema included) for ``levies`` levies; run in a child process."""
    app = build(_settings(url), clock=lambda: RUN_AT)
    migrate.upgrade(app.engine)
    units = levies * 9 // 50  # 5 levies a unit, 2 a flexible person, one period
    flexible = (levies - units * 5) // 2
    t = time.perf_counter()
    report = generate(app.engine, units=units, persons_per_unit=1, residents=0, flexible=flexible,
                      periods=1, agreement_share=1.0, as_of=AS_OF, demo_password="bench-only-1")
    prefix = f"[{label}] " if label else ""  # bench/scale_table.py reads this line per database
    print(f"{prefix}demo data: {report.levies} levies in {time.perf_counter() - t:.1f} s (not timed)")
    app.close()


def _generate_child(url: str, levies: int, label: str) -> None:
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--generate", url, "--levies", str(levies),
                    "--label", label], check=True)
    print(f"[{label}] generation (child process) {time.perf_counter() - t:.1f} s, not timed")


def sqlite_database(tmp: str, levies: int, cache: Path | None) -> str:
    """A copy of the cached generated file, generating (and caching) it first if needed."""
    work = Path(tmp) / "bench.db"
    cached = cache / f"bench_batch_{levies}.db" if cache else None
    if cached is not None and cached.exists():
        t = time.perf_counter()
        shutil.copyfile(cached, work)
        print(f"[sqlite] demo data from the cache {cached} (copied in {time.perf_counter() - t:.1f} s)")
    else:
        _generate_child(f"sqlite:///{work}", levies, "sqlite")
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work, cached)
    return f"sqlite:///{work}"


def run(url: str, label: str, profile: bool = False) -> tuple[float, float, float]:
    """(total seconds, peak RSS MB, codec floor seconds) of the timed phases."""
    settings = _settings(url)
    clock = lambda: RUN_AT  # noqa: E731 - business time fixed for the run
    app = build(settings, clock=clock)
    migrate.upgrade(app.engine)
    with app.engine.connect() as conn:
        province = conn.execute(select(TaxOfficeRecord.code)
                                .where(TaxOfficeRecord.parent_code.is_(None))).scalar_one()
    phases: dict[str, float] = {}
    start = time.perf_counter()
    summary = app.bus.handle(bm.SelectLevies(Selection(tax_org_code=province, run_at=RUN_AT), "bench"))
    phases["select"] = time.perf_counter() - start
    peaks = {"select": peak_mb()}
    print(f"[{label}] selected {summary.levies} levies in {len(summary.groups)} groups "
          f"(office × bank), {summary.amount} yuan")
    t = time.perf_counter()
    prof = _profiler(profile)
    packages = run_list(app.bus.handle, summary.list_id, "bench")
    phases["group+lock+encode+validate+write"] = time.perf_counter() - t
    peaks["group+lock+encode+validate+write"] = peak_mb()
    _report_profile(prof)
    t = time.perf_counter()
    put = _relay(app)
    phases["put"] = time.perf_counter() - t
    peaks["put"] = peak_mb()
    total = time.perf_counter() - start
    items = sum(p.item_count for p in packages)
    biggest = max(p.item_count for p in packages)
    assert biggest <= settings.gateway.max_package_items
    floor = _codec_floor(app)
    for name, secs in phases.items():
        print(f"[{label}] {name:34s} {secs:7.2f} s  (peak RSS after it {peaks[name]:.0f} MB)")
    print(f"[{label}] {len(packages)} packages, {items} items (largest {biggest}), {put} put")
    print(f"[{label}] total {total:.2f} s; codec floor (encode+validate the same 1102s) "
          f"{floor:.2f} s; ratio {total / floor:.1f}x; "
          f"per package {phases['group+lock+encode+validate+write'] / len(packages) * 1000:.1f} ms; "
          f"peak RSS {peak_mb():.0f} MB")
    app.close()
    return total, peak_mb(), floor


def _profiler(enabled: bool):  # noqa: ANN202
    if not enabled:
        return None
    import cProfile
    prof = cProfile.Profile()
    prof.enable()
    return prof


def _report_profile(prof) -> None:  # noqa: ANN001
    if prof is None:
        return
    import pstats
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(r"gateway/(persistence|services|wire|codec)", 30)


def _relay(app) -> int:
    """Put every unsent outbox row on the embedded transport (what the worker's relay does)."""
    from gateway.runtime.app import build_runtime

    rt = build_runtime(app)
    n = 0
    while True:
        done = rt.relay.relay_once()
        if not done:
            return n
        n += done


def _codec_floor(app) -> float:
    """Decode the stored 1102s (untimed), then time encoding them again, validation included."""
    from gateway.codec import CfxMessage
    elapsed = 0.0
    with app.engine.connect() as conn:
        # streamed (a server-side cursor on PostgreSQL): psycopg would otherwise fetch every
        # body at once, and the bench's own floor would be the process's peak memory
        for body, ccsid in conn.execution_options(yield_per=8).execute(
                select(OutboxRecord.body, OutboxRecord.ccsid).where(OutboxRecord.msg_no == "1102")):
            msg = app.codec.decode(body, ccsid=ccsid)
            t = time.perf_counter()
            app.codec.encode(CfxMessage(head=msg.head, body=msg.body))
            elapsed += time.perf_counter() - t
    return elapsed


def run_postgres(server_url: str, levies: int) -> tuple[float, float, float]:
    """In a database of its own on that server, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"etsgw_bench_batch_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        _generate_child(url, levies, "postgresql")
        return run(url, "postgresql")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levies", type=int, default=1_000_000)
    ap.add_argument("--cache", type=Path, default=Path(__file__).resolve().parents[1] / "var",
                    help="where the generated SQLite file is kept between runs ('' for none)")
    ap.add_argument("--profile", action="store_true", help="cProfile the packaging phase")
    ap.add_argument("--no-sqlite", action="store_true",
                    help="only the PostgreSQL run (needs ETSGW_BENCH_PG_URL); no SQLite BENCH lines")
    ap.add_argument("--generate", metavar="URL", help=argparse.SUPPRESS)  # the child process
    ap.add_argument("--label", default="", help=argparse.SUPPRESS)  # the child's database label
    args = ap.parse_args()
    if args.generate:
        generate_into(args.generate, args.levies, args.label)
        return
    from gateway.config import load_settings
    from gateway.logconfig import configure_logging
    # The relay logs each 1102 it puts; 1,584 lines would bury the figures.
    configure_logging(load_settings(None, environ={}).replace(log={"level": "WARNING"}))
    cache = args.cache if str(args.cache) else None
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            secs, mb, floor = run(sqlite_database(tmp, args.levies, cache), "sqlite", args.profile)
    pg = os.environ.get("ETSGW_BENCH_PG_URL")
    if pg:
        pg_secs, pg_mb, pg_floor = run_postgres(pg, args.levies)
        print(f"BENCH batch_1m_pg_seconds {pg_secs:.1f} s  (codec floor {pg_floor:.1f} s, "
              f"peak {pg_mb:.0f} MB)")
    if args.no_sqlite:
        return
    print(f"BENCH batch_1m_codec_floor_seconds {floor:.1f} s")
    print(f"BENCH batch_1m_seconds {secs:.1f} s")
    print(f"BENCH batch_1m_peak_mb {mb:.0f} MB")


if __name__ == "__main__":
    main()
