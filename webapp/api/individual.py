"""``/api/v1`` routes of the individual portal and the residents' virtual units: the same services,
permissions and rules as the pages (webapp.services.individual_portal). Documented in
:data:`OPERATIONS` and :data:`SCHEMAS`, which webapp.api.openapi adds to its document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, jsonify, request

from gateway.excel.resident_file import FileRefused
from webapp.api.errors import error_response
from webapp.api.views import _body, _invalid, bp
from webapp.roles import principal, requires
from webapp.services import individual_portal as svc

MAX_UPLOAD = 1024 * 1024


def _text(body: dict[str, Any], *names: str) -> dict[str, str] | None:
    """The named string fields, or None when one is missing or not a string."""
    values = {n: body.get(n) for n in names}
    return values if all(isinstance(v, str) and v.strip() for v in values.values()) else None  # type: ignore[return-value]


@bp.route("/individual/info")
@requires("individual.view")
def individual_info():
    return jsonify(svc.info(principal()))


@bp.route("/individual/contact", methods=["POST"])
@requires("individual.view")
def individual_contact():
    body = _text(_body(), "phone", "address")
    if body is None:
        return _invalid({"phone": "此项为必填项", "address": "此项为必填项"})
    svc.change_contact(principal(), body["phone"], body["address"])
    return jsonify(svc.info(principal()))


@bp.route("/individual/base", methods=["POST"])
@requires("flexible.act")
def individual_base():
    raw = _body().get("base")
    try:
        base = Decimal(raw) if isinstance(raw, str) else None  # money as exact text, never a float
    except InvalidOperation:
        base = None
    if base is None or not base.is_finite():
        return _invalid({"base": "缴费基数为金额文本，如 \"5000.00\""})
    return jsonify(svc.adjust_base(principal(), base))


@bp.route("/individual/insurance-types", methods=["POST"])
@requires("flexible.act")
def individual_types():
    codes = _body().get("insurance_codes")
    if not (isinstance(codes, list) and codes and all(isinstance(c, str) for c in codes)):
        return _invalid({"insurance_codes": "请至少选择一个险种（代码列表）"})
    svc.change_types(principal(), codes)
    return jsonify(svc.info(principal()))


@bp.route("/individual/arrears")
@requires("individual.view")
def individual_arrears():
    period = request.args.get("period")
    try:
        chosen = dt.date.fromisoformat(period) if period else None
    except ValueError:
        return _invalid({"period": "费款所属期为日期，如 2026-11-01"})
    return jsonify(svc.arrears(principal(), chosen))


@bp.route("/individual/orders/pay", methods=["POST"])
@requires("individual.view")
def individual_pay_order():
    body = _text(_body(), "declaration_no")
    if body is None:
        return _invalid({"declaration_no": "请填写托收单号"})
    return jsonify(svc.pay_order(principal(), body["declaration_no"])), 201


@bp.route("/individual/agreements")
@requires("individual.view")
def individual_agreements():
    return jsonify(svc.agreements(principal()))


@bp.route("/individual/agreements", methods=["POST"])
@requires("individual.view")
def individual_sign():
    body = _body()
    fields = _text(body, "channel", "pay_bk_code", "pay_op_bk_code", "pay_acct")
    protocol = body.get("protocol_no", "")
    if fields is None or fields["channel"] not in ("ONLINE", "ON_SITE") or not isinstance(protocol, str) \
            or (fields["channel"] == "ON_SITE" and not protocol.strip()):
        return _invalid({"channel": "ONLINE 或 ON_SITE；一次上门须填写 protocol_no",
                         "pay_bk_code": "12 位行号", "pay_op_bk_code": "12 位行号",
                         "pay_acct": "付款账号"})
    return jsonify(svc.sign_agreement(principal(), fields["channel"], fields["pay_bk_code"],
                                      fields["pay_op_bk_code"], fields["pay_acct"], protocol)), 201


@bp.route("/individual/stop", methods=["POST"])
@requires("flexible.act")
def individual_stop():
    if _body().get("confirm") is not True:
        return _invalid({"confirm": "停保须确认（confirm: true）"})
    outcome = svc.stop(principal())
    if not outcome["done"]:
        return error_response(409, "individual.refused", "；".join(outcome["refusals"]),
                              {"queried_debits": ",".join(map(str, outcome["queried_debits"]))})
    return jsonify(outcome)


@bp.route("/individual/grades")
@requires("resident.self")
def individual_grades():
    return jsonify(svc.grade_page(principal()))


@bp.route("/individual/grades", methods=["POST"])
@requires("resident.self")
def individual_grade_change():
    body = _body()
    year, grade = body.get("year"), body.get("grade")
    if not (isinstance(year, int) and not isinstance(year, bool) and isinstance(grade, str) and grade):
        return _invalid({"year": "缴费年度为整数", "grade": "档次为文本，如 \"3\""})
    return jsonify(svc.change_grade(principal(), year, grade))


def _person() -> dict[str, str] | None:
    return _text(_body(), "id_number", "name")


@bp.route("/individual/others/lookup", methods=["POST"])
@requires("individual.view")
def individual_lookup():
    person = _person()
    if person is None:
        return _invalid({"id_number": "此项为必填项", "name": "此项为必填项"})
    return jsonify(svc.lookup_other(principal(), person["id_number"], person["name"]))


@bp.route("/individual/others/pay", methods=["POST"])
@requires("individual.view")
def individual_pay_other():
    person = _person()
    if person is None:
        return _invalid({"id_number": "此项为必填项", "name": "此项为必填项"})
    return jsonify(svc.pay_for_other(principal(), person["id_number"], person["name"])), 201


@bp.route("/individual/payments")
@requires("individual.view")
def individual_payments():
    return jsonify(svc.history(principal()))


@bp.route("/individual/payments/<int:debit_id>")
@requires("individual.view")
def individual_payment(debit_id: int):
    return jsonify(svc.debit_detail(principal(), debit_id))


@bp.route("/individual/certificate")
@requires("individual.view")
def individual_certificate():
    year = request.args.get("year", type=int)
    if year is None:
        return _invalid({"year": "缴款年度为整数"})
    pdf, _name = svc.certificate(principal(), year, request.args.get("form", "tabular"))
    return Response(pdf, mimetype="application/pdf")


@bp.route("/residents-unit/declarations")
@requires("residents.declare")
def residents_declarations():
    return jsonify(svc.declarations(principal()))


@bp.route("/residents-unit/imports", methods=["POST"])
@requires("residents.declare")
def residents_import():
    upload = request.files.get("file")
    if upload is None:
        return _invalid({"file": "请上传 multipart 字段 file（.csv 或 .xlsx）"})
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return error_response(413, "http.413", f"文件不能超过 {MAX_UPLOAD // 1024} KB")
    try:
        return jsonify(svc.import_residents(principal(), data, upload.filename or ""))
    except FileRefused as exc:
        return _invalid({"file": str(exc)})


@bp.route("/residents-unit/debits", methods=["POST"])
@requires("residents.declare")
def residents_pay():
    ids = _body().get("levy_ids")
    if not (isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool)
                                                  for i in ids)):
        return _invalid({"levy_ids": "请至少选择一条应征（整数编号列表）"})
    return jsonify(svc.pay_declared(principal(), ids)), 201


OPERATIONS: list[tuple[str, str, str, str | None, str | None, str]] = [
    ("get", "/api/v1/individual/info", "个人基本信息与核定信息", "individual.view", None, "200"),
    ("post", "/api/v1/individual/contact", "变更社保联系方式", "individual.view", "ContactRequest", "200"),
    ("post", "/api/v1/individual/base", "缴费基数调整（本市上下限内）", "flexible.act", "BaseRequest", "200"),
    ("post", "/api/v1/individual/insurance-types", "险种变更", "flexible.act", "TypesRequest", "200"),
    ("get", "/api/v1/individual/arrears", "未缴应征、托收单与某费款所属期的缴费明细（period）",
     "individual.view", None, "200"),
    ("post", "/api/v1/individual/orders/pay", "缴纳托收单（实时扣款）", "individual.view", "OrderRequest",
     "201"),
    ("get", "/api/v1/individual/agreements", "三方协议与扣费截止提示", "individual.view", None, "200"),
    ("post", "/api/v1/individual/agreements", "签订三方协议（网签或一次上门）", "individual.view",
     "AgreementRequest", "201"),
    ("post", "/api/v1/individual/stop", "社保停保（作废未缴应征并终止协议）", "flexible.act",
     "StopRequest", "200"),
    ("get", "/api/v1/individual/grades", "城乡居民养老保险可选年度与档次", "resident.self", None, "200"),
    ("post", "/api/v1/individual/grades", "缴费档次变更（当年或次年）", "resident.self", "GradeRequest",
     "200"),
    ("post", "/api/v1/individual/others/lookup", "代他人缴费：按身份证号码与姓名查询未缴",
     "individual.view", "PersonRequest", "200"),
    ("post", "/api/v1/individual/others/pay", "代他人缴费：实时扣款", "individual.view", "PersonRequest",
     "201"),
    ("get", "/api/v1/individual/payments", "缴费情况（含代他人缴费）", "individual.view", None, "200"),
    ("get", "/api/v1/individual/payments/{debit_id}", "一笔缴费及其应征", "individual.view", None, "200"),
    ("get", "/api/v1/individual/certificate", "完税证明 PDF（year、form=tabular|document）",
     "individual.view", None, "200"),
    ("get", "/api/v1/residents-unit/declarations", "两居企业：已申报居民", "residents.declare", None, "200"),
    ("post", "/api/v1/residents-unit/imports", "两居企业：导入居民名单（multipart file）",
     "residents.declare", None, "200"),
    ("post", "/api/v1/residents-unit/debits", "两居企业：缴纳所选应征", "residents.declare", "PayRequest",
     "201"),
]

_STR = {"type": "string"}
SCHEMAS: dict[str, Any] = {
    "ContactRequest": {"type": "object", "required": ["phone", "address"],
                       "properties": {"phone": _STR, "address": _STR}},
    "BaseRequest": {"type": "object", "required": ["base"],
                    "properties": {"base": {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}}},
    "TypesRequest": {"type": "object", "required": ["insurance_codes"], "properties": {
        "insurance_codes": {"type": "array", "items": {"enum": ["PENSION", "MEDICAL"]}}}},
    "OrderRequest": {"type": "object", "required": ["declaration_no"],
                     "properties": {"declaration_no": _STR}},
    "AgreementRequest": {"type": "object", "required": ["channel", "pay_bk_code", "pay_op_bk_code",
                                                        "pay_acct"],
                         "properties": {"channel": {"enum": ["ONLINE", "ON_SITE"]},
                                        "pay_bk_code": _STR, "pay_op_bk_code": _STR,
                                        "pay_acct": _STR, "protocol_no": _STR}},
    "StopRequest": {"type": "object", "required": ["confirm"],
                    "properties": {"confirm": {"const": True}}},
    "GradeRequest": {"type": "object", "required": ["year", "grade"],
                     "properties": {"year": {"type": "integer"}, "grade": _STR}},
    "PersonRequest": {"type": "object", "required": ["id_number", "name"],
                      "properties": {"id_number": _STR, "name": _STR}},
}
