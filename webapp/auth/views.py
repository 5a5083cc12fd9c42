"""The ``auth`` blueprint: log-in, log-out and the landing page that sends each role home."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.auth import sessions
from webapp.forms import ActionForm, LoginForm
from webapp.roles import HOME, Principal, principal

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    # Only paths on this site, never //host or a scheme: no open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME[principal().role]))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            opened = sessions.log_in(form.username.data, form.password.data, sessions.BROWSER)
        except sessions.LoginRefused as refused:
            form.password.errors.append(refused.message)
            return render_template("auth/login.html", form=form), 200
        session.clear()
        session.permanent = True
        user = Principal(0, form.username.data, "", opened.role, None, None, opened.secret)
        login_user(user)
        target = _safe_next(request.args.get("next"))
        return redirect(target or url_for(HOME[opened.role]))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        sessions.log_out(principal().session_secret, sessions.BROWSER)
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/no-role")
def no_role():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/no_role.html")


