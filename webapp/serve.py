"""Serving the app with waitress: ``serve`` (blocking, ``etsgw web``) and ``start_in_thread``
(``etsgw demo`` and the browser tests: a server on a background thread that can be stopped)."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from gateway.config import Settings

DEMO_SECRET_FILE = "var/web-secret.key"


def with_demo_secret(settings: Settings) -> Settings:
    """Dev settings without a key get one generated into var/ (never committed), so sessions
    survive a restart of the demo."""
    web = settings.web
    if web.secret_key or web.secret_key_file or settings.gateway.env == "production":
        return settings
    return dataclasses.replace(settings, web=dataclasses.replace(web, secret_key_file=DEMO_SECRET_FILE))


def make_server(settings: Settings, host: str | None = None, port: int | None = None,
                application: Any = None) -> Any:
    """A waitress server (not yet running); ``port=0`` picks a free port (``server.effective_port``)."""
    from waitress import create_server

    from webapp import create_app

    app = create_app(settings, application=application)
    return create_server(app, host=host or settings.web.host,
                         port=settings.web.port if port is None else port,
                         threads=settings.web.threads, ident="etsgw", clear_untrusted_proxy_headers=True)


def serve(settings: Settings) -> None:
    server = make_server(settings)
    server.print_listen("etsgw web: http://{}:{}/")
    server.run()


@dataclass
class RunningWeb:
    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        """Stop listening and drop open keep-alive connections too: the serving loop only ends
        when no channel is left, and a browser keeps its connections open."""
        from waitress import wasyncore

        self.server.close()
        wasyncore.close_all(self.server._map)  # waitress keeps its channels in this map
        self.server.task_dispatcher.shutdown()
        self.thread.join(timeout=10)


def start_in_thread(settings: Settings, host: str | None = None, port: int | None = None,
                    demo_accounts: bool = True, application: Any = None) -> RunningWeb:
    """Start the web server on a daemon thread; with ``demo_accounts`` the extra demo logins are
    added first. Returns the URL and a handle whose ``stop()`` shuts it down."""
    settings = with_demo_secret(settings)
    if demo_accounts:
        from gateway.bootstrap import build

        from webapp.demo_accounts import ensure_demo_accounts
        app = application or build(settings)
        ensure_demo_accounts(app)
        if application is None:
            app.close()
    server = make_server(settings, host, port, application)
    thread = threading.Thread(target=server.run, name="etsgw-web", daemon=True)
    thread.start()
    address = host or settings.web.host
    return RunningWeb(f"http://{address}:{server.effective_port}/", server, thread)
