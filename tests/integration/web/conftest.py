"""Fixtures of the web HTTP tests: the Flask app over a real SQLite copy of the demo data."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.integration.web.helpers import MovableClock, Web, build_template, copy_of, settings_for


@pytest.fixture(scope="session")
def web_template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("web-template"))


@pytest.fixture
def web(web_template, tmp_path):
    from webapp import create_app

    path = copy_of(web_template, tmp_path)
    clock = MovableClock(dt.datetime(2026, 11, 16, 10, 0, 0))
    app = create_app(settings_for(path), clock=clock)
    yield Web(app, path, clock)
    app.extensions["etsgw"].app.close()
    admin = app.extensions.get("etsgw_queue_admin")
    if admin is not None and hasattr(admin, "close"):
        admin.close()
