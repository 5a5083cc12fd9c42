"""Report pages of the ``console`` blueprint (统计报表): monthly report with versions, daily
income monitoring, the list reports, reminders, and their exports (served from the report
cache). Registered on the blueprint by importing this module (webapp.console)."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from gateway.domain.errors import DomainError
from gateway.domain.summary import month_bounds
from webapp.console.views import bp
from webapp.errors import domain_message
from webapp.forms import ActionForm
from webapp.report_cache import ReportBusy
from webapp.roles import principal, requires
from webapp.services import console_reports as reports

_FORMATS = ("xlsx", "csv")


def _month() -> str:
    month = request.args.get("month") or reports.this_month()
    try:
        month_bounds(month)
    except DomainError:
        abort(404)
    return month


def _date(name: str, default: dt.date) -> dt.date:
    text = request.args.get(name)
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(404)


def _params(report: str) -> dict:
    if report in ("arrears", "arrears_details"):
        params: dict = {"as_of": _date("as_of", reports.today())}
        if report == "arrears_details" and request.args.get("payer_id", "").isdigit():
            params["payer_id"] = int(request.args["payer_id"])
        return params
    if report in ("no_payment", "largest"):
        return {"month": _month()}
    if report == "reminders":
        state = request.args.get("state", "")
        return {"state": state} if state in ("PENDING", "SENT", "FAILED") else {}
    return {}


def _download(path, name: str):
    try:
        return send_file(path, as_attachment=True, download_name=name, conditional=False,
                         max_age=0)
    except FileNotFoundError:  # replaced by a newer version between the lookup and the open
        abort(409)


@bp.route("/reports/")
@requires("console.view")
def reports_home():
    return render_template("console/report_index.html", form=ActionForm(),
                           **reports.index(principal()))


@bp.route("/reports/refresh", methods=["POST"])
@requires("console.act")
def reports_refresh():
    month = request.form.get("month", "")
    if ActionForm().validate_on_submit():
        try:
            done = reports.refresh(principal(), month)
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            r = done["result"]
            flash(f"已重新汇总（第 {r.run_id} 次）：{r.rows_before} → {r.rows_after} 行，"
                  f"入库 {r.received_before} → {r.received_after} 元；新版本 "
                  f"{len(done['versions'])} 个。", "success")
    return redirect(url_for("console.reports_home"))


@bp.route("/reports/monthly/<org>")
@requires("console.view")
def report_monthly(org: str):
    version = request.args.get("version", type=int)
    return render_template("console/report_monthly.html", form=ActionForm(),
                           **reports.monthly(principal(), org, _month(), version))


@bp.route("/reports/monthly/<org>.<fmt>")
@requires("console.export")
def report_monthly_export(org: str, fmt: str):
    if fmt not in _FORMATS:
        abort(404)
    try:
        path, name = reports.monthly_export(principal(), org, _month(),
                                            request.args.get("version", type=int), fmt)
    except ReportBusy:
        abort(503)
    return _download(path, name)


@bp.route("/reports/versions/<int:version_id>/submit", methods=["POST"])
@requires("console.act")
def report_submit(version_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        done = reports.submit(principal(), version_id)
    except DomainError as exc:
        if exc.rule == "lookup.exists":
            raise
        flash(domain_message(exc), "error")
        return redirect(request.referrer or url_for("console.reports_home"))
    v = done["version"]
    flash(f"已上报第 {v.version} 版，已冻结为只读。", "success")
    return redirect(url_for("console.report_monthly", org=v.tax_org_code, month=v.month))


@bp.route("/reports/daily")
@requires("console.view")
def report_daily():
    last = _date("to", reports.today())
    first = _date("from", last - dt.timedelta(days=30))
    if first > last or (last - first).days > 366:
        abort(404)
    return render_template("console/report_daily.html", **reports.daily(principal(), first, last))


@bp.route("/reports/list/<report>")
@requires("console.view")
def report_list(report: str):
    if report not in reports.LISTS:
        abort(404)
    return render_template("console/report_list.html", form=ActionForm(),
                           **reports.list_page(principal(), report, _params(report)))


@bp.route("/reports/list/<report>.<fmt>")
@requires("console.export")
def report_list_export(report: str, fmt: str):
    if report not in reports.LISTS or fmt not in _FORMATS:
        abort(404)
    try:
        path, name = reports.list_export(principal(), report, _params(report), fmt)
    except ReportBusy:
        abort(503)
    return _download(path, name)


@bp.route("/reports/reminders", methods=["POST"])
@requires("console.act")
def report_send_reminders():
    if ActionForm().validate_on_submit():
        ids = [int(v) for v in request.form.getlist("payer_id") if v.isdigit()]
        if not ids:
            flash("请至少选择一个缴费人。", "error")
        else:
            queued = reports.send_reminders(principal(), ids)
            flash(f"已生成催缴短信 {queued} 条（同一缴费人每月一条），发送结果见下表。", "success")
    return redirect(url_for("console.report_list", report="reminders"))
