"""Log-in, lock-out, server-side sessions and API tokens, shared by the pages and the API.

A browser session and an API token are both a random secret; the database keeps its SHA-256
(``web_session``). The session cookie carries the secret (signed, HttpOnly), so log-out and
disabling an account end it on the server, and an idle or too old session stops working even if
its cookie is replayed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import flash, g, redirect, request, url_for
from gateway.persistence import audit_log, web_accounts
from webapp import passwords
from webapp.context import client_address, reader, web
from webapp.roles import Principal, Role, role_of

BROWSER, API = "browser", "api"
_TOUCH_EVERY = dt.timedelta(seconds=60)


class LoginRefused(Exception):
    """A log-in was refused; the message is shown as it stands."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Opened:
    secret: str
    expires_at: dt.datetime
    role: Role


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def log_in(username: str, password: str, kind: str) -> Opened:
    """Check the password (lock-out after repeated failures) and open a session or token."""
    ctx, settings = web(), web().settings.web
    now = ctx.now()
    with ctx.app.uow() as uow:
        s = uow.session
        account = web_accounts.by_username(s, username.strip())
        if account is None:
            passwords.check(None, password)
            raise LoginRefused("用户名或密码错误。", "auth.bad_credentials")
        if account.disabled:
            raise LoginRefused("该账户已停用，请联系系统管理员。", "auth.disabled")
        if account.locked_until and account.locked_until > now:
            raise LoginRefused(f"该账户已被锁定，请于 {account.locked_until:%H:%M} 后再试，"
                               "或联系系统管理员解锁。", "auth.locked")
        if not passwords.check(account.password_hash, password):
            locked = web_accounts.record_failure(
                s, account.id, now, settings.lockout_failures,
                dt.timedelta(minutes=settings.lockout_minutes))
            if locked:
                audit_log.append(s, audit_log.AuditEntry(
                    actor=account.username, actor_role=account.role, action="LOGIN_LOCKED",
                    target=f"user:{account.id}", address=client_address(),
                    after={"failures": settings.lockout_failures}), now)
            uow.commit()
            if locked:
                raise LoginRefused(f"密码连续错误 {settings.lockout_failures} 次，账户已锁定 "
                                   f"{settings.lockout_minutes} 分钟。", "auth.locked")
            left = settings.lockout_failures - web_accounts.by_username(s, account.username).failed_count
            raise LoginRefused(f"用户名或密码错误，再错 {left} 次账户将被锁定。", "auth.bad_credentials")
        web_accounts.record_success(s, account.id, now)
        secret = secrets.token_urlsafe(32)
        if kind == BROWSER:
            expires = now + dt.timedelta(minutes=settings.session_idle_minutes)
        else:
            expires = now + dt.timedelta(hours=settings.token_hours)
        web_accounts.open_session(s, account.id, kind, digest(secret), now, expires, client_address())
        uow.commit()
    return Opened(secret, expires, role_of(account.role, account.payer_kind))


def log_out(secret: str, kind: str) -> None:
    ctx = web()
    with ctx.app.uow() as uow:
        web_accounts.end_session(uow.session, kind, digest(secret), ctx.now())
        uow.commit()


def _principal(secret: str, kind: str) -> Principal | None:
    ctx, settings = web(), web().settings.web
    now = ctx.now()
    live = web_accounts.live_session_account(reader(), kind, digest(secret), now)
    if live is None or live.account.disabled:
        return None
    account = live.account
    if kind == BROWSER:
        too_old = live.created_at + dt.timedelta(hours=settings.session_max_hours)
        if now >= too_old:
            return None
        if now - live.last_seen_at >= _TOUCH_EVERY:
            expires = min(now + dt.timedelta(minutes=settings.session_idle_minutes), too_old)
            with ctx.app.uow() as uow:
                web_accounts.touch_session(uow.session, live.id, now, expires)
                uow.commit()
    return Principal(account.id, account.username, account.display_name,
                     role_of(account.role, account.payer_kind), account.payer_id,
                     account.tax_org_code, secret, via_token=(kind == API))


def load_browser_user(secret: str) -> Principal | None:
    if request.path.startswith("/api/"):
        return None  # the API takes tokens only, so a cookie cannot ride along (no CSRF there)
    found = _principal(secret, BROWSER)
    if found is None:
        g.session_expired = True
    return found


def load_token_user(req) -> Principal | None:
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return _principal(header[len("Bearer "):].strip(), API)


def unauthorized():
    if request.path.startswith("/api/"):
        from webapp.api.errors import error_response
        return error_response(401, "auth.required", "请先登录或提供有效的访问令牌。")
    if g.get("session_expired"):
        flash("会话已过期或已退出，请重新登录。", "info")
    else:
        flash("请先登录。", "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))

