"""The ``ops`` blueprint (operations): queue depths, channel status and database backlogs."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.roles import requires
from webapp.services import ops

bp = Blueprint("ops", __name__, url_prefix="/ops")


@bp.route("/")
@requires("ops.view")
def home():
    return render_template("ops/home.html", **ops.home())
