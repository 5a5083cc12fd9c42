"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/v1/openapi.json``. A test checks it
against the registered routes, so a route cannot be added without being documented."""

from __future__ import annotations

from typing import Any

# (method, path, summary, permission or None, request body schema name or None, success status)
OPERATIONS: list[tuple[str, str, str, str | None, str | None, str]] = [
    ("get", "/api/v1/openapi.json", "本接口文档", None, None, "200"),
    ("post", "/api/v1/tokens", "登录并获取访问令牌", None, "Credentials", "201"),
    ("delete", "/api/v1/tokens/current", "注销当前令牌", "", None, "204"),
    ("get", "/api/v1/me", "当前用户与角色", "", None, "200"),
    ("get", "/api/v1/portal/home", "缴费人首页：未缴应征与三方协议", "portal.view", None, "200"),
    ("get", "/api/v1/portal/levies/{levy_id}", "一条应征", "portal.view", None, "200"),
    ("get", "/api/v1/portal/agreements/{agreement_id}", "一份三方协议", "portal.view", None, "200"),
    ("post", "/api/v1/portal/debits", "缴费：对所选应征发起实时扣款", "portal.pay", "PayRequest", "201"),
    *[(m, f"/api/v1/portal/unit{path}", summary, "portal.unit", body, ok)
      for m, path, summary, body, ok in [
          ("get", "", "单位缴费登记信息与核定信息", None, "200"),
          ("get", "/staff", "在册人员查询（分页、按社保号与姓名/证件号）", None, "200"),
          ("post", "/staff", "增员（含非全日制用工工伤增员）", "AddPerson", "201"),
          ("get", "/staff/{person_id}", "申报缴款个人明细与个人变动历史", None, "200"),
          ("post", "/staff/{person_id}/remove", "减员", "PeriodRequest", "200"),
          ("post", "/staff/{person_id}/wage", "缴费工资调整（按基数上下限计费）", "WageRequest", "200"),
          ("get", "/declaration-preview", "申报预览（人员 × 险种，分页）", None, "200"),
          ("get", "/declarations", "申报记录", None, "200"),
          ("post", "/declarations", "社会保险费申报", "PeriodRequest", "201"),
          ("get", "/declarations/{declaration_id}", "一份申报及其明细", None, "200"),
          ("post", "/declarations/{declaration_id}/void", "作废申报（202：已发起扣款状态查询）",
           "ReasonRequest", "200"),
          ("get", "/unpaid", "清缴社保费：未缴应征与扣款账户", None, "200"),
          ("post", "/debits", "实时扣款缴费", "PayRequest", "201"),
          ("get", "/debits/{debit_id}", "扣款结果（含处理中）", None, "200"),
          ("post", "/counter-vouchers", "打印银行端查询缴款凭证（PDF）", "PayRequest", "201"),
          ("get", "/agreements", "划缴协议与本月批扣截止提示", None, "200"),
          ("post", "/agreements", "网签或一次上门录入协议并验证", "SignRequest", "201"),
          ("post", "/agreements/{agreement_id}/end", "撤销或终止协议", "ReasonRequest", "200"),
          ("get", "/history", "申报缴款情况查询", None, "200"),
          ("get", "/changes", "个人变动历史记录查询", None, "200"),
          ("get", "/certificate", "税收完税证明（PDF，from/to/form）", None, "200"),
      ]],
    ("get", "/api/v1/console/home", "征收人员首页：结果待查扣款与今日扣款", "console.view", None, "200"),
    ("get", "/api/v1/console/debits/{debit_id}", "一笔扣款", "console.view", None, "200"),
    ("post", "/api/v1/console/debits/{debit_id}/reverse", "申请冲正", "console.act",
     "ReverseRequest", "202"),
    ("post", "/api/v1/console/debits/{debit_id}/query", "查询扣款状态", "console.act", None, "202"),
    ("get", "/api/v1/console/agreements/{agreement_id}", "一份三方协议", "console.view", None, "200"),
    ("post", "/api/v1/console/agreements/{agreement_id}/verify", "验证三方协议", "console.act",
     None, "202"),
    ("get", "/api/v1/console/payers/{payer_id}", "一位缴费人（full=1 显示完整证件号，仅负责人，留痕）",
     "console.view", None, "200"),
    ("get", "/api/v1/ops/home", "运维首页：队列深度与通道状态", "ops.view", None, "200"),
    ("get", "/api/v1/audit", "审计日志（筛选、分页）", "audit.read", None, "200"),
]

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "description": "稳定的错误代码"},
                       "message": {"type": "string", "description": "中文说明"},
                       "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
    "Credentials": {"type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
    "PayRequest": {"type": "object", "required": ["levy_ids"],
                   "properties": {"levy_ids": {"type": "array", "items": {"type": "integer"},
                                               "minItems": 1, "maxItems": 99}}},
    "AddPerson": {"type": "object", "required": ["id_number", "name", "wage"], "properties": {
        "id_number": {"type": "string"}, "name": {"type": "string"},
        "wage": {"type": "string", "description": "元，两位小数"},
        "scheme": {"type": "string", "enum": ["FULL", "INJURY_PT"]},
        "period": {"type": "string", "description": "YYYY-MM"}}},
    "WageRequest": {"type": "object", "required": ["wage"], "properties": {
        "wage": {"type": "string"}, "period": {"type": "string"}}},
    "PeriodRequest": {"type": "object", "properties": {"period": {"type": "string"}}},
    "ReasonRequest": {"type": "object", "properties": {"reason": {"type": "string"}}},
    "SignRequest": {"type": "object", "required": ["protocol_no", "pay_bk_code", "pay_op_bk_code",
                                                   "pay_acct"], "properties": {
        "protocol_no": {"type": "string"}, "pay_bk_code": {"type": "string"},
        "pay_op_bk_code": {"type": "string"}, "pay_acct": {"type": "string"},
        "hand_org_name": {"type": "string"}, "channel": {"type": "string", "enum": ["ONLINE", "ON_SITE"]}}},
    "ReverseRequest": {"type": "object", "required": ["reason"],
                       "properties": {"reason": {"type": "string", "maxLength": 60}}},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(method: str, path: str, summary: str, permission: str | None,
               body: str | None, ok: str) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "operationId": f"{method}_{path[8:]}".replace("/", "_"),
                          "responses": {ok: {"description": "成功"}, "default": _error("错误")}}
    params = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
    if params:
        op["parameters"] = [{"name": n, "in": "path", "required": True,
                             "schema": {"type": "integer"}} for n in params]
        op["responses"]["404"] = _error("不存在或不在您的权限范围内")
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
        op["responses"]["422"] = _error("请求参数不正确")
    if permission is None:
        op["security"] = []
    else:
        op["responses"]["401"] = _error("未登录或令牌无效")
        if permission:
            op["x-permission"] = permission
            op["responses"]["403"] = _error("角色无权执行此操作")
    return op


def document() -> dict[str, Any]:
    from webapp.api import individual

    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, permission, body, ok in OPERATIONS + individual.OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, permission, body, ok)
    return {
        "openapi": "3.1.0",
        "info": {"title": "ETS 网关税务端接口", "version": "1.0.0",
                 "description": "缴费人、征收人员、运维与审计的 JSON 接口；与网页使用同一套服务、权限范围与审计。"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {**_SCHEMAS, **individual.SCHEMAS}, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
