"""The ``ops`` blueprint (operations): queue depths, channel status and database backlogs, and
the dashboard (status table and charts of the last hours). Registering it also mounts
``/metrics`` when ``monitor.web_metrics`` is on (:mod:`webapp.ops.metrics`)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from webapp.ops import dashboard
from webapp.ops.metrics import install as install_metrics
from webapp.roles import requires
from webapp.services import ops

bp = Blueprint("ops", __name__, url_prefix="/ops")
bp.record_once(lambda state: install_metrics(state.app))


@bp.route("/")
@requires("ops.view")
def home():
    return render_template("ops/home.html", **ops.home())


@bp.route("/dashboard")
@requires("ops.view")
def dashboard_page():
    hours = dashboard.window(request.args.get("hours"))
    return render_template("ops/dashboard.html", **dashboard.page(hours))
