"""Staff's reports over their office and its subordinates (统计报表): the monthly levied vs
received report with its versions (submit upward, freeze, difference), daily income monitoring
with a chart, arrears by payer and in detail, payers without payment for three months,
reminders (催缴) and their send results, the largest payers, the bank branches the directory does
not know, and the summary re-runs. Every action and export is audited; payer numbers masked.

Exports are built once per data version and served from the report cache
(webapp.report_cache): the monthly report's version is the report version itself, the others'
is the newest summary run (a reading: the lists are as of the last refresh of the summaries,
which the jobs process repeats; the page shows that run)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from flask import abort, current_app

from gateway.domain.summary import (CHANNEL_LABELS, Channel, Measure, month_bounds, month_of,
                                    report_diff)
from gateway.domain.summary_messages import (GenerateReports, RefreshDailySummaries,
                                             SendArrearsReminders, SubmitReport)
from gateway.persistence import report_queries as rq
from gateway.persistence.summaries import MONTHLY_FIGURES
from webapp import export, masking
from webapp.context import reader, web
from webapp.ops.charts import bar_chart
from webapp.report_cache import ReportCache
from webapp.roles import Principal, Role
from webapp.services import actions
from webapp.services.actions import found

MONTHLY_COLUMNS = (("office", "征收机关代码"), ("office_name", "征收机关"), ("insurance", "险种"),
                   ("levied", "应征金额（元）"), ("levied_payers", "应征户次"),
                   ("levied_persons", "应征人次"), ("received", "入库金额（元）"),
                   ("received_payers", "入库户次"), ("received_persons", "入库人次"),
                   ("rate", "入库率（%）"))
_PAYER = (("tax_pay_code", "缴费人识别号"), ("payer_name", "缴费人"), ("kind_label", "缴费人类型"),
          ("tax_org_code", "征收机关"))
LISTS: dict[str, dict[str, Any]] = {
    "arrears": {"title": "欠费分户", "columns": _PAYER + (
        ("levies", "欠费笔数"), ("amount", "欠费金额（元）"), ("oldest", "最早所属期"))},
    "arrears_details": {"title": "欠费明细", "columns": (
        ("declaration_no", "申报序号"),) + _PAYER + (
        ("insurance", "险种"), ("period_start", "所属期起"), ("period_end", "所属期止"),
        ("amount", "金额（元）"), ("state_label", "状态"))},
    "no_payment": {"title": "连续三个月未缴费预警", "columns": _PAYER + (
        ("levies", "未缴笔数"), ("amount", "未缴金额（元）"))},
    "largest": {"title": "缴费大户排行榜", "columns": (("rank", "名次"),) + _PAYER + (
        ("levies", "入库笔数"), ("amount", "入库金额（元）"))},
    "branches": {"title": "ETS 反馈的新增银行网点", "columns": (
        ("code", "行号"), ("source", "来源"), ("times", "出现次数"), ("first_seen", "首次出现"),
        ("last_seen", "最近出现"), ("tax_org_code", "征收机关"))},
    "reminders": {"title": "催缴发送结果", "columns": (
        ("id", "编号"),) + _PAYER + (("text", "短信内容"), ("state_label", "发送状态"),
                                     ("created_at", "生成时间"), ("sent_at", "发送时间"),
                                     ("error", "失败原因"))},
}
_KIND_LABELS = {"UNIT": "单位", "FLEXIBLE": "灵活就业人员", "RESIDENT": "城乡居民"}
_STATE_LABELS = {"UNPAID": "未缴", "LOCKED": "处理中", "PENDING": "待发送", "SENT": "已发送",
                 "FAILED": "发送失败"}
_cache_guard = threading.Lock()


def cache() -> ReportCache:
    """The app's report cache, made on first use from the settings."""
    app = current_app
    with _cache_guard:
        if "etsgw_report_cache" not in app.extensions:
            s = web().settings.web
            app.extensions["etsgw_report_cache"] = ReportCache(s.report_cache_dir, s.report_wait_s)
    result: ReportCache = app.extensions["etsgw_report_cache"]
    return result


def _offices(p: Principal) -> tuple[str, ...]:
    return p.scope(reader()).office_codes or ()


def today() -> dt.date:
    return web().now().date()


def this_month() -> str:
    return month_of(today())


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "tax_pay_code" in out:
        out["tax_pay_code"] = masking.payer_code(out.get("kind", ""), out["tax_pay_code"])
    out["kind_label"] = _KIND_LABELS.get(out.get("kind", ""), out.get("kind", ""))
    if "state" in out:
        out["state_label"] = _STATE_LABELS.get(out["state"], out["state"])
    return out


# -- index, refresh ----------------------------------------------------------------------------

def index(p: Principal) -> dict[str, Any]:
    conn = reader()
    offices = _offices(p)
    return {"offices": rq.reporting_offices(conn, offices), "month": this_month(),
            "runs": [r for r in rq.summary_runs(conn, 50)
                     if r["tax_org_code"] in offices or r["tax_org_code"] == ""][:10],
            "own_office": p.tax_org_code}


def refresh(p: Principal, month: str) -> dict[str, Any]:
    """Re-run the summaries of the staff's own office subtree for one month and generate the
    reports; audited with what changed."""
    first, last = month_bounds(month)
    org = p.tax_org_code or ""

    def work(uow, note):
        result = actions.send(uow, RefreshDailySummaries(first, last, org, p.username))
        created = actions.send(uow, GenerateReports(month, p.username))
        note.tax_org_code = org
        note.before = {"rows": result.rows_before, "levied": str(result.levied_before),
                       "received": str(result.received_before)}
        note.after = {"rows": result.rows_after, "levied": str(result.levied_after),
                      "received": str(result.received_after), "run_id": result.run_id,
                      "new_versions": len(created)}
        return {"result": result, "versions": created}
    return actions.perform(p, "REFRESH_SUMMARIES", f"summary:{org}:{month}", work)


# -- monthly report ----------------------------------------------------------------------------

def _with_names(rows: list[dict], names: dict[str, str]) -> list[dict]:
    out = []
    for r in rows:
        row = dict(r)
        row["insurance"] = names.get(r["insurance_code"], r["insurance_code"])
        for k in ("levied", "received"):
            row[k] = Decimal(str(r[k]))
        row["rate"] = (row["received"] * 100 / row["levied"]).quantize(Decimal("0.01")) \
            if row["levied"] else Decimal("0.00")
        out.append(row)
    return out


def totals_row(rows: list[dict]) -> dict[str, Any]:
    total: dict[str, Any] = {"office": "", "office_name": "合计", "insurance": ""}
    for k in MONTHLY_FIGURES:
        total[k] = sum((r[k] for r in rows), Decimal("0.00") if k in ("levied", "received") else 0)
    total["rate"] = (total["received"] * 100 / total["levied"]).quantize(Decimal("0.01")) \
        if total["levied"] else Decimal("0.00")
    return total


def monthly(p: Principal, org: str, month: str, version_id: int | None = None) -> dict[str, Any]:
    conn = reader()
    offices = _offices(p)
    month_bounds(month)
    versions = rq.report_versions(conn, offices, org, month)
    if org not in offices:
        found(None)
    names = rq.insurance_names(conn)
    chosen = None
    if versions:
        wanted = version_id or versions[0]["id"]
        chosen = found(rq.report_version(conn, offices, wanted))
        if chosen["tax_org_code"] != org or chosen["month"] != month:
            found(None)
        chosen["rows"] = _with_names(chosen["rows"], names)
    submitted = next((v for v in versions if v["state"] == "SUBMITTED"), None)
    diff: list[dict] = []
    if submitted and chosen and submitted["id"] != chosen["id"]:
        old = _with_names(found(rq.report_version(conn, offices, submitted["id"]))["rows"], names)
        diff = report_diff(old, chosen["rows"], ("office", "insurance_code"),
                           ("levied", "received", "levied_payers", "received_payers"))
    first, last = month_bounds(month)
    return {"org": org, "org_name": rq.office_names(conn, [org]).get(org, org), "month": month,
            "versions": versions, "version": chosen, "submitted": submitted, "diff": diff,
            "totals": totals_row(chosen["rows"]) if chosen else None,
            "summary": rq.summary_totals(conn, offices_under(conn, org), first, last),
            "can_submit": bool(chosen and chosen["state"] == "DRAFT" and p.role is Role.HEAD
                               and p.tax_org_code == org and chosen["id"] == versions[0]["id"])}


def offices_under(conn: Any, org: str) -> tuple[str, ...]:
    from gateway.persistence.web_queries import office_subtree
    return office_subtree(conn, org)


def submit(p: Principal, version_id: int) -> dict[str, Any]:
    """上报 by the office head (征收机关负责人) of the report's own office."""
    conn = reader()
    v = found(rq.report_version(conn, _offices(p), version_id))
    if p.role is not Role.HEAD:
        abort(403)

    def work(uow, note):
        info = actions.send(uow, SubmitReport(version_id, p.username, p.tax_org_code or ""))
        note.tax_org_code = v["tax_org_code"]
        note.before = {"state": v["state"], "version": v["version"]}
        note.after = {"state": info.state, "submitted_to": info.parent_code}
        return {"version": info}
    return actions.perform(p, "SUBMIT_REPORT", f"report:{v['month']}:{v['tax_org_code']}:"
                           f"v{v['version']}", work)


def monthly_export(p: Principal, org: str, month: str, version_id: int | None,
                   fmt: str) -> tuple[Path, str]:
    """The file of one version (default: the latest); its rows are read only to generate it."""
    conn = reader()
    offices = _offices(p)
    versions = rq.report_versions(conn, offices, org, month)
    version = next((v for v in versions if v["id"] == (version_id or versions[0]["id"])), None) \
        if versions else None
    version = found(version)

    def build(directory: str) -> str:
        rows = _with_names(found(rq.report_version(conn, offices, version["id"]))["rows"],
                           rq.insurance_names(conn))
        return _builder([*rows, totals_row(rows)], MONTHLY_COLUMNS, fmt, "月报表")(directory)
    path = cache().get(("monthly", org, month, fmt), (version["id"], version["fingerprint"]), fmt,
                       build)
    actions.record(p, "EXPORT_REPORT", f"report:{month}:{org}:v{version['version']}",
                   {"report": "monthly", "format": fmt}, tax_org_code=org)
    name = f"社保费应收实收明细月报表-{org}-{month}-v{version['version']}"
    return path, f"{name}.{fmt}"


def _builder(rows: Iterable[dict], columns: Any, fmt: str, sheet: str) -> Callable[[str], str]:
    def build(directory: str) -> str:
        if fmt == "xlsx":
            return export.xlsx_file(rows, columns, sheet, directory=directory)
        import tempfile
        fd, path = tempfile.mkstemp(suffix=".csv", prefix="etsgw-export-", dir=directory)
        with open(fd, "wb") as f:
            for chunk in export.csv_chunks(rows, columns):
                f.write(chunk)
        return path
    return build


# -- daily income monitoring -------------------------------------------------------------------

def daily(p: Principal, first: dt.date, last: dt.date) -> dict[str, Any]:
    conn = reader()
    offices = _offices(p)
    rows = rq.daily_income(conn, offices, first, last)
    days: dict[dt.date, dict[str, Any]] = {}
    for r in rows:
        d = days.setdefault(r["day"], {"day": r["day"], "levied": Decimal("0.00"),
                                        "received": Decimal("0.00"), "payers": 0, "persons": 0,
                                        **{c.value: Decimal("0.00") for c in Channel}})
        if r["measure"] == Measure.LEVIED.value:
            d["levied"] += r["amount"]
        else:
            d["received"] += r["amount"]
            d[r["channel"]] += r["amount"]
            d["payers"] += r["payers"]
            d["persons"] += r["persons"]
    table = [days[k] for k in sorted(days)]
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    keys = [c.value for c in Channel]
    chart = bar_chart([{"start": dt.datetime.combine(r["day"], dt.time()),
                        **{k: int(r[k]) for k in keys}} for r in table], keys,
                      {k: CHANNEL_LABELS[Channel(k)] for k in keys}, start, end, 86400,
                      "每日入库金额（元），按缴款渠道", tick_format="%m-%d")
    return {"first": first, "last": last, "rows": table, "chart": chart,
            "by_insurance": rq.daily_by_insurance(conn, offices, first, last),
            "channels": [(c.value, CHANNEL_LABELS[c]) for c in Channel],
            "data_version": rq.data_version(conn)}


# -- lists -------------------------------------------------------------------------------------

def list_rows(p: Principal, report: str, params: dict[str, Any], own: Any = None,
              limit: int | None = 200) -> Iterator[dict[str, Any]]:
    """The rows of one list report, masked. ``own`` is a connection of its own for exports."""
    conn = own or reader()
    offices = _offices(p)
    if report == "arrears":
        rows = rq.arrears_by_payer(conn, offices, params["as_of"], limit)
    elif report == "arrears_details":
        rows = rq.arrears_details(conn, offices, params["as_of"], params.get("payer_id"), limit)
    elif report == "no_payment":
        rows = rq.no_payment_months(conn, offices, params["month"], 3, limit)
    elif report == "largest":
        rows = (dict(r, rank=n) for n, r in enumerate(
            rq.largest_payers(conn, offices, params["month"], limit), 1))
    elif report == "branches":
        rows = rq.unknown_branches(conn, offices, limit)
    elif report == "reminders":
        rows = rq.reminders(conn, offices, params.get("state", ""), limit)
    else:
        found(None)
    return (_masked(r) for r in rows)


def list_page(p: Principal, report: str, params: dict[str, Any]) -> dict[str, Any]:
    spec = LISTS.get(report) or found(None)
    conn = reader()
    extra: dict[str, Any] = {}
    if report == "reminders":
        extra["counts"] = rq.reminder_counts(conn, _offices(p))
    return {"report": report, "title": spec["title"], "columns": spec["columns"],
            "rows": list(list_rows(p, report, params)), "params": params,
            "data_version": rq.data_version(conn), **extra}


def list_export(p: Principal, report: str, params: dict[str, Any], fmt: str) -> tuple[Path, str]:
    spec = LISTS.get(report) or found(None)
    conn = reader()
    version = rq.data_version(conn)
    engine = web().app.reader

    def build(directory: str) -> str:
        with engine.connect() as own:
            return _builder(list_rows(p, report, params, own, None), spec["columns"], fmt,
                            spec["title"])(directory)
    family = (report, sorted((k, str(v)) for k, v in params.items()), p.tax_org_code, fmt)
    path = cache().get(family, version, fmt, build)
    actions.record(p, "EXPORT_REPORT", f"report:{report}", {"report": report, "format": fmt,
                                                            **{k: str(v) for k, v in params.items()}},
                   tax_org_code=p.tax_org_code or "")
    return path, f"{spec['title']}-{today():%Y%m%d}.{fmt}"


def send_reminders(p: Principal, payer_ids: list[int]) -> int:
    offices = _offices(p)

    def work(uow, note):
        queued = actions.send(uow, SendArrearsReminders(tuple(payer_ids), offices, today(),
                                                        p.username))
        note.tax_org_code = p.tax_org_code or ""
        note.after = {"payers": payer_ids[:50], "queued": queued}
        return queued
    result: int = actions.perform(p, "SEND_REMINDERS", f"reminders:{today():%Y%m%d}", work)
    return result
