"""The daily summaries, set-based: one INSERT…SELECT … GROUP BY per measure, after deleting
exactly the rows of the scope (its offices and dates), all in the caller's transaction, so a
re-run of one city or district never touches another office's figures. Also the monthly report
versions (frozen once submitted) and the arrears the reminders name."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import BigInteger, String, and_, case, delete, func, insert, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import type_coerce

from gateway.domain.errors import NotFound
from gateway.domain.money import money
from gateway.domain.summary import (ARREARS_STATES, CHANNEL_OF_LOCK, EXCLUDED_FROM_LEVIED,
                                    MONTHLY, RECEIVED_STATES, REPORTING_LEVELS, Arrears, Channel,
                                    Measure, RefreshResult, ReportVersionInfo, month_bounds)
from gateway.persistence.records import (DailySummaryRecord, InsuranceTypeRecord,
                                         InsuredPersonRecord, LevyRecord, PayerRecord,
                                         ReportVersionRecord, SummaryRunRecord, TaxOfficeRecord)
from gateway.persistence.types import fen_to_yuan
from gateway.persistence.web_queries import office_subtree

ds = DailySummaryRecord.__table__
_DIMENSIONS = ("day", "tax_org_code", "insurance_code", "payer_kind", "channel")
MONTHLY_FIGURES = ("levied", "levied_payers", "levied_persons", "received", "received_payers",
                   "received_persons")


def channel_expr(paid_by):
    """The payment channel of a paid levy, from its payer's lock kind (domain.summary)."""
    return case(*((paid_by.like(f"{kind.value}:%"), literal(ch.value))
                  for kind, ch in CHANNEL_OF_LOCK.items()), else_=literal(Channel.OTHER.value))


def _source(measure: Measure, date_from: dt.date, date_to: dt.date,
            office_codes: Sequence[str] | None):
    """The levies of one measure in the scope, one row each with its summary dimensions."""
    lv, p = LevyRecord, PayerRecord
    if measure is Measure.LEVIED:
        day = func.date(lv.created_at)
        channel: Any = literal("", String)
        start = dt.datetime.combine(date_from, dt.time())
        where = [lv.created_at >= start,
                 lv.created_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()),
                 lv.state.not_in(EXCLUDED_FROM_LEVIED)]
    else:
        day, channel = lv.tax_date, channel_expr(lv.paid_by)
        where = [lv.state.in_(RECEIVED_STATES), lv.tax_date >= date_from, lv.tax_date <= date_to]
    if office_codes is not None:
        where.append(lv.tax_org_code.in_(office_codes))
    return (select(day.label("day"), lv.tax_org_code, lv.insurance_code,
                   p.kind.label("payer_kind"), channel.label("channel"), lv.payer_id,
                   lv.amount)
            .join(p, p.id == lv.payer_id).where(*where).subquery("src"))


def _summary_select(measure: Measure, run_id: int, date_from: dt.date, date_to: dt.date,
                    office_codes: Sequence[str] | None):
    """Two levels: per payer within a summary row (so 户次 counts a payer once and 人次 adds its
    insured persons once), then per summary row."""
    src = _source(measure, date_from, date_to, office_codes)
    keys = [src.c[k] for k in _DIMENSIONS]
    per_payer = (select(*keys, src.c.payer_id, func.count().label("n"),
                        func.sum(src.c.amount).label("amt"))
                 .group_by(*keys, src.c.payer_id).subquery("per_payer"))
    ip = InsuredPersonRecord
    heads = select(ip.unit_id, func.count().label("h")).group_by(ip.unit_id).subquery("heads")
    pk = [per_payer.c[k] for k in _DIMENSIONS]
    return (select(literal(measure.value, String).label("measure"), *pk,
                   func.sum(per_payer.c.n), func.count(), func.sum(func.coalesce(heads.c.h, 1)),
                   func.sum(per_payer.c.amt), literal(run_id).label("run_id"))
            .select_from(per_payer.outerjoin(heads, heads.c.unit_id == per_payer.c.payer_id))
            .group_by(*pk))


def _scope(date_from: dt.date, date_to: dt.date, office_codes: Sequence[str] | None):
    cond = [ds.c.day >= date_from, ds.c.day <= date_to]
    if office_codes is not None:
        cond.append(ds.c.tax_org_code.in_(office_codes))
    return and_(*cond)


def _totals(conn: Connection, scope) -> tuple[int, Decimal, Decimal]:
    row = conn.execute(select(
        func.count(),
        func.coalesce(func.sum(case((ds.c.measure == Measure.LEVIED.value, ds.c.amount),
                                    else_=0)), 0),
        func.coalesce(func.sum(case((ds.c.measure == Measure.RECEIVED.value, ds.c.amount),
                                    else_=0)), 0)).where(scope)).one()
    return int(row[0]), money(row[1]), money(row[2])  # Money-typed sums come back as yuan


def fingerprint(body: Any) -> tuple[str, str]:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    return text, hashlib.sha256(text.encode()).hexdigest()


class SummaryRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    @property
    def conn(self) -> Connection:
        return self.s.connection()

    def office_subtree(self, code: str) -> tuple[str, ...]:
        return office_subtree(self.conn, code)

    def refresh(self, date_from: dt.date, date_to: dt.date, office_codes: Sequence[str] | None,
                root: str, operator: str, now: dt.datetime) -> RefreshResult:
        conn = self.conn
        scope = _scope(date_from, date_to, office_codes)
        rows_before, levied_before, received_before = _totals(conn, scope)
        run_id = conn.execute(insert(SummaryRunRecord.__table__).values(
            requested_by=operator, tax_org_code=root, date_from=date_from, date_to=date_to,
            started_at=now, rows_before=rows_before, levied_before=levied_before,
            received_before=received_before, rows_after=0, levied_after=Decimal("0.00"),
            received_after=Decimal("0.00")).returning(SummaryRunRecord.id)).scalar_one()
        conn.execute(delete(ds).where(scope))
        columns = ["measure", *_DIMENSIONS, "levy_count", "payer_count", "person_count", "amount",
                   "run_id"]
        for measure in Measure:
            conn.execute(insert(ds).from_select(
                columns, _summary_select(measure, run_id, date_from, date_to, office_codes)))
        rows_after, levied_after, received_after = _totals(conn, scope)
        conn.execute(update(SummaryRunRecord.__table__).where(SummaryRunRecord.id == run_id)
                     .values(finished_at=now, rows_after=rows_after, levied_after=levied_after,
                             received_after=received_after))
        return RefreshResult(run_id, root, date_from, date_to, rows_before, rows_after,
                             levied_before, levied_after, received_before, received_after)

    # -- monthly report versions ---------------------------------------------------------------

    def generate_monthly(self, month: str, operator: str, now: dt.datetime) -> list[int]:
        """A new DRAFT version of every reporting office whose figures differ from its latest
        version; submitted versions are never touched."""
        conn = self.conn
        figures = monthly_figures(conn, month)
        offices = _offices(conn)
        last_run = conn.execute(select(func.max(SummaryRunRecord.id))).scalar()
        created = []
        for code, (level, _parent, _name) in offices.items():
            if level not in REPORTING_LEVELS:
                continue
            body = monthly_body(code, offices, figures)
            text, digest = fingerprint(body)
            t = ReportVersionRecord
            latest = conn.execute(select(t.version, t.fingerprint).where(
                t.report == MONTHLY, t.month == month, t.tax_org_code == code)
                .order_by(t.version.desc()).limit(1)).first()
            if latest is not None and latest.fingerprint == digest:
                continue
            if latest is None and not body:
                continue  # an office with no figures at all gets no empty report
            created.append(conn.execute(insert(t.__table__).values(
                report=MONTHLY, month=month, tax_org_code=code,
                version=(latest.version + 1) if latest else 1, state="DRAFT", fingerprint=digest,
                body=text, summary_run_id=last_run, created_by=operator, created_at=now,
                submitted_by="", submitted_to="").returning(t.id)).scalar_one())
        return created

    def version(self, version_id: int) -> ReportVersionInfo:
        t = ReportVersionRecord
        row = self.conn.execute(select(t.id, t.report, t.month, t.tax_org_code, t.version,
                                       t.state, TaxOfficeRecord.parent_code)
                                .join(TaxOfficeRecord, TaxOfficeRecord.code == t.tax_org_code)
                                .where(t.id == version_id)).first()
        if row is None:
            raise NotFound(f"报表版本 {version_id} 不存在")
        return ReportVersionInfo(row.id, row.report, row.month, row.tax_org_code, row.version,
                                 row.state, row.parent_code or "")

    def mark_submitted(self, version_id: int, by: str, to: str, at: dt.datetime) -> bool:
        """DRAFT → SUBMITTED, once: the condition on the state is the freeze."""
        t = ReportVersionRecord
        result = self.conn.execute(update(t.__table__).where(t.id == version_id,
                                                             t.state == "DRAFT")
                                   .values(state="SUBMITTED", submitted_by=by, submitted_to=to,
                                           submitted_at=at))
        return result.rowcount == 1

    def arrears(self, payer_ids: Sequence[int], office_codes: Sequence[str],
                as_of: dt.date) -> list[Arrears]:
        lv, p = LevyRecord, PayerRecord
        rows = self.conn.execute(
            select(p.id, p.tax_org_code, p.name, func.count(), func.sum(lv.amount))
            .join(lv, lv.payer_id == p.id)
            .where(p.id.in_(payer_ids), p.tax_org_code.in_(office_codes),
                   lv.state.in_(ARREARS_STATES), lv.period_end < as_of)
            .group_by(p.id, p.tax_org_code, p.name).order_by(p.id))
        return [Arrears(r[0], r[1], r[2], int(r[3]), money(r[4])) for r in rows]


def _offices(conn: Connection) -> dict[str, tuple[str, str | None, str]]:
    t = TaxOfficeRecord
    return {r.code: (r.level, r.parent_code, r.name)
            for r in conn.execute(select(t.code, t.level, t.parent_code, t.name))}


def monthly_figures(conn: Connection, month: str) -> dict[tuple[str, str], dict[str, int]]:
    """(office, insurance) → summed figures of the month (amounts in fen), from the summaries."""
    first, last = month_bounds(month)
    rows = conn.execute(
        select(ds.c.tax_org_code, ds.c.insurance_code, ds.c.measure,
               type_coerce(func.sum(ds.c.amount), BigInteger),  # fen, summed exactly below
               func.sum(ds.c.payer_count), func.sum(ds.c.person_count))
        .where(ds.c.day >= first, ds.c.day <= last)
        .group_by(ds.c.tax_org_code, ds.c.insurance_code, ds.c.measure))
    out: dict[tuple[str, str], dict[str, int]] = {}
    for org, ins, measure, amount, payers, persons in rows:
        f = out.setdefault((org, ins), dict.fromkeys(MONTHLY_FIGURES, 0))
        prefix = "levied" if measure == Measure.LEVIED.value else "received"
        f[prefix] += int(amount)
        f[prefix + "_payers"] += int(payers)
        f[prefix + "_persons"] += int(persons)
    return out


def _child_under(code: str, root: str, offices: dict[str, tuple[str, str | None, str]]) -> str | None:
    """The office directly below ``root`` on the way to ``code`` (``root`` itself for its own
    levies), or None when ``code`` is not under ``root``."""
    if code == root:
        return root
    node: str | None = code
    while node is not None:
        parent = offices.get(node, ("", None, ""))[1]
        if parent == root:
            return node
        node = parent
    return None


def monthly_body(root: str, offices: dict[str, tuple[str, str | None, str]],
                 figures: dict[tuple[str, str], dict[str, int]]) -> list[dict[str, Any]]:
    """The report of ``root``: one row per office directly below it (and itself) and insurance
    type; amounts as text yuan, so the JSON is exact."""
    rolled: dict[tuple[str, str], dict[str, int]] = {}
    for (org, ins), f in figures.items():
        child = _child_under(org, root, offices)
        if child is None:
            continue
        acc = rolled.setdefault((child, ins), dict.fromkeys(MONTHLY_FIGURES, 0))
        for k, v in f.items():
            acc[k] += v
    body = []
    for (child, ins), f in sorted(rolled.items()):
        row: dict[str, Any] = {"office": child, "office_name": offices[child][2],
                               "insurance_code": ins}
        for k, v in f.items():
            row[k] = str(fen_to_yuan(v)) if k in ("levied", "received") else v
        body.append(row)
    return body


def insurance_names(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(InsuranceTypeRecord.code, InsuranceTypeRecord.name)).all())


__all__ = ["SummaryRepository", "monthly_figures", "monthly_body", "channel_expr"]
