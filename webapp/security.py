"""Session cookie rules, the secret key, and the security headers of every response
(CSP without inline script, no framing, no MIME sniffing, no caching of personal pages)."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import Flask, Response

from gateway.config import WebSection

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def secret_key(web: WebSection) -> str:
    """From the settings; else from ``secret_key_file`` (created with a random key when missing,
    mode 0600); else random per process, so sessions end when it restarts."""
    if web.secret_key:
        return web.secret_key
    if web.secret_key_file:
        path = Path(web.secret_key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip()
    return secrets.token_hex(32)


def configure(app: Flask, web: WebSection) -> None:
    app.config.update(
        SECRET_KEY=secret_key(web),
        SESSION_COOKIE_NAME="etsgw_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookie,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=web.secure_cookie,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=web.session_idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires itself
        WTF_CSRF_SSL_STRICT=web.secure_cookie,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_AS_ASCII=False,
        PROPAGATE_EXCEPTIONS=False,
        TRAP_HTTP_EXCEPTIONS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    h = response.headers
    h["Content-Security-Policy"] = CSP
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"
    h.setdefault("Cache-Control", "no-store")
    return response
