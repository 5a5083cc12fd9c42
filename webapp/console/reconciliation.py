"""Console pages of day-end reconciliation (§6.8) and the fund entry reports (§6.9): runs per
check date, the discrepancy list with resolve, fund reports; each exportable (Excel or CSV)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from gateway.domain.errors import DomainError
from webapp import export
from webapp.console.views import bp
from webapp.errors import domain_message
from webapp.forms import REQUIRED
from webapp.roles import principal, requires
from webapp.services import console_reconciliation as recon

_EXPORTS = {"runs": (recon.RUN_COLUMNS, "对账结果"), "discrepancies": (recon.DISCREPANCY_COLUMNS, "对账差异"),
            "fund": (recon.FUND_COLUMNS, "资金入库报表")}


class ResolveForm(FlaskForm):
    note = StringField("处理说明", validators=[DataRequired(REQUIRED),
                                              Length(max=500, message="处理说明不超过 500 个字")])
    submit = SubmitField("标记已处理")


@bp.route("/reconciliation")
@requires("console.view")
def recon_runs():
    return render_template("console/recon_runs.html", runs=recon.runs(principal()))


@bp.route("/reconciliation/discrepancies")
@requires("console.view")
def recon_discrepancies():
    filters = recon.parse_filters(request.args)
    page = request.args.get("page", 1, type=int) or 1
    return render_template("console/recon_discrepancies.html", filters=filters,
                           kinds=recon.kinds(), states=recon.STATE_LABELS,
                           **recon.discrepancies(principal(), filters, max(page, 1)))


@bp.route("/reconciliation/discrepancies/<int:discrepancy_id>", methods=["GET", "POST"])
@requires("console.view")
def recon_discrepancy(discrepancy_id: int):
    row = recon.discrepancy(principal(), discrepancy_id)  # 404 outside the scope
    form = ResolveForm()
    if request.method == "POST":
        if not principal().can("console.act"):
            abort(403)
        if form.validate_on_submit():
            try:
                recon.resolve(principal(), discrepancy_id, form.note.data)
            except DomainError as exc:
                form.note.errors.append(domain_message(exc))
            else:
                flash("差异已标记为已处理。", "success")
                return redirect(url_for("console.recon_discrepancy",
                                        discrepancy_id=discrepancy_id))
        return render_template("console/recon_discrepancy.html", d=row, form=form), 422
    return render_template("console/recon_discrepancy.html", d=row, form=form)


@bp.route("/reconciliation/fund")
@requires("console.view")
def recon_fund():
    only_broken = request.args.get("broken") == "1"
    return render_template("console/recon_fund.html", only_broken=only_broken,
                           lines=recon.fund_reports(principal(), only_broken))


@bp.route("/reconciliation/<what>.<fmt>")
@requires("console.export")
def recon_export(what: str, fmt: str):
    if what not in _EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    filters = recon.parse_filters(request.args)
    filters["only_broken"] = request.args.get("broken") == "1"
    columns, name = _EXPORTS[what]
    return export.response(recon.export(principal(), what, filters), columns, name, fmt)
