"""The jobs of ``etsgw jobs`` and their one registry, :data:`JOBS`.

A job is a function of the :class:`~gateway.bootstrap.Application` that sends one command to the
bus (one unit of work per run) and returns its figures; :func:`run_job` times it and logs one
line per run (``job=sweeper debits=3 reversals=0 … ms=12``), or the failure, and never raises,
so that a failing job does not stop the scheduler. Every job is idempotent: the commands claim
the rows they change and move their timers on in the same transaction, so running a job twice,
or beside a gateway worker that sweeps the same timers, acts once per due timer.

Adding a job is one :class:`JobSpec` entry in :data:`JOBS` (and, for a configurable interval,
one key in ``[jobs]`` of :class:`gateway.config.JobsSection`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import structlog

from gateway.bootstrap import Application
from gateway.config import JobsSection
from gateway.domain.batch_messages import AdvanceRealtimeBatches
from gateway.domain.commands import SweepTimeouts
from gateway.domain.reconciliation import RunReconciliation
from gateway.domain.summary_messages import GenerateReports, RefreshDailySummaries


Figures = Mapping[str, int]


@dataclass(frozen=True)
class JobSpec:
    """One job: its id in the job store, what it does, and how often (seconds, from ``[jobs]``)."""

    id: str
    run: Callable[[Application], Figures]
    interval_s: Callable[[JobsSection], float]
    zh: str  # what it does, for `etsgw jobs --list`
    en: str


def sweep(*parts: str) -> Callable[[Application], Figures]:
    """A job that runs these parts of the timeout sweeper (``gateway.services.handlers.sweeper``)."""
    def run(app: Application) -> Figures:
        figures: dict[str, int] = app.bus.handle(SweepTimeouts(now=app.clock(), parts=parts))
        return figures
    return run


def advance_realtime_batches(app: Application) -> Figures:
    """Top up the running real-time batches' in-flight debits (§6.5); the gateway worker's sweep
    does the same each tick, and an entry is given to a debit only once whoever runs it."""
    return {"debits": app.bus.handle(AdvanceRealtimeBatches())}


def reconcile(app: Application) -> Figures:
    """Every check date whose 3122 sub-packages are complete and not yet reconciled (the one that
    completes a package usually reconciles it inline), and the alert for packages still
    incomplete after their deadline."""
    runs = app.bus.handle(RunReconciliation())
    return {"runs": len(runs), "settled_levies": sum(r.settled_levies for r in runs),
            "new_discrepancies": sum(r.new_discrepancies for r in runs)}


def refresh_summaries(app: Application) -> Figures:
    """Rebuild every office's daily summaries from the first day of last month to today (the
    window in which levies are still paid, voided or settled); older days change only when staff
    re-run them. Submitted report versions are frozen whatever the summaries do."""
    today = app.clock().date()
    first_of_last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    result = app.bus.handle(RefreshDailySummaries(first_of_last_month, today))
    return {"rows_before": result.rows_before, "rows_after": result.rows_after}


def generate_reports(app: Application) -> Figures:
    """The month's report of every office from the summaries; a new version only where the
    figures changed."""
    created = app.bus.handle(GenerateReports())
    return {"new_versions": len(created)}


# Reading of issue 14 item 5: "timeout sweeper, in-doubt queries, package deadlines, link test"
# are four jobs over the sweeper's parts; the answer timers stay in the gateway worker as well
# (see docs/architecture.md, "The jobs process").
JOBS: tuple[JobSpec, ...] = (
    JobSpec("sweeper", sweep("debits", "reversals", "reservations", "verifications", "stops"),
            lambda j: j.sweeper_interval_s,
            "超时扫描：应答超时转为待查证，冲正、柜台预约、协议验证、止付的计时器",
            "answer timers: debits to IN_DOUBT, reversals, reservations, verifications, stops"),
    JobSpec("in_doubt", sweep("in_doubt"), lambda j: j.in_doubt_interval_s,
            "待查证扣款按退避计划发送 9003 状态查询",
            "9003 status queries of in-doubt debits on the back-off"),
    JobSpec("packages", sweep("packages"), lambda j: j.packages_interval_s,
            "批量包回执期限与 9003 包状态查询",
            "package deadlines and package 9003 queries"),
    JobSpec("link_test", sweep("link"), lambda j: j.link_test_interval_s,
            "空闲时发送 9005 链路测试，超时未应答标记链路中断",
            "9005 link test when idle; link DOWN when unanswered"),
    JobSpec("realtime_batches", advance_realtime_batches, lambda j: j.realtime_batches_interval_s,
            "实时批量扣款：结清已有结果的扣款，并按在途上限补发 1001",
            "real-time batches: settle resolved debits and top up in-flight 1001s"),
    JobSpec("reconcile", reconcile, lambda j: j.reconcile_interval_s,
            "日终对账：核对已收齐的 3122 入库明细，入库（SETTLED）并生成差异清单；分包缺失告警",
            "day-end reconciliation of complete 3122s (levies SETTLED, discrepancy list); "
            "missing sub-package alert"),
    JobSpec("summaries", refresh_summaries, lambda j: j.summaries_interval_s,
            "重算上月初至今日的每日应征、入库汇总（各税务机关）",
            "daily levied/received summaries from the first of last month to today"),
    JobSpec("reports", generate_reports, lambda j: j.reports_interval_s,
            "按汇总生成本月社保费应收实收明细月报表（数字变化时产生新版本）",
            "the month's levied-vs-collected reports (a new version where figures changed)"),
)


def job(job_id: str) -> JobSpec:
    """The registered job ``job_id`` (KeyError naming the known ones)."""
    for spec in JOBS:
        if spec.id == job_id:
            return spec
    raise KeyError(f"unknown job {job_id!r}; known: {', '.join(s.id for s in JOBS)}")


def run_job(app: Application, job_id: str) -> dict[str, Any] | None:
    """Run one job now and log its line; its figures with ``ms``, or None when it failed."""
    spec = job(job_id)
    # A fresh logger per run: a module-level one caches its processors on first use
    # (logconfig's cache_logger_on_first_use), which a later structlog configuration would miss.
    log = structlog.get_logger("jobs")
    started = time.perf_counter()
    try:
        figures = dict(spec.run(app))
    except Exception:  # logged with its traceback; the next run tries again
        log.exception(f"job {spec.id} failed", job=spec.id, ms=_ms(started))
        return None
    figures["ms"] = _ms(started)
    log.info(f"job {spec.id}", job=spec.id, **figures)
    return figures


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
