"""The scheduler process: APScheduler 3 on the gateway's database, run by one leader at a time.

Every ``etsgw jobs`` process competes for the process lease ``jobs`` (a ``process_lease`` row
with an expiry, :mod:`gateway.persistence.leases`). The holder runs a BackgroundScheduler whose
job store is the table ``job_schedule``; the others follow: they look every
``jobs.follow_poll_s`` whether the lease is free and take over when it has expired (or, on the
same host, as soon as its holder's pid is gone). A leader that finds its lease taken (it was
frozen past the expiry) shuts its scheduler down and follows again. Jobs are added with explicit
ids and ``replace_existing=True`` on every take-over, so the store holds one row per job, with
the intervals of the current configuration; runs missed while nobody led coalesce into one, and
a run later than ``jobs.misfire_grace_s`` is skipped.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import exc, select

from gateway.bootstrap import Application
from gateway.clock import BEIJING
from gateway.persistence.leases import LeaseHeld, LeaseInfo, ProcessLease
from gateway.persistence.records import JobScheduleRecord
from jobs import tasks

LEASE = "jobs"
log = structlog.get_logger("jobs")

# APScheduler stores a job as a reference to a module-level function plus picklable arguments;
# the Application (engine, bus) is not picklable, so the leader parks it here for the runs.
_running: dict[str, Application] = {}


def run_scheduled(job_id: str) -> None:
    """What the job store names: run job ``job_id`` with the leader's Application."""
    tasks.run_job(_running["app"], job_id)


def make_scheduler(app: Application) -> BackgroundScheduler:
    j = app.settings.jobs
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=app.engine,
                                                 tablename=JobScheduleRecord.__tablename__)},
        executors={"default": ThreadPoolExecutor(max(1, j.threads))},
        job_defaults={"coalesce": True, "misfire_grace_time": j.misfire_grace_s,
                      "max_instances": 1},
        timezone=BEIJING)


def add_jobs(scheduler: BackgroundScheduler, app: Application) -> None:
    """Every registered job, due at once (a new leader catches up on what a crashed one left),
    then at its interval."""
    now = dt.datetime.now(BEIJING)
    for spec in tasks.JOBS:
        scheduler.add_job(run_scheduled, "interval", args=[spec.id], id=spec.id, name=spec.en,
                          seconds=spec.interval_s(app.settings.jobs), next_run_time=now,
                          replace_existing=True)


def next_runs(app: Application) -> dict[str, dt.datetime | None]:
    """Job id → next run time (Beijing, naive) as the job store holds it (read-only)."""
    t = JobScheduleRecord
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.id, t.next_run_time)).all()
    return {r.id: (dt.datetime.fromtimestamp(r.next_run_time, BEIJING).replace(tzinfo=None)
                   if r.next_run_time is not None else None) for r in rows}


def leader(app: Application) -> LeaseInfo | None:
    """The current leader's lease, if one is unexpired."""
    info = ProcessLease(app.engine, LEASE, app.settings.jobs.lease_s).current()
    return info if info is not None and info.expires_at >= time.time() else None


class JobsProcess:
    """Follow, lead, follow again … until ``stop`` is set."""

    def __init__(self, app: Application, stop: threading.Event) -> None:
        self.app, self.stop = app, stop
        self.terms = 0  # leadership terms begun (for tests and the log)

    def run(self) -> None:
        j = self.app.settings.jobs
        waiting_logged = False
        while not self.stop.is_set():
            lease = ProcessLease(self.app.engine, LEASE, j.lease_s)
            try:
                lease.acquire()
            except LeaseHeld as held:
                if not waiting_logged:
                    log.info("jobs following", leader_pid=held.info.pid, leader_host=held.info.host)
                    waiting_logged = True
                self.stop.wait(j.follow_poll_s)
                continue
            except exc.SQLAlchemyError as err:  # database unreachable or busy: look again
                log.warning("jobs lease not readable", error=str(err))
                self.stop.wait(j.follow_poll_s)
                continue
            waiting_logged = False
            self._lead(lease)
        log.info("jobs stopped", terms=self.terms)

    def _lead(self, lease: ProcessLease) -> None:
        self.terms += 1
        lost = threading.Event()
        lease.start_heartbeat(lambda holder: lost.set())
        scheduler = make_scheduler(self.app)
        _running["app"] = self.app
        try:
            add_jobs(scheduler, self.app)
            scheduler.start()
            _drop_unknown(scheduler)
            log.info("jobs leading", jobs=",".join(s.id for s in tasks.JOBS), term=self.terms)
            while not self.stop.wait(0.2) and not lost.is_set():
                pass
        finally:
            scheduler.shutdown(wait=True)  # running jobs finish their unit of work
            if lost.is_set():
                holder = lease.current()
                log.warning("jobs lease lost; following again",
                            leader_pid=holder.pid if holder else None)
            else:
                lease.release()


def _drop_unknown(scheduler: BackgroundScheduler) -> None:
    """Jobs left in the store by an older configuration (a job since removed from the code)."""
    known = {s.id for s in tasks.JOBS}
    for stale in scheduler.get_jobs():
        if stale.id not in known:
            stale.remove()
            log.info("jobs removed a job no longer registered", job=stale.id)
