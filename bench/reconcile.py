"""Day-end reconciliation at scale: 1,000,000 3122 entry-detail items against 1,000,000
succeeded single debits (one levy each), reconciled by ``RunReconciliation`` — match, classify,
settle the levies, write the discrepancy list — as the gateway does it after the last
sub-package arrives.

The data are built set-based (INSERT … SELECT over a counter, not through the wire and not
timed): payers, PAID levies, SUCCEEDED debits and their levy lines, one complete 3122 package of
3000-item sub-packages whose items copy the debits, with 1 in 1000 amounts altered and 1 in 1000
items naming a serial the gateway does not know in place of a debit's (so that debit is absent
there): 3 discrepancies per 1000 items.

Prints the run's time and peak RSS, the floor (the bare SQL join of the same items to the same
debits by the interface's key, in the same run) and the ratio; with PostgreSQL available
(``ETSGW_BENCH_PG_URL``, a server URL; otherwise a throwaway cluster as the tests start one) the
same there. Ends with ``BENCH reconcile_1m_seconds <v> s`` and ``BENCH reconcile_1m_peak_mb
<v> MB`` (SQLite).

Usage: ``python bench/reconcile.py [--items 1000000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.domain.reconciliation import RunReconciliation  # noqa: E402
from gateway.persistence import migrate  # noqa: E402

ORG = "14401060000"
DAY = dt.date(2024, 11, 5)
SUB = 3000  # items per 3122 sub-package (§6.8)
AMOUNT_FEN = 12345


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pad(dialect: str, expr: str, width: int = 8) -> str:
    if dialect == "postgresql":
        return f"lpad(({expr})::text, {width}, '0')"
    return f"substr('{'0' * width}' || ({expr}), -{width})"


def _counter(n: int) -> str:
    return (f"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {n}) ")


def build_data(app, n: int) -> None:
    """Everything the run reads, set-based; ids are the counter."""
    dialect = app.engine.dialect.name
    day = f"'{DAY.isoformat()}'"
    if dialect == "postgresql":
        day = f"DATE {day}"
    tra = _pad(dialect, "i")
    statements = [
        "INSERT INTO tax_office (code, name, level, parent_code, city_code, district_code) "
        f"VALUES ('{ORG}', '天河区税务局', 'DISTRICT', NULL, '4401', '440106')",
        "INSERT INTO insurance_type (code, name, budget_type) VALUES ('110', '企业职工基本养老保险费', '1')",
        _counter(n) + "INSERT INTO payer (id, kind, tax_pay_code, name, tax_org_code, "
        f"social_security_no, created_at) SELECT i, 'UNIT', 'P' || {_pad(dialect, 'i', 12)}, "
        f"'单位' || i, '{ORG}', '', CURRENT_TIMESTAMP FROM c",
        _counter(n) + "INSERT INTO levy (id, payer_id, tax_org_code, insurance_code, period_start, "
        "period_end, amount, state, lock_reason, paid_by, tax_date, declaration_no, version, "
        f"created_at) SELECT i, i, '{ORG}', '110', {day}, {day}, {AMOUNT_FEN}, 'PAID', '', "
        f"'DEBIT:' || i, {day}, '', 1, CURRENT_TIMESTAMP FROM c",
        _counter(n) + "INSERT INTO debit (id, kind, originator, tax_org_code, entrust_date, tra_no, "
        "tax_vou_no, payer_id, amount, state, result_code, reason, tax_date, resent, msg_id, "
        "query_step, settled, created_at) "
        f"SELECT i, 'SINGLE', '{ORG}', '{ORG}', {day}, {tra}, 'V' || {_pad(dialect, 'i', 17)}, i, "
        f"{AMOUNT_FEN}, 'SUCCEEDED', '90000', '', {day}, false, '', 0, false, CURRENT_TIMESTAMP "
        "FROM c",
        "INSERT INTO debit_levy (debit_id, line_no, levy_id, amount) "
        "SELECT id, 1, id, amount FROM debit",
        # The package: items copy the debits; 1 in 1000 with another amount (i % 1000 = 7),
        # 1 in 1000 with an unknown serial in place of the debit's (i % 1000 = 500).
        _counter(n) + "INSERT INTO recon_item (id, package_id, tax_org_code, chk_date, cur_pack_no, "
        "line_no, payee_org_code, ori_msg_no, ori_send_org_code, ori_entrust_date, ori_pack_no, "
        "ori_tra_no, ori_tax_vou_no, tra_amt, tax_date, op_stat, outcome) "
        f"SELECT i, 1, '{ORG}', {day}, (i - 1) / {SUB} + 1, (i - 1) % {SUB} + 1, '4401000000', "
        f"'1001', '{ORG}', {day}, '00000000', "
        f"CASE WHEN i % 1000 = 500 THEN {_pad(dialect, f'i + {n}')} ELSE {tra} END, "
        f"'V' || {_pad(dialect, 'i', 17)}, "
        f"CASE WHEN i % 1000 = 7 THEN {AMOUNT_FEN + 1} ELSE {AMOUNT_FEN} END, {day}, '20', '' "
        "FROM c",
    ]
    with app.engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
        subs = (n + SUB - 1) // SUB
        total = conn.execute(text("SELECT sum(tra_amt) FROM recon_item")).scalar_one()
        conn.execute(text(
            "INSERT INTO recon_package (id, tax_org_code, chk_date, pack_no, child_pack_num, "
            "all_num, all_amt, state, items, settled_items, settled_levies, discrepancies, runs, "
            f"reconciled_by, created_at) VALUES (1, '{ORG}', {day}, '00000001', {subs}, {n}, "
            f"{total}, 'COMPLETE', 0, 0, 0, 0, 0, '', CURRENT_TIMESTAMP)"))
        conn.execute(text(
            _counter(subs) + "INSERT INTO recon_subpackage (package_id, cur_pack_no, cur_pack_num, "
            "cur_pack_amt, msg_id, received_at) SELECT 1, c.i, count(*), sum(r.tra_amt), '', "
            "CURRENT_TIMESTAMP FROM c JOIN recon_item r ON r.cur_pack_no = c.i GROUP BY c.i"))
    if dialect == "postgresql":
        with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def floor(app) -> float:
    """The bare SQL join by the interface's key, counting matches and equal amounts."""
    t = time.perf_counter()
    with app.engine.connect() as conn:
        conn.execute(text(
            "SELECT count(*), sum(CASE WHEN d.amount = i.tra_amt THEN 1 ELSE 0 END) "
            "FROM recon_item i JOIN debit d ON d.originator = i.ori_send_org_code "
            "AND d.entrust_date = i.ori_entrust_date AND d.tra_no = i.ori_tra_no "
            "WHERE i.package_id = 1")).one()
    return time.perf_counter() - t


def run(url: str, n: int, label: str) -> float:
    settings = Settings().replace(database={"url": url},
                                  gateway={"initial_work_date": f"{DAY:%Y%m%d}",
                                           "recon_absent_grace_days": 0})
    app = build(settings, clock=lambda: dt.datetime(2024, 11, 6, 9, 0))
    migrate.upgrade(app.engine)
    t = time.perf_counter()
    build_data(app, n)
    print(f"[{label}] data: {n} debits, levies and items in {time.perf_counter() - t:.1f} s "
          "(set-based, not timed)")
    t = time.perf_counter()
    (summary,) = app.bus.handle(RunReconciliation(DAY, operator="bench"))
    secs = time.perf_counter() - t
    per_mille = n // 1000
    assert summary.items == n, summary
    assert summary.settled_items == n - 2 * per_mille, summary
    assert summary.settled_levies == n - 2 * per_mille, summary
    assert summary.discrepancies == 3 * per_mille, summary  # amount, unknown, absent
    t = time.perf_counter()
    (again,) = app.bus.handle(RunReconciliation(DAY, operator="bench"))
    rerun = time.perf_counter() - t
    assert again.discrepancies == summary.discrepancies and again.new_discrepancies == 0
    bare = floor(app)
    print(f"[{label}] reconcile {secs:.2f} s (re-run {rerun:.2f} s); settled "
          f"{summary.settled_items} items / {summary.settled_levies} levies; "
          f"{summary.discrepancies} discrepancies")
    print(f"[{label}] floor (bare SQL join by key) {bare:.2f} s; ratio {secs / bare:.1f}×; "
          f"peak RSS {peak_mb():.0f} MB")
    app.close()
    return secs


def run_postgres(n: int) -> float | None:
    server = os.environ.get("ETSGW_BENCH_PG_URL")
    cluster = None
    try:
        from tests import pgcluster
        import uuid

        cluster = pgcluster.cluster_from_url(server) if server else pgcluster.start_cluster()
        name = f"etsgw_bench_recon_{uuid.uuid4().hex[:8]}"
        url = pgcluster.create_database(cluster, name)
    except Exception as exc:  # no server and no PostgreSQL binaries: say so, keep the SQLite figure
        print(f"[postgresql] skipped: {type(exc).__name__}: {exc}")
        return None
    try:
        return run(url, n, "postgresql")
    finally:
        pgcluster.drop_database(cluster, name)
        if not server:
            cluster.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        secs = run(f"sqlite:///{tmp}/bench.db", args.items, "sqlite")
        mb = peak_mb()
    if not args.no_postgres:
        pg = run_postgres(args.items)
        if pg is not None:
            print(f"BENCH reconcile_1m_seconds_pg {pg:.1f} s")
    print(f"BENCH reconcile_1m_seconds {secs:.1f} s")
    print(f"BENCH reconcile_1m_peak_mb {mb:.0f} MB")


if __name__ == "__main__":
    main()
