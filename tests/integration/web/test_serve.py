"""Serving: `start_in_thread` (what `etsgw demo` calls) answers over real HTTP and stops; the
demo's secret key is generated into var/ once and reused; `etsgw web` is registered."""

from __future__ import annotations

import urllib.request

from click.testing import CliRunner

from tests.integration.web.helpers import copy_of, settings_for


def test_start_in_thread_serves_and_stops(web_template, tmp_path):
    from webapp.serve import start_in_thread

    running = start_in_thread(settings_for(copy_of(web_template, tmp_path)), host="127.0.0.1",
                              port=0, demo_accounts=True)
    try:
        with urllib.request.urlopen(running.url + "login", timeout=10) as response:
            assert response.status == 200
            assert "登录" in response.read().decode("utf-8")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        running.stop()
    assert not running.thread.is_alive()


def test_demo_secret_key_is_generated_once_into_var(tmp_path, monkeypatch):
    from gateway.config import Settings
    from webapp.security import secret_key
    from webapp.serve import with_demo_secret

    monkeypatch.chdir(tmp_path)
    settings = with_demo_secret(Settings())
    first = secret_key(settings.web)
    assert (tmp_path / "var" / "web-secret.key").stat().st_mode & 0o077 == 0
    assert secret_key(settings.web) == first and len(first) == 64
    production = Settings().replace(gateway={"env": "production"})
    assert with_demo_secret(production).web.secret_key_file == ""


def test_etsgw_web_and_audit_commands_are_registered():
    from gateway.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert " web " in result.output and " audit " in result.output
