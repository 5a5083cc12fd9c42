"""After a database restore: move every serial counter past what the lost interval may have
issued, so that a restored gateway never reissues a TraNo, PackNo or TaxVouNo it already sent.

A backup holds the counters as they were when it was taken; everything the gateway sent after
that (1001s, 1102s, vouchers) is known only to the settlement centre. The counter rows cannot
tell how far the lost interval went, so the operator gives a margin (at least the numbers the
gateway can issue per key between the backup and the failure; serials may have gaps, never
repeats). Every counter of the days in question is advanced by it, and the counters that did
not exist yet in the backup (a key first used after it) are created at it.

MsgIDs are not touched: their scope is the second they were made in (messaging_repositories),
so numbers made later never meet the lost ones unless the clock runs backwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Engine

from gateway.persistence.records import SerialCounterRecord

# Voucher sequences have 5 digits (services/serials.new_voucher_no): a counter moved past that
# stops at the top, so the day's next voucher fails loudly instead of repeating one.
CAPS = {"TAXVOU": 99_999}
DEFAULT_CAP = 99_999_999
SKIPPED_KINDS = ("MSGID",)
DAYS_AHEAD = 7


def advance_after_restore(engine: Engine, margin: int, work_date: dt.date) -> dict[str, int]:
    """Advance (set-based, one transaction) the counters of the days from the newest counter
    day (or the restored ``work_date``, whichever is earlier) to ``DAYS_AHEAD`` days after the
    later of both (work dates the ETS may have moved on to since the backup); returns how many
    rows were advanced and created."""
    if margin < 1:
        raise ValueError("the margin must be a positive number")
    c = SerialCounterRecord.__table__.c
    table = SerialCounterRecord.__table__
    with engine.begin() as conn:
        newest = conn.execute(select(func.max(c.day)).where(c.kind.notin_(SKIPPED_KINDS))
                              ).scalar_one()
        if newest is None:
            return {"advanced": 0, "created": 0}
        first = min(newest, work_date)
        days = [first + dt.timedelta(days=k)
                for k in range((max(newest, work_date) - first).days + DAYS_AHEAD + 1)]
        keys = conn.execute(select(c.kind, c.scope).where(c.kind.notin_(SKIPPED_KINDS))
                            .distinct()).all()
        advanced = 0
        for kind in {k for k, _ in keys}:
            cap = CAPS.get(kind, DEFAULT_CAP)
            advanced += conn.execute(
                update(table).where(c.kind == kind, c.day >= first)
                .values(last_value=case((c.last_value + margin > cap, cap),
                                        else_=c.last_value + margin))).rowcount
        existing = set(conn.execute(select(c.kind, c.scope, c.day).where(c.day >= first)).all())
        missing = [{"kind": k, "scope": s, "day": d, "last_value": min(margin, CAPS.get(k, DEFAULT_CAP))}
                   for k, s in keys for d in days if (k, s, d) not in existing]
        if missing:
            conn.execute(insert(table), missing)
    return {"advanced": advanced, "created": len(missing)}
