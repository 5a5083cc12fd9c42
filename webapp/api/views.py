"""Routes of ``/api/v1``: each calls the same service as its page. Bodies are JSON; tokens come
from ``POST /api/v1/tokens`` and go in ``Authorization: Bearer``. The API takes no cookies, so
CSRF does not apply to it (a browser cannot add the header cross-site)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from webapp.api.errors import error_response
from webapp.auth import sessions
from webapp.extensions import csrf
from webapp.roles import principal, requires
from webapp.services import console, ops, portal

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _invalid(fields: dict[str, str]):
    return error_response(422, "request.invalid", "请求参数不正确。", fields)


@bp.route("/openapi.json")
def openapi():
    from webapp.api.openapi import document
    return jsonify(document())


@bp.route("/tokens", methods=["POST"])
def create_token():
    body = _body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return _invalid({"username": "此项为必填项", "password": "此项为必填项"})
    try:
        opened = sessions.log_in(username, password, sessions.API)
    except sessions.LoginRefused as refused:
        return error_response(401, refused.code, refused.message)
    return jsonify({"token": opened.secret, "token_type": "Bearer",
                    "expires_at": opened.expires_at, "role": opened.role.value}), 201


@bp.route("/tokens/current", methods=["DELETE"])
def delete_token():
    from flask_login import current_user
    if not current_user.is_authenticated:
        return error_response(401, "auth.required", "请先登录或提供有效的访问令牌。")
    sessions.log_out(principal().session_secret, sessions.API)
    return "", 204


@bp.route("/me")
def me():
    from flask_login import current_user
    if not current_user.is_authenticated:
        return error_response(401, "auth.required", "请先登录或提供有效的访问令牌。")
    p = principal()
    return jsonify({"username": p.username, "display_name": p.display_name, "role": p.role.value,
                    "role_label": p.role_label, "payer_id": p.payer_id,
                    "tax_org_code": p.tax_org_code})


@bp.route("/portal/home")
@requires("portal.view")
def portal_home():
    return jsonify(portal.home(principal()))


@bp.route("/portal/levies/<int:levy_id>")
@requires("portal.view")
def portal_levy(levy_id: int):
    return jsonify(portal.levy(principal(), levy_id))


@bp.route("/portal/agreements/<int:agreement_id>")
@requires("portal.view")
def portal_agreement(agreement_id: int):
    return jsonify(portal.agreement(principal(), agreement_id))


@bp.route("/portal/debits", methods=["POST"])
@requires("portal.pay")
def portal_pay():
    ids = _body().get("levy_ids")
    if not (isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool)
                                                  for i in ids)):
        return _invalid({"levy_ids": "请至少选择一条应征（整数编号列表）"})
    return jsonify(portal.pay(principal(), ids)), 201


@bp.route("/console/home")
@requires("console.view")
def console_home():
    return jsonify(console.home(principal()))


@bp.route("/console/debits/<int:debit_id>")
@requires("console.view")
def console_debit(debit_id: int):
    return jsonify(console.debit(principal(), debit_id))


@bp.route("/console/debits/<int:debit_id>/reverse", methods=["POST"])
@requires("console.act")
def console_reverse(debit_id: int):
    reason = _body().get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason.strip()) > 60:
        return _invalid({"reason": "冲正原因为 1 至 60 个字"})
    return jsonify(console.reverse(principal(), debit_id, reason)), 202


@bp.route("/console/debits/<int:debit_id>/query", methods=["POST"])
@requires("console.act")
def console_query(debit_id: int):
    return jsonify(console.query_status(principal(), debit_id)), 202


@bp.route("/console/agreements/<int:agreement_id>")
@requires("console.view")
def console_agreement(agreement_id: int):
    return jsonify(console.agreement(principal(), agreement_id))


@bp.route("/console/agreements/<int:agreement_id>/verify", methods=["POST"])
@requires("console.act")
def console_verify(agreement_id: int):
    return jsonify(console.verify_agreement(principal(), agreement_id)), 202


@bp.route("/console/payers/<int:payer_id>")
@requires("console.view")
def console_payer(payer_id: int):
    unmasked = request.args.get("full") == "1"
    if unmasked and not principal().can("console.unmask"):
        return error_response(403, "http.403", "您的角色无权执行此操作。")
    return jsonify(console.payer(principal(), payer_id, unmasked))


@bp.route("/ops/home")
@requires("ops.view")
def ops_home():
    return jsonify(ops.home())


@bp.route("/audit")
@requires("audit.read")
def audit():
    from webapp.admin.views import _audit_filter
    from webapp.services import audit_read
    _form, f = _audit_filter()
    return jsonify(audit_read.entries(f, request.args.get("page", 1, type=int) or 1))
