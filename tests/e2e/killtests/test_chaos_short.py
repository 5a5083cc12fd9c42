"""The short form of the crash test and restore drill (bench/chaos.py): a few hundred debits,
five packages, reversals and counter payments against the simulator with fault injection, the
gateway and jobs processes SIGKILLed at seeded random moments and restarted; then the online
backup, restore, ``etsgw db after-restore`` and restart. Both counts of violations must be 0."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "chaos.py"


def _chaos_module():
    spec = importlib.util.spec_from_file_location("bench_chaos", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_short_chaos_and_restore_drill_find_no_violation(database, request, monkeypatch, capsys):
    """On PostgreSQL the backup is ``pg_dump -Fc`` and the restore drop, create, ``pg_restore``,
    on the tests' server (a database of the drill's own beside the test's)."""
    extra = []
    if database == "postgres":
        monkeypatch.setenv("ETSGW_BENCH_PG_URL", request.getfixturevalue("pg_url"))
        extra = ["--postgres"]
    chaos = _chaos_module()
    chaos_v, restore_v = chaos.main([
        "--debits", "300", "--rate", "40", "--payers", "30", "--seed", "18",
        "--kill-gap-min", "2", "--kill-gap-max", "4", "--min-kills", "4", "--counter", "2",
        "--reversals", "2", "--timer-scale", "0.5", "--restore-debits", "200",
        "--drain-seconds", "240", *extra])
    out = capsys.readouterr().out
    print(out)
    assert "SIGKILLs" in out and "restore: online backup" in out
    if database == "postgres":
        assert "pg_dump -Fc" in out and "pg_restored" in out
    assert (chaos_v, restore_v) == (0, 0), out
