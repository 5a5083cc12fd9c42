"""The web application: ``create_app(settings)`` builds one Flask app for taxpayers (portal),
collection staff (console), operations (ops), the three administrators (admin) and the JSON API
(api). It sends commands through the message bus of :func:`gateway.bootstrap.build` and reads
through the scoped queries of :mod:`gateway.persistence.web_queries`; no module-level app."""

from __future__ import annotations

from typing import Any

from flask import Flask

from gateway.config import Settings


def create_app(settings: Settings, *, application: Any = None, clock: Any = None) -> Flask:
    """A configured app. ``application`` (a bootstrap Application) and ``clock`` may be handed in
    by tests or by a process that already built them; otherwise they are built here."""
    from gateway.bootstrap import build
    from gateway.clock import beijing_now
    from webapp import errors, extensions, security
    from webapp.context import WebContext

    # A handed-in Application brings its clock (a test's movable one), unless told otherwise.
    clock = clock or (application.clock if application is not None else beijing_now)
    application = application or build(settings, clock=clock)
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.extensions["etsgw"] = WebContext(application, settings, clock)
    security.configure(app, settings.web)
    extensions.init(app)
    errors.register(app)
    _register_blueprints(app)
    from webapp import presenters
    presenters.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from webapp.admin.views import bp as admin_bp
    from webapp.api import bp as api_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.console.views import bp as console_bp
    import webapp.console.reconciliation  # noqa: F401 - its routes join the console blueprint
    from webapp.ops.views import bp as ops_bp
    from webapp.portal.views import bp as portal_bp
    from webapp.reference import bp as reference_bp

    for bp in (auth_bp, portal_bp, console_bp, ops_bp, admin_bp, reference_bp, api_bp):
        app.register_blueprint(bp)
