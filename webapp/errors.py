"""Errors in one place: one Chinese message per domain rule, and the 400/403/404/500 pages (or
the API's JSON error) in the layout. No traceback ever reaches a browser: unexpected exceptions
are logged with an incident number and answered with the 500 page."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from gateway.domain.errors import DomainError

log = logging.getLogger("webapp")

#: rule → the message a user sees. A rule without an entry falls back to the generic one.
DOMAIN_MESSAGES: dict[str, str] = {
    "money.exact_two_places": "金额格式不正确，应精确到分。",
    "state.transition_allowed": "当前状态不允许此操作，请刷新后查看最新状态。",
    "levy.one_lock": "所选应征正在另一笔缴款中处理，请稍后再试。",
    "levy.payable_only_when_unpaid": "所选应征不是未缴状态，不能缴款。",
    "agreement.active_for_debit": "没有有效的三方协议，请先签订并验证协议。",
    "identifier.valid": "证件号码、账号或行号格式不正确。",
    "limits.items": "所选条目超过接口允许的数量。",
    "reversal.same_work_date": "只能冲正本工作日的扣款。",
    "gateway.available_for_new_requests": "与银行的连接暂不可用或正在日切，请稍后再试。",
    "limits.in_flight": "在途扣款已达上限，请稍后再试。",
    "lookup.exists": "未找到该记录。",
    "agreement.revoke_only_when_unused": "该协议下有正在处理的缴款，暂不能撤销。",
    "demodata.empty_database": "数据库中已有数据。",
    "report.frozen": "该版本报表已上报，已冻结为只读；重新汇总会生成新版本。",
    "report.owner": "只有本机关负责人可以上报本机关的报表。",
    "report.month": "月份格式应为 YYYY-MM。",
}
GENERIC_DOMAIN_MESSAGE = "业务规则不允许此操作。"

HTTP_MESSAGES = {
    400: ("请求无效", "请求内容不正确，请返回后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的角色无权执行此操作。"),
    404: ("页面不存在", "您要找的页面或记录不存在。"),
    405: ("方法不允许", "不支持该请求方式。"),
    413: ("请求过大", "提交的内容过大。"),
    500: ("系统错误", "系统暂时出现问题，已记录，请稍后再试。"),
}
CSRF_MESSAGE = "表单已过期或缺少安全令牌，请刷新页面后重新提交。"


def domain_message(exc: DomainError) -> str:
    if exc.rule in ("admin.refused", "individual.refused", "portal.refused"):  # in Chinese already
        return str(exc)
    return DOMAIN_MESSAGES.get(exc.rule, GENERIC_DOMAIN_MESSAGE)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str | None = None, code: str | None = None):
    title, default = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500])
    if _is_api():
        from webapp.api.errors import error_response
        return error_response(status, code or f"http.{status}", message or default)
    return render_template("errors/error.html", status=status, title=title,
                           message=message or default), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return _page(400, CSRF_MESSAGE, "csrf.missing")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return _page(exc.code or 500)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        status = 404 if exc.rule == "lookup.exists" else 409
        return _page(status, domain_message(exc), exc.rule)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        incident = secrets.token_hex(4)
        log.exception("unhandled error in web request %s %s (incident %s)", request.method,
                      request.path, incident)
        return _page(500, f"系统暂时出现问题，已记录（事件号 {incident}），请稍后再试。", "internal")
