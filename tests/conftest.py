"""Shared fixtures: database URLs for SQLite and a real PostgreSQL, and settings for tests.

PostgreSQL tests are marked ``postgres``. They skip with a printed reason when no PostgreSQL is
available, except when ``ETSGW_REQUIRE_POSTGRES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

# Business time is Beijing time whatever the host's zone (gateway.clock): the suite runs in a
# zone far from it, so that a stray host-local time shows up as a failure here.
os.environ["TZ"] = os.environ.get("ETSGW_TEST_TZ", "America/New_York")
time.tzset()

from tests import pgcluster

_cluster: pgcluster.Cluster | None = None
_cluster_error: str | None = None
_pg_tests_run = 0


def _require_pg() -> bool:
    return os.environ.get("ETSGW_REQUIRE_POSTGRES") == "1"


def _get_cluster() -> pgcluster.Cluster:
    global _cluster, _cluster_error
    if _cluster is None and _cluster_error is None:
        try:
            url = os.environ.get("ETSGW_TEST_DATABASE_URL")
            _cluster = pgcluster.cluster_from_url(url) if url else pgcluster.start_cluster()
        except Exception as exc:  # the reason is reported by the skip or failure below
            _cluster_error = f"{type(exc).__name__}: {exc}"
    if _cluster is None:
        reason = f"PostgreSQL not available: {_cluster_error}"
        if _require_pg():
            pytest.fail(reason + " (ETSGW_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    return _cluster


@pytest.fixture(autouse=True)
def _structlog_defaults():
    """Each test starts from structlog's defaults: a CLI run in-process configures a level filter
    (logconfig) that would otherwise hide later tests' log lines from ``capture_logs``."""
    import structlog

    structlog.reset_defaults()
    yield


@pytest.fixture
def pg_url(request):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    global _pg_tests_run
    cluster = _get_cluster()
    name = "t_" + uuid.uuid4().hex[:16]
    url = pgcluster.create_database(cluster, name)
    _pg_tests_run += 1
    yield url
    pgcluster.drop_database(cluster, name)


@pytest.fixture
def sqlite_url(tmp_path):
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'etsgw.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """Run a test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'etsgw.db'}"
    return request.getfixturevalue("pg_url")


def pytest_sessionfinish(session, exitstatus):
    if _cluster is not None:
        _cluster.stop()
    if _require_pg() and _pg_tests_run == 0 and session.testscollected:
        # CI must run the PostgreSQL tests; none running is a failure, not a silent pass.
        print("\nERROR: ETSGW_REQUIRE_POSTGRES=1 but no PostgreSQL test ran")
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"PostgreSQL databases created for tests: {_pg_tests_run}")
