"""``/api/v1/portal/unit/...``: the unit portal's actions for the mobile app, on the same
services as the pages (webapp.services.unit_portal); refusals answer 409 with the same message."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, jsonify, request

from webapp.api.views import _body, _invalid, bp
from webapp.roles import principal, requires
from webapp.services import portal
from webapp.services import unit_portal as up


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _wage(body: dict[str, Any]) -> Decimal | None:
    try:
        value = Decimal(str(body.get("wage")))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value == value.quantize(Decimal("0.01")) else None


def _text(body: dict[str, Any], key: str, default: str = "") -> str:
    value = body.get(key, default)
    return value if isinstance(value, str) else default


def _ids(body: dict[str, Any]) -> list[int] | None:
    ids = body.get("levy_ids")
    if isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return ids
    return None


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/portal/unit")
@requires("portal.unit")
def unit_info():
    return jsonify(up.info(principal(), request.args.get("period")))


@bp.route("/portal/unit/staff")
@requires("portal.unit")
def unit_staff():
    return jsonify(up.staff(principal(), request.args.get("q", ""), _page(),
                            request.args.get("reg", 0, type=int) or 0,
                            request.args.get("state", "ACTIVE")))


@bp.route("/portal/unit/staff", methods=["POST"])
@requires("portal.unit")
def unit_add_person():
    body = _body()
    wage = _wage(body)
    if wage is None:
        return _invalid({"wage": "缴费工资应为精确到分的金额"})
    return jsonify(up.add_person(principal(), _text(body, "id_number"), _text(body, "name"), wage,
                                 _text(body, "scheme", "FULL"), _text(body, "period") or None)), 201


@bp.route("/portal/unit/staff/<int:person_id>")
@requires("portal.unit")
def unit_person(person_id: int):
    return jsonify(up.person_details(principal(), person_id, _page()))


@bp.route("/portal/unit/staff/<int:person_id>/remove", methods=["POST"])
@requires("portal.unit")
def unit_remove_person(person_id: int):
    return jsonify(up.remove_person(principal(), person_id, _text(_body(), "period") or None))


@bp.route("/portal/unit/staff/<int:person_id>/wage", methods=["POST"])
@requires("portal.unit")
def unit_adjust_wage(person_id: int):
    body = _body()
    wage = _wage(body)
    if wage is None:
        return _invalid({"wage": "缴费工资应为精确到分的金额"})
    return jsonify(up.adjust_wage(principal(), person_id, wage, _text(body, "period") or None))


@bp.route("/portal/unit/declaration-preview")
@requires("portal.unit")
def unit_preview():
    return jsonify(up.preview(principal(), request.args.get("period"), _page()))


@bp.route("/portal/unit/declarations", methods=["POST"])
@requires("portal.unit")
def unit_declare():
    period = _text(_body(), "period")
    if not period:
        return _invalid({"period": "费款所属期为必填项（YYYY-MM）"})
    return jsonify(up.declare(principal(), period)), 201


@bp.route("/portal/unit/declarations")
@requires("portal.unit")
def unit_declarations():
    return jsonify(up.declarations(principal(), _page()))


@bp.route("/portal/unit/declarations/<int:declaration_id>")
@requires("portal.unit")
def unit_declaration(declaration_id: int):
    return jsonify(up.declaration(principal(), declaration_id, _page()))


@bp.route("/portal/unit/declarations/<int:declaration_id>/void", methods=["POST"])
@requires("portal.unit")
def unit_void(declaration_id: int):
    done = up.void(principal(), declaration_id, _text(_body(), "reason")[:100])
    return jsonify(done), 200 if done["state"] == "VOIDED" else 202


@bp.route("/portal/unit/unpaid")
@requires("portal.unit")
def unit_unpaid():
    return jsonify(up.unpaid(principal(), _page()))


@bp.route("/portal/unit/debits", methods=["POST"])
@requires("portal.unit")
def unit_pay():
    ids = _ids(_body())
    if ids is None:
        return _invalid({"levy_ids": "请至少选择一条应征（整数编号列表）"})
    return jsonify(portal.pay(principal(), ids)), 201


@bp.route("/portal/unit/debits/<int:debit_id>")
@requires("portal.unit")
def unit_debit(debit_id: int):
    return jsonify(up.debit_outcome(principal(), debit_id))


@bp.route("/portal/unit/counter-vouchers", methods=["POST"])
@requires("portal.unit")
def unit_counter_voucher():
    ids = _ids(_body())
    if ids is None:
        return _invalid({"levy_ids": "请至少选择一条应征（整数编号列表）"})
    number, pdf = up.counter_voucher(principal(), ids)
    return _pdf(pdf, f"voucher-{number}.pdf"), 201


@bp.route("/portal/unit/agreements")
@requires("portal.unit")
def unit_agreements():
    return jsonify(up.agreements(principal()))


@bp.route("/portal/unit/agreements", methods=["POST"])
@requires("portal.unit")
def unit_sign():
    b = _body()
    return jsonify(up.sign(principal(), _text(b, "protocol_no"), _text(b, "pay_bk_code"),
                           _text(b, "pay_op_bk_code"), _text(b, "pay_acct"),
                           _text(b, "hand_org_name"), _text(b, "channel") == "ON_SITE")), 201


@bp.route("/portal/unit/agreements/<int:agreement_id>/end", methods=["POST"])
@requires("portal.unit")
def unit_end_agreement(agreement_id: int):
    return jsonify(up.terminate(principal(), agreement_id, _text(_body(), "reason")[:200]))


@bp.route("/portal/unit/history")
@requires("portal.unit")
def unit_history():
    return jsonify(up.history(principal(), _page(), request.args.get("state", "")))


@bp.route("/portal/unit/changes")
@requires("portal.unit")
def unit_changes():
    return jsonify(up.changes(principal(), _page()))


@bp.route("/portal/unit/certificate")
@requires("portal.unit")
def unit_certificate():
    a = request.args
    pdf = up.certificate(principal(), a.get("from", ""), a.get("to", "") or a.get("from", ""),
                         a.get("form", "tabular"))
    return _pdf(pdf, f"certificate-{a.get('from', '')}.pdf")
