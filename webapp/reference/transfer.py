"""Import and export of a social-security year's parameter workbook (社保参数表): an import is
checked row by row and, only when every row is good, becomes one pending proposal for a second
person to approve; a file with errors shows all of them and imports nothing."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from gateway.domain.reference import social_security_year_of
from webapp.reference import bp
from webapp.reference.forms import ExportForm, ImportForm
from webapp.reference.messages import messages
from webapp.roles import principal, requires
from webapp.services import reference_actions as act
from webapp.services import reference_pages as pages

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(form: ImportForm, errors: list[str], status: int = 200):
    export_form = ExportForm(data={"year": social_security_year_of(pages.today())})
    return render_template("reference/import.html", form=form, export_form=export_form,
                           errors=errors), status


@bp.route("/import", methods=["GET", "POST"])
@requires("reference.manage")
def import_workbook():
    form = ImportForm()
    if request.method == "GET":
        return _page(form, [])
    if not form.validate_on_submit():
        return _page(form, [], 422)
    upload = form.file.data
    try:
        made = act.import_workbook(principal(), upload.stream, upload.filename or "参数表.xlsx",
                                   form.reason.data or "")
    except DomainError as exc:
        return _page(form, messages(exc), 422)
    if made is None:
        flash("文件中的参数均已存在，无需导入。", "success")
        return redirect(url_for("reference.import_workbook"))
    flash(f"导入已检查通过，变更申请 {made.id}（{len(made.changes)} 项）待另一人审核。", "success")
    return redirect(url_for("reference.proposal", proposal_id=made.id))


@bp.route("/export")
@requires("reference.manage")
def export_workbook():
    form = ExportForm(request.args)
    if not form.validate() or not 2000 <= form.year.data <= 2100:
        flash("请输入有效的社保年度（如 2026）。", "error")
        return redirect(url_for("reference.import_workbook"))
    body = act.export_workbook(principal(), form.year.data)
    name = quote(f"社保参数_{form.year.data}.xlsx")
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
