"""Scheduled work run by the loop when due on the simulator's clock: delayed puts (faults),
bank debits (``bank_delay_s``), package processing (``package_delay_s``) and 2108 resends.

Tests move an injected clock instead of sleeping; ``etsgw sim run`` uses the wall clock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from gateway.simulator import counter, packages, single
from gateway.simulator import schema as t
from gateway.simulator import statements as q
from gateway.simulator.context import Tx


def due(reader: Engine, now: dt.datetime, limit: int) -> list[int]:
    """Ids of the jobs due at ``now``, oldest first (a read that takes no write lock)."""
    with reader.connect() as conn:  # asked at every pass: a statement built once
        return list(conn.execute(q.JOBS_DUE, {"b_now": now, "b_limit": limit}).scalars())


def next_due(reader: Engine) -> dt.datetime | None:
    """When the earliest job falls due (None without jobs): how long an idle loop may sleep."""
    with reader.connect() as conn:
        due: dt.datetime | None = conn.execute(q.NEXT_DUE).scalar()
        return due


def run(tx: Tx, job_id: int) -> str | None:
    """Run one job inside ``tx`` (claimed by deleting it); returns its kind, or None if another
    worker took it first."""
    j = t.jobs.c
    job = tx.conn.execute(select(t.jobs).where(j.id == job_id)).first()
    if job is None or tx.conn.execute(delete(t.jobs).where(j.id == job_id)).rowcount != 1:
        return None
    if job.kind == "send":
        tx.session.put(job.queue, job.body, msg_id=job.msg_id, correl_id=job.correl_id,
                       ccsid=job.ccsid)
    elif job.kind == "debit":
        single.bank_process(tx, job.key_id)
    elif job.kind == "package":
        packages.process(tx, job.key_id)
    elif job.kind == "resend2108":
        counter.resend_2108(tx, job.key_id, job.attempt)
    else:
        tx.env.log.warning("sim.unknown_job", job_id=job_id, kind=job.kind)
    return str(job.kind)


#: How long a job that failed waits before it is tried again (seconds of the sim's clock).
RETRY_FAILED_JOB_S = 60.0


def postpone(tx: Tx, job_id: int) -> None:
    """Try a failed job again later instead of at every pass."""
    tx.conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(
        due_at=tx.now + dt.timedelta(seconds=RETRY_FAILED_JOB_S)))
