"""Batch-deduction pages of the ``console`` blueprint (issue 13 item 8): the selection with its
preview, the 待批扣清册 lists, launching (asynchronous 1102 packages or real time), packages and
their items with stop and status query, the in-doubt debits, the duplicate-payment review list
(退费) and the failed-item notices (发送短信息查询). Each list is paginated and searchable on the
server and exports to Excel or CSV."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from gateway.domain.errors import DomainError
from webapp import export
from webapp.console.batch_forms import RealtimeForm, ReasonForm, RefundStepForm, SelectionForm, VoidForm
from webapp.console.views import bp
from webapp.errors import domain_message
from webapp.forms import ActionForm
from webapp.roles import principal, requires
from webapp.services import console_batches as cb

FORMATS = ("csv", "xlsx")


def _filters(states: dict[str, str]) -> tuple[str, str, int]:
    """(search, state, page) from the query string; an unknown state is ignored."""
    search = (request.args.get("q") or "").strip()[:60]
    state = request.args.get("state") or ""
    return search, state if state in states else "", request.args.get("page", 1, type=int) or 1


def _export(fmt: str, labels: dict[str, str], exporter, columns, name: str, *ids: int):
    """A list's download: the format checked first (an unknown one is 404 and not audited),
    then the same search and state filter as the page."""
    fmt = _fmt(fmt)
    search, state, _page = _filters(labels)
    rows = exporter(principal(), *ids, search=search, state=state)
    return export.response(rows, columns, name, fmt)


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt


# -- selection and lists ------------------------------------------------------------------------

@bp.route("/batch/select", methods=["GET", "POST"])
@requires("console.view")
def batch_select():
    p = principal()
    choices = cb.selection_choices(p)
    form = SelectionForm()
    form.office.choices = choices["offices"]
    form.insurance.choices = choices["insurance"]
    if request.method == "GET":
        form.office.data = form.office.data or p.tax_org_code
    figures = None
    if form.validate_on_submit():
        if not p.can("console.act"):
            abort(403)
        sel = cb.selection_of(p, form.data)
        if form.create.data:
            list_id = cb.create_list(p, sel)
            flash(f"已生成待批扣清册 {list_id}。", "success")
            return redirect(url_for("console.batch_list", list_id=list_id))
        figures = cb.preview(p, sel)
    elif request.method == "POST":
        return render_template("console/batch_select.html", form=form, figures=None), 422
    return render_template("console/batch_select.html", form=form, figures=figures)


@bp.route("/batch/lists")
@requires("console.view")
def batch_lists():
    page = cb.lists_page(principal(), request.args.get("page", 1, type=int) or 1)
    return render_template("console/batch_lists.html", page=page, labels=cb.ENTRY_LABELS)


@bp.route("/batch/lists/<int:list_id>")
@requires("console.view")
def batch_list(list_id: int):
    search, state, page = _filters(cb.ENTRY_LABELS)
    return render_template("console/batch_list.html",
                           **cb.list_detail(principal(), list_id, search, state, page),
                           void_form=VoidForm(), launch_form=ActionForm(),
                           realtime_form=RealtimeForm())


@bp.route("/batch/lists/<int:list_id>/void", methods=["POST"])
@requires("console.act")
def batch_void(list_id: int):
    p = principal()
    cb.batch_list(p, list_id)  # 404 before anything else when out of scope
    form = VoidForm()
    if form.validate_on_submit():
        report = cb.void_payer(p, list_id, form.payer_id.data, form.reason.data)
        flash(report.message(), "success" if report.complete else "error")
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs) or "请检查输入。", "error")
    return redirect(url_for("console.batch_list", list_id=list_id))


@bp.route("/batch/lists/<int:list_id>/entries.<fmt>")
@requires("console.export")
def batch_list_export(list_id: int, fmt: str):
    return _export(fmt, cb.ENTRY_LABELS, cb.export_entries, cb.ENTRY_COLUMNS, f"待批扣清册{list_id}",
                   list_id)


@bp.route("/batch/lists/<int:list_id>/launch", methods=["POST"])
@requires("console.act")
def batch_launch(list_id: int):
    p = principal()
    cb.batch_list(p, list_id)
    if ActionForm().validate_on_submit():
        try:
            packages = cb.launch_async(p, list_id)
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            if packages:
                flash(f"已组包发送 {len(packages)} 个批量包，共 {sum(k.item_count for k in packages)} 笔。",
                      "success")
            else:
                flash("清册中没有可组包的条目。", "info")
            return redirect(url_for("console.batch_packages", list=list_id))
    return redirect(url_for("console.batch_list", list_id=list_id))


@bp.route("/batch/lists/<int:list_id>/realtime", methods=["POST"])
@requires("console.act")
def batch_realtime(list_id: int):
    p = principal()
    cb.batch_list(p, list_id)
    form = RealtimeForm()
    if form.validate_on_submit():
        try:
            cb.launch_realtime(p, list_id, form.max_in_flight.data)
        except cb.RealtimeUnavailable:
            flash("实时批量扣款功能尚未启用，请使用批量包（异步）方式。", "error")
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            flash("实时批量扣款已启动。", "success")
    return redirect(url_for("console.batch_list", list_id=list_id))


# -- packages -----------------------------------------------------------------------------------

def _list_arg() -> int | None:
    return request.args.get("list", type=int)


@bp.route("/batch/packages")
@requires("console.view")
def batch_packages():
    search, state, page = _filters(cb.PACKAGE_LABELS)
    list_id = _list_arg()
    if list_id is not None:
        cb.batch_list(principal(), list_id)
    return render_template("console/batch_packages.html", list_id=list_id, search=search,
                           state=state, states=cb.PACKAGE_LABELS,
                           page=cb.packages_page(principal(), list_id, state, search, page))


@bp.route("/batch/packages.<fmt>")
@requires("console.export")
def batch_packages_export(fmt: str):
    return _export(fmt, cb.PACKAGE_LABELS, cb.export_packages, cb.PACKAGE_COLUMNS, "批量包",
                   _list_arg())


@bp.route("/batch/packages/<int:package_id>")
@requires("console.view")
def batch_package(package_id: int):
    search, state, page = _filters(cb.ITEM_LABELS)
    return render_template("console/batch_package.html",
                           **cb.package_detail(principal(), package_id, search, state, page),
                           stop_form=ReasonForm(), query_form=ActionForm())


@bp.route("/batch/packages/<int:package_id>/items.<fmt>")
@requires("console.export")
def batch_items_export(package_id: int, fmt: str):
    return _export(fmt, cb.ITEM_LABELS, cb.export_items, cb.ITEM_COLUMNS, f"批量包{package_id}明细",
                   package_id)


@bp.route("/batch/packages/<int:package_id>/stop", methods=["POST"])
@requires("console.act")
def batch_stop(package_id: int):
    p = principal()
    cb.package(p, package_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            request_ = cb.stop(p, package_id, form.reason.data, form.tra_no.data or None)
        except DomainError as exc:
            flash(domain_message(exc) if exc.rule != "lookup.exists" else "该批量包中没有此流水号。",
                  "error")
        else:
            what = f"流水号 {form.tra_no.data}" if form.tra_no.data else "整包"
            flash(f"止付申请（{what}）已发送，止付号 {request_.stop_no}；银行确认止付后才解锁应征。",
                  "success")
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs) or "请检查输入。", "error")
    return redirect(url_for("console.batch_package", package_id=package_id))


@bp.route("/batch/packages/<int:package_id>/query", methods=["POST"])
@requires("console.act")
def batch_query(package_id: int):
    p = principal()
    cb.package(p, package_id)
    if ActionForm().validate_on_submit():
        try:
            cb.query_package(p, package_id)
        except DomainError as exc:
            flash(domain_message(exc), "error")
        else:
            flash("批量包状态查询（9003）已发送。", "success")
    return redirect(url_for("console.batch_package", package_id=package_id))


# -- in-doubt debits, refunds, notices ---------------------------------------------------------

@bp.route("/batch/in-doubt")
@requires("console.view")
def batch_in_doubt():
    search, _state, page = _filters({})
    return render_template("console/batch_in_doubt.html", search=search, query_form=ActionForm(),
                           page=cb.in_doubt_page(principal(), search, page))


@bp.route("/batch/in-doubt.<fmt>")
@requires("console.export")
def batch_in_doubt_export(fmt: str):
    return _export(fmt, {}, cb.export_in_doubt, cb.IN_DOUBT_COLUMNS, "结果待查扣款")


@bp.route("/batch/refunds")
@requires("console.view")
def batch_refunds():
    search, state, page = _filters(cb.REFUND_LABELS)
    return render_template("console/batch_refunds.html", search=search, state=state,
                           states=cb.REFUND_LABELS, form=RefundStepForm(),
                           page=cb.refunds_page(principal(), state, search, page))


@bp.route("/batch/refunds.<fmt>")
@requires("console.export")
def batch_refunds_export(fmt: str):
    return _export(fmt, cb.REFUND_LABELS, cb.export_refunds, cb.REFUND_COLUMNS, "重复缴费退费")


@bp.route("/batch/refunds/verification.<fmt>", methods=["POST"])
@requires("console.export")
def batch_refunds_verification(fmt: str):
    """Export the confirmed cases for the social-security office; they become EXPORTED."""
    fmt = _fmt(fmt)  # before the export is audited
    if not principal().can("console.act"):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    rows = cb.export_for_verification(principal())
    return export.response(rows, cb.REFUND_COLUMNS, "退费核实清单", fmt)


@bp.route("/batch/refunds/<int:refund_id>/<step>", methods=["POST"])
@requires("console.act")
def batch_refund_step(refund_id: int, step: str):
    if step not in cb.REFUND_STEP_DONE:  # confirm, refunded, reject (export is for the list)
        abort(404)
    p = principal()
    cb.refund(p, refund_id)
    form = RefundStepForm()
    if form.validate_on_submit():
        try:
            cb.refund_step(p, refund_id, step, form.note.data or "")
        except DomainError as exc:
            flash(domain_message(exc), "error")
        except ValueError as exc:  # the domain's own Chinese message (e.g. a reject needs a reason)
            flash(str(exc), "error")
        else:
            flash(f"退费 {refund_id}：{cb.REFUND_STEP_DONE[step]}。", "success")
    return redirect(url_for("console.batch_refunds"))


@bp.route("/batch/notices")
@requires("console.view")
def batch_notices():
    search, state, page = _filters(cb.NOTICE_LABELS)
    return render_template("console/batch_notices.html", search=search, state=state,
                           states=cb.NOTICE_LABELS,
                           page=cb.notices_page(principal(), state, search, page))


@bp.route("/batch/notices.<fmt>")
@requires("console.export")
def batch_notices_export(fmt: str):
    return _export(fmt, cb.NOTICE_LABELS, cb.export_notices, cb.NOTICE_COLUMNS, "短信息")
