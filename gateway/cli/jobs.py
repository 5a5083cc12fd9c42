"""``etsgw jobs``: the scheduler process (one leader per database, the others follow), one job
run now (``--once``), or the jobs with their next runs and the current leader (``--list``).

Like ``etsgw web`` this command is an entry point: it imports the ``jobs`` package, which the
rest of ``gateway`` never does (import contract "nothing in gateway imports webapp or jobs").
"""

from __future__ import annotations

import signal
import threading
import time

import click

from gateway.bootstrap import build
from gateway.cli.errors import InternalError
from gateway.cli.output import table

ALL = "all"


def _job_ids() -> list[str]:
    from jobs.tasks import JOBS

    return [spec.id for spec in JOBS]


@click.command("jobs")
@click.option("--once", "once", type=click.Choice([*_job_ids(), ALL]), default=None,
              metavar="JOB",
              help=f"立即运行一个作业（{ALL} 为全部）后退出，不取租约 / run one job now ({ALL}: "
                   f"every job) and exit, without the lease: {', '.join(_job_ids())}.")
@click.option("--list", "show", is_flag=True,
              help="列出作业、间隔、下次运行时间和当前主进程 / list the jobs, their intervals "
                   "and next run times, and the current leader.")
@click.pass_obj
def jobs(obj, once: str | None, show: bool) -> None:
    """定时作业进程 / Run the jobs process (APScheduler).

    同一数据库上只有一个主进程执行作业，其余等待并在租约到期后接管 / one leader per database
    runs the jobs; the others wait and take over when its lease expires."""
    from gateway.persistence import migrate

    if once and show:
        raise click.UsageError("--once 与 --list 不能同时使用 / use --once or --list, not both")
    app = build(obj.settings)
    try:
        if show:
            _list(app)
            return
        migrate.upgrade(app.engine)
        if once:
            failed = run_once(app, once, echo=click.echo)
            if failed:
                raise InternalError(f"作业失败：{', '.join(failed)}，见日志",
                                    f"job(s) failed: {', '.join(failed)}; see the log")
            return
        _run(app)
    finally:
        app.close()


def run_once(app, job_id: str, echo=click.echo) -> list[str]:
    """Run ``job_id`` (or every job) now; echo each one's figures; the ids that failed."""
    from jobs.tasks import run_job

    failed = []
    for jid in _job_ids() if job_id == ALL else [job_id]:
        figures = run_job(app, jid)
        if figures is None:
            failed.append(jid)
            echo(f"{jid}: 失败 / failed")
        else:
            echo(f"{jid}: " + " ".join(f"{k}={v}" for k, v in figures.items()))
    return failed


def _list(app) -> None:
    from jobs.scheduler import leader, next_runs
    from jobs.tasks import JOBS

    nexts = next_runs(app)
    table([("job", "JOB"), ("every", "EVERY"), ("next", "NEXT RUN"), ("what", "WHAT")],
          [{"job": s.id, "every": f"{s.interval_s(app.settings.jobs):g} s",
            "next": f"{nexts[s.id]:%Y-%m-%d %H:%M:%S}" if nexts.get(s.id) else "-",
            "what": s.zh} for s in JOBS])
    info = leader(app)
    click.echo(f"当前主进程 / leader: {info.describe(time.time())}" if info
               else "当前没有主进程 / no leader")


def _run(app) -> None:
    from jobs.scheduler import JobsProcess

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("作业进程运行中，Ctrl-C 停止 / jobs process running; Ctrl-C to stop", err=True)
    JobsProcess(app, stop).run()
