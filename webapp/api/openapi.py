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
