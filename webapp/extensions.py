"""Flask-Login and Flask-WTF (CSRF on every form) wired to the app."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init(app: Flask) -> None:
    from webapp.auth import sessions
    from webapp.context import close_reader

    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = "请先登录。"
    manager.login_message_category = "info"
    manager.session_protection = "basic"
    manager.user_loader(sessions.load_browser_user)
    manager.request_loader(sessions.load_token_user)
    manager.unauthorized_handler(sessions.unauthorized)
    manager.init_app(app)
    csrf.init_app(app)
    app.teardown_appcontext(close_reader)
