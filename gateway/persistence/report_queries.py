"""Read side of the reports, every query limited to the caller's offices (their office and its
subordinates): report versions, daily income, arrears, the largest payers, payers without a
payment for three months, reminders sent, branches the directory does not know, summary runs.
Rows are unmasked; the web layer masks them. Definitions (received, arrears) are those of
gateway.domain.summary."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterator, Sequence

from sqlalchemy import String, case, func, literal, select, union_all
from sqlalchemy.engine import Connection

from gateway.domain.summary import (ARREARS_STATES, MONTHLY, RECEIVED_STATES, Measure,
                                    month_bounds, months_before)
from gateway.persistence.records import (AgreementRecord, BankRecord, DailySummaryRecord,
                                         DebitRecord, InsuranceTypeRecord, LevyRecord,
                                         NotificationRecord, PayerRecord, ReportVersionRecord,
                                         SummaryRunRecord, TaxOfficeRecord)

ds = DailySummaryRecord.__table__
Offices = Sequence[str]


def data_version(conn: Connection) -> int:
    """The newest summary run: every report built on the summaries changes only with it."""
    return int(conn.execute(select(func.coalesce(func.max(SummaryRunRecord.id), 0))).scalar_one())


# -- monthly report ----------------------------------------------------------------------------

_VERSION_COLUMNS = (ReportVersionRecord.id, ReportVersionRecord.month,
                    ReportVersionRecord.tax_org_code, ReportVersionRecord.version,
                    ReportVersionRecord.state, ReportVersionRecord.created_by,
                    ReportVersionRecord.created_at, ReportVersionRecord.submitted_by,
                    ReportVersionRecord.submitted_at, ReportVersionRecord.submitted_to,
                    ReportVersionRecord.fingerprint)


def report_versions(conn: Connection, offices: Offices, org: str, month: str) -> list[dict]:
    """The versions of ``org``'s monthly report, newest first (none outside the scope)."""
    t = ReportVersionRecord
    if org not in offices:
        return []
    return [dict(r._mapping) for r in conn.execute(
        select(*_VERSION_COLUMNS).where(t.report == MONTHLY, t.month == month,
                                        t.tax_org_code == org).order_by(t.version.desc()))]


def report_version(conn: Connection, offices: Offices, version_id: int) -> dict | None:
    t = ReportVersionRecord
    row = conn.execute(select(*_VERSION_COLUMNS, t.body).where(
        t.id == version_id, t.tax_org_code.in_(offices))).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["rows"] = json.loads(out.pop("body"))
    return out


def reporting_offices(conn: Connection, offices: Offices) -> list[dict]:
    """Offices of the scope that make a monthly report (district, city, province)."""
    t = TaxOfficeRecord
    return [dict(r._mapping) for r in conn.execute(
        select(t.code, t.name, t.level).where(t.code.in_(offices),
                                              t.level.in_(("DISTRICT", "CITY", "PROVINCE")))
        .order_by(t.code))]


def summary_totals(conn: Connection, offices: Offices, first: dt.date, last: dt.date) -> dict:
    """Levied and received totals of the scope over the days, straight from the summaries."""
    row = conn.execute(select(
        func.coalesce(func.sum(case((ds.c.measure == Measure.LEVIED.value, ds.c.amount),
                                    else_=0)), 0).label("levied"),
        func.coalesce(func.sum(case((ds.c.measure == Measure.RECEIVED.value, ds.c.amount),
                                    else_=0)), 0).label("received"))
        .where(ds.c.day >= first, ds.c.day <= last, ds.c.tax_org_code.in_(offices))).one()
    return dict(row._mapping)


# -- daily income monitoring -------------------------------------------------------------------

def daily_income(conn: Connection, offices: Offices, first: dt.date, last: dt.date) -> list[dict]:
    """Per day and channel: received amount, 户次 and 人次; plus the day's levied amount
    (channel '')."""
    rows = conn.execute(
        select(ds.c.day, ds.c.measure, ds.c.channel, func.sum(ds.c.amount).label("amount"),
               func.sum(ds.c.payer_count).label("payers"),
               func.sum(ds.c.person_count).label("persons"))
        .where(ds.c.day >= first, ds.c.day <= last, ds.c.tax_org_code.in_(offices))
        .group_by(ds.c.day, ds.c.measure, ds.c.channel).order_by(ds.c.day, ds.c.channel))
    return [dict(r._mapping) for r in rows]


def daily_by_insurance(conn: Connection, offices: Offices, first: dt.date,
                       last: dt.date) -> list[dict]:
    rows = conn.execute(
        select(ds.c.insurance_code, InsuranceTypeRecord.name.label("insurance"), ds.c.measure,
               func.sum(ds.c.amount).label("amount"), func.sum(ds.c.payer_count).label("payers"),
               func.sum(ds.c.person_count).label("persons"))
        .join(InsuranceTypeRecord, InsuranceTypeRecord.code == ds.c.insurance_code)
        .where(ds.c.day >= first, ds.c.day <= last, ds.c.tax_org_code.in_(offices))
        .group_by(ds.c.insurance_code, InsuranceTypeRecord.name, ds.c.measure)
        .order_by(ds.c.insurance_code, ds.c.measure))
    return [dict(r._mapping) for r in rows]


# -- arrears -----------------------------------------------------------------------------------

def _arrears_where(offices: Offices, as_of: dt.date):
    lv = LevyRecord
    return (lv.state.in_(ARREARS_STATES), lv.period_end < as_of, lv.tax_org_code.in_(offices))


def arrears_by_payer(conn: Connection, offices: Offices, as_of: dt.date,
                     limit: int | None = 100) -> Iterator[dict]:
    """欠费分户: per payer, the overdue levies' count, amount and oldest period."""
    lv, p = LevyRecord, PayerRecord
    stmt = (select(p.id.label("payer_id"), p.kind, p.tax_pay_code, p.name.label("payer_name"),
                   p.tax_org_code, TaxOfficeRecord.name.label("office"),
                   func.count().label("levies"), func.sum(lv.amount).label("amount"),
                   func.min(lv.period_start).label("oldest"))
            .join(lv, lv.payer_id == p.id)
            .join(TaxOfficeRecord, TaxOfficeRecord.code == p.tax_org_code)
            .where(*_arrears_where(offices, as_of))
            .group_by(p.id, p.kind, p.tax_pay_code, p.name, p.tax_org_code, TaxOfficeRecord.name)
            .order_by(func.sum(lv.amount).desc(), p.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return (dict(r._mapping) for r in conn.execute(stmt))


def arrears_details(conn: Connection, offices: Offices, as_of: dt.date,
                    payer_id: int | None = None, limit: int | None = 200) -> Iterator[dict]:
    """欠费明细: the overdue levies themselves."""
    lv, p = LevyRecord, PayerRecord
    stmt = (select(lv.id.label("levy_id"), p.id.label("payer_id"), p.kind, p.tax_pay_code,
                   p.name.label("payer_name"), lv.tax_org_code,
                   InsuranceTypeRecord.name.label("insurance"), lv.period_start, lv.period_end,
                   lv.amount, lv.state, lv.declaration_no)
            .join(p, p.id == lv.payer_id)
            .join(InsuranceTypeRecord, InsuranceTypeRecord.code == lv.insurance_code)
            .where(*_arrears_where(offices, as_of))
            .order_by(lv.period_start, p.id, lv.insurance_code))
    if payer_id is not None:
        stmt = stmt.where(lv.payer_id == payer_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return (dict(r._mapping) for r in conn.execute(stmt))


def no_payment_months(conn: Connection, offices: Offices, month: str, months: int = 3,
                      limit: int | None = 200) -> Iterator[dict]:
    """连续三个月未缴费: payers with a levy due in each of the ``months`` months before
    ``month`` and none of those levies received (a reading: the fee periods, not the days)."""
    lv, p = LevyRecord, PayerRecord
    window = months_before(month, months)
    first, _ = month_bounds(window[0])
    _, last = month_bounds(window[-1])
    unpaid = case((lv.state.in_(ARREARS_STATES), lv.period_start))
    paid = case((lv.state.in_(RECEIVED_STATES), 1), else_=0)
    stmt = (select(p.id.label("payer_id"), p.kind, p.tax_pay_code, p.name.label("payer_name"),
                   p.tax_org_code, func.count().label("levies"),
                   func.sum(lv.amount).label("amount"))
            .join(lv, lv.payer_id == p.id)
            .where(lv.tax_org_code.in_(offices), lv.period_start >= first,
                   lv.period_start <= last, lv.state != "VOIDED", lv.period_end <= last)
            .group_by(p.id, p.kind, p.tax_pay_code, p.name, p.tax_org_code)
            .having(func.count(func.distinct(unpaid)) == months, func.sum(paid) == 0)
            .order_by(func.sum(lv.amount).desc(), p.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return (dict(r._mapping) for r in conn.execute(stmt))


# -- largest payers ----------------------------------------------------------------------------

def largest_payers(conn: Connection, offices: Offices, month: str,
                   limit: int | None = 50) -> Iterator[dict]:
    """缴费大户排行榜: received amount per payer in the month (by tax date)."""
    lv, p = LevyRecord, PayerRecord
    first, last = month_bounds(month)
    stmt = (select(p.id.label("payer_id"), p.kind, p.tax_pay_code, p.name.label("payer_name"),
                   p.tax_org_code, TaxOfficeRecord.name.label("office"),
                   func.count().label("levies"), func.sum(lv.amount).label("amount"))
            .join(lv, lv.payer_id == p.id)
            .join(TaxOfficeRecord, TaxOfficeRecord.code == p.tax_org_code)
            .where(lv.state.in_(RECEIVED_STATES), lv.tax_date >= first, lv.tax_date <= last,
                   lv.tax_org_code.in_(offices))
            .group_by(p.id, p.kind, p.tax_pay_code, p.name, p.tax_org_code, TaxOfficeRecord.name)
            .order_by(func.sum(lv.amount).desc(), p.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return (dict(r._mapping) for r in conn.execute(stmt))


# -- reminders ---------------------------------------------------------------------------------

REMINDER_PREFIX = "REMIND:"


def reminders(conn: Connection, offices: Offices, state: str = "",
              limit: int | None = 200) -> Iterator[dict]:
    """催缴 texts in the notification outbox and their send results."""
    n, p = NotificationRecord, PayerRecord
    stmt = (select(n.id, n.payer_id, p.name.label("payer_name"), p.kind, p.tax_pay_code,
                   n.tax_org_code, n.ref, n.text, n.state, n.created_at, n.sent_at, n.error)
            .join(p, p.id == n.payer_id)
            .where(n.ref.like(REMINDER_PREFIX + "%"), n.tax_org_code.in_(offices))
            .order_by(n.id.desc()))
    if state:
        stmt = stmt.where(n.state == state)
    if limit is not None:
        stmt = stmt.limit(limit)
    return (dict(r._mapping) for r in conn.execute(stmt))


def reminder_counts(conn: Connection, offices: Offices) -> dict[str, int]:
    n = NotificationRecord
    return dict(conn.execute(select(n.state, func.count()).where(
        n.ref.like(REMINDER_PREFIX + "%"), n.tax_org_code.in_(offices)).group_by(n.state)).all())


# -- bank branches the directory does not know -------------------------------------------------

def unknown_branches(conn: Connection, offices: Offices, limit: int | None = 200) -> Iterator[dict]:
    """ETS 反馈的新增银行网点: bank codes on the ETS's messages about this scope that the
    directory lacks — the BankNo of counter payments (2108) and the PayBkCode/PayOpBkCode of
    agreements the ETS verified (9115). A reading: these are where the gateway keeps the codes
    the ETS sent; the raw batch messages are not parsed here."""
    a, d = AgreementRecord, DebitRecord
    seen = union_all(
        select(d.originator.label("code"), literal("柜面缴款 2108", String).label("source"),
               d.tax_org_code, d.entrust_date.label("seen_on"))
        .where(d.kind == "COUNTER", d.tax_org_code.in_(offices)),
        select(a.pay_op_bk_code.label("code"), literal("三方协议 开户网点", String),
               a.tax_org_code, func.date(a.activated_at))
        .where(a.state != "PENDING", a.pay_op_bk_code != "", a.tax_org_code.in_(offices)),
        select(a.pay_bk_code.label("code"), literal("三方协议 清算行", String),
               a.tax_org_code, func.date(a.activated_at))
        .where(a.state != "PENDING", a.pay_bk_code != "", a.tax_org_code.in_(offices)),
    ).subquery("seen")
    stmt = (select(seen.c.code, func.min(seen.c.source).label("source"),
                   func.count().label("times"), func.min(seen.c.seen_on).label("first_seen"),
                   func.max(seen.c.seen_on).label("last_seen"),
                   func.min(seen.c.tax_org_code).label("tax_org_code"))
            .outerjoin(BankRecord, BankRecord.code == seen.c.code)
            .where(BankRecord.code.is_(None))
            .group_by(seen.c.code).order_by(seen.c.code))
    if limit is not None:
        stmt = stmt.limit(limit)
    return (dict(r._mapping) for r in conn.execute(stmt))


# -- summary runs ------------------------------------------------------------------------------

def summary_runs(conn: Connection, limit: int = 20) -> list[dict]:
    t = SummaryRunRecord.__table__
    return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.id.desc()).limit(limit))]


def insurance_names(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(InsuranceTypeRecord.code, InsuranceTypeRecord.name)).all())


def office_names(conn: Connection, offices: Any) -> dict[str, str]:
    t = TaxOfficeRecord
    return dict(conn.execute(select(t.code, t.name).where(t.code.in_(offices))).all())
