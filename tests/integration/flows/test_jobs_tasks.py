"""The jobs of ``etsgw jobs`` on a real database (SQLite and PostgreSQL): each does its part of
the sweep, reports its figures in one log line, is idempotent when run again or by two
sweepers at once, and a failing job is logged without raising."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import structlog
from sqlalchemy import func, select, text

from gateway.domain.commands import SubmitDebit
from gateway.persistence.records import DebitRecord, PackageRecord
from jobs import tasks
from tests.integration.flows.test_batch_packages import accept, launch


def submit(h, payer):
    return h.handle(SubmitDebit(payer_id=payer, levy_ids=tuple(h.data.levies[payer]),
                                requested_by="test"))


def state_of(h, debit_id):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(select(DebitRecord.state).where(DebitRecord.id == debit_id)).scalar_one()


def run(h, job_id):
    with structlog.testing.capture_logs() as logs:
        figures = tasks.run_job(h.rt.app, job_id)
    lines = [entry for entry in logs if entry.get("job") == job_id]
    assert len(lines) == 1, logs  # one line per run ...
    assert {k: lines[0][k] for k in figures} == figures  # ... with its figures
    return figures


def test_sweeper_then_in_doubt_queries(harness):
    h = harness
    d = submit(h, h.data.payers[0])
    h.clock.advance(9)
    assert run(h, "sweeper")["debits"] == 0 and state_of(h, d.id) == "SENT"
    h.clock.advance(1)  # the 9120 timer (10 s) has run out
    figures = run(h, "sweeper")
    assert figures["debits"] == 1 and state_of(h, d.id) == "IN_DOUBT"
    assert set(figures) == {"debits", "reversals", "reservations", "verifications", "stops", "ms"}
    assert run(h, "sweeper")["debits"] == 0  # idempotent
    assert run(h, "in_doubt")["in_doubt"] == 0  # its first 9003 is a minute away
    h.clock.advance(60)
    assert run(h, "sweeper")["debits"] == 0  # the sweeper leaves the in-doubt queries alone
    assert run(h, "in_doubt")["in_doubt"] == 1
    assert run(h, "in_doubt")["in_doubt"] == 0
    (query,) = [m for _, m in h.outbox("9003")]
    check = query.body.tra_status_check9003
    assert (check.search_type, check.ori_tra_no) == ("0", d.tra_no)


def test_packages_query_then_deadline(harness):
    h = harness
    _, pkg = launch(h)
    assert run(h, "packages")["packages"] == 0
    h.clock.t = pkg.next_check_at  # no 9121 within receipt_9121_s
    assert run(h, "packages")["packages"] == 1
    assert run(h, "packages")["packages"] == 0
    (query,) = [m for _, m in h.outbox("9003")]
    check = query.body.tra_status_check9003
    assert (check.search_type, check.ori_pack_no) == ("1", pkg.pack_no)
    accept(h, pkg)
    h.clock.t = pkg.deadline_at
    assert run(h, "packages")["packages"] == 1
    with h.rt.app.engine.connect() as conn:
        assert conn.execute(select(PackageRecord.state)).scalar_one() == "FAILED"
    assert run(h, "packages")["packages"] == 0


def test_link_test_sends_one_9005_then_waits_for_its_answer(harness):
    h = harness
    assert run(h, "link_test")["link"] == 1
    assert run(h, "link_test")["link"] == 0  # pending: not sent again
    assert len(h.outbox("9005")) == 1


def test_two_sweepers_at_once_act_once_per_timer(harness):
    """The gateway worker's sweep and the jobs' in_doubt and packages jobs at the same moment
    (threads, one unit of work each): one 9003 per in-doubt debit and per package."""
    h = harness
    debits = [submit(h, p) for p in h.data.payers[:2]]
    _, pkg = launch(h)
    h.clock.advance(10)
    run(h, "sweeper")  # both debits IN_DOUBT, their first 9003 a minute later
    h.clock.t = max(pkg.next_check_at, h.clock.t + dt.timedelta(seconds=60))
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def sweep(job_id: str | None) -> None:
        start.wait(30)
        try:
            if job_id is None:
                h.sweep()  # the worker's full sweep
            else:
                assert tasks.run_job(h.rt.app, job_id) is not None
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(j,))
               for j in (None, "in_doubt", "packages", "in_doubt")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    queries = [m.body.tra_status_check9003 for _, m in h.outbox("9003")]
    assert sorted(q.ori_tra_no for q in queries if q.search_type == "0") == \
        sorted(d.tra_no for d in debits)
    assert [q.ori_pack_no for q in queries if q.search_type == "1"] == [pkg.pack_no]


def test_a_failing_job_is_logged_and_does_not_raise(harness, monkeypatch):
    def boom(app):
        raise RuntimeError("database went away")
    failing = dataclasses.replace(tasks.job("sweeper"), id="boom", run=boom)
    monkeypatch.setattr(tasks, "JOBS", (*tasks.JOBS, failing))
    with structlog.testing.capture_logs() as logs:
        assert tasks.run_job(harness.rt.app, "boom") is None
    (line,) = [entry for entry in logs if entry.get("job") == "boom"]
    assert line["log_level"] == "error" and "failed" in line["event"] and "ms" in line


def test_summaries_and_reports_jobs_build_the_tables_and_are_idempotent(harness):
    from gateway.persistence.records import DailySummaryRecord, ReportVersionRecord

    def counts():
        with harness.rt.app.engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(DailySummaryRecord)).scalar_one(),
                    conn.execute(select(func.count()).select_from(ReportVersionRecord)).scalar_one())

    with harness.rt.app.engine.begin() as conn:  # levied on the harness's business day
        conn.execute(text("UPDATE levy SET created_at = :t"), {"t": dt.datetime(2024, 11, 5, 9, 0)})
    first = run(harness, "summaries")
    assert first["rows_after"] > 0 and counts()[0] == first["rows_after"]
    assert run(harness, "reports")["new_versions"] > 0
    before = counts()
    # Nothing changed in between: the same rows, and no new report version.
    assert run(harness, "summaries")["rows_after"] == first["rows_after"]
    assert run(harness, "reports")["new_versions"] == 0
    assert counts() == before


def test_reconcile_job_with_nothing_received_runs_nothing(harness):
    assert run(harness, "reconcile")["runs"] == 0


def test_realtime_batches_job_with_no_running_batch_writes_nothing(harness):
    assert run(harness, "realtime_batches")["debits"] == 0
