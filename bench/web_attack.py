"""Web attack run (issue 18.5): every route of the Flask app's url_map, found at run time,
attacked over the test client on a copy of the demo data (tests/support/web_attack.py):
anonymous access, other payers' and offices' ids, posts without the CSRF token, markup and
SQL-like strings in every form's text fields, oversized and malformed uploads, repeated log-in
failures. Prints tried / got through per kind and every hole found.

    python bench/web_attack.py

Floor: the same number of plain logged-in page loads (what the run costs beyond the app's own
work). Ends with ``BENCH web_attack_violations <n> count``.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.web.helpers import (PASSWORD, MovableClock, build_template, copy_of,  # noqa: E402
                                           settings_for)
from tests.support import web_attack  # noqa: E402

USERS = ["unit_demo", "person_demo", "resident_demo", "staff_gz", "staff_fs", "head_gz", "ops",
         "sysadmin", "secadmin", "auditor"]


def main() -> int:
    from webapp import create_app

    with tempfile.TemporaryDirectory(prefix="etsgw-webattack-") as tmpdir:
        tmp = Path(tmpdir)
        path = copy_of(build_template(tmp), tmp)
        settings = settings_for(path)
        app = create_app(settings, clock=MovableClock(dt.datetime(2026, 11, 16, 10, 0, 0)))
        run = web_attack.AttackRun(app, PASSWORD, USERS, lockout_users=("staff_fs", "person_demo"),
                                   sql=web_attack.sql_runner(app))
        start = time.perf_counter()
        tally = run.run(settings.web.lockout_failures)
        elapsed = time.perf_counter() - start
        requests = sum(tally.tried.values())
        client = run.login("staff_gz")
        start = time.perf_counter()
        for _ in range(200):
            client.get("/console/")
        floor = (time.perf_counter() - start) / 200
        app.extensions["etsgw"].app.close()
    print("\n".join(web_attack.report(tally)))
    for hole in tally.holes[:50]:
        print("HOLE", hole)
    print(f"\n{requests} attacks in {elapsed:.1f} s ({elapsed / requests * 1000:.1f} ms each; "
          f"a plain console page {floor * 1000:.1f} ms)")
    print(f"BENCH web_attack_attempts {requests} count")
    print(f"BENCH web_attack_violations {len(tally.holes)} count")
    return 0 if not tally.holes else 1


if __name__ == "__main__":
    raise SystemExit(main())
