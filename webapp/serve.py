"""Serving the app with waitress: ``serve`` (blocking, ``etsgw web``; ``web.processes`` > 1
forks that many workers on one listening socket) and ``start_in_thread`` (``etsgw demo`` and
the browser tests: a server on a background thread that can be stopped)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from gateway.config import Settings

DEMO_SECRET_FILE = "var/web-secret.key"
_RESPAWN_PAUSE_S = 1.0  # a worker that keeps dying is restarted at most once a second
log = logging.getLogger(__name__)


def with_demo_secret(settings: Settings) -> Settings:
    """Dev settings without a key get one generated into var/ (never committed), so sessions
    survive a restart of the demo."""
    web = settings.web
    if web.secret_key or web.secret_key_file or settings.gateway.env == "production":
        return settings
    return dataclasses.replace(settings, web=dataclasses.replace(web, secret_key_file=DEMO_SECRET_FILE))


def make_server(settings: Settings, host: str | None = None, port: int | None = None,
                application: Any = None, sockets: list[socket.socket] | None = None) -> Any:
    """A waitress server (not yet running); ``port=0`` picks a free port (``server.effective_port``);
    ``sockets``: serve these already listening sockets instead."""
    from waitress import create_server

    from webapp import create_app

    app = create_app(settings, application=application)
    if sockets:
        return create_server(app, sockets=sockets, threads=settings.web.threads, ident="etsgw",
                             clear_untrusted_proxy_headers=True)
    return create_server(app, host=host or settings.web.host,
                         port=settings.web.port if port is None else port,
                         threads=settings.web.threads, ident="etsgw", clear_untrusted_proxy_headers=True)


def serve(settings: Settings) -> None:
    if settings.web.processes > 1:
        serve_forked(settings, settings.web.processes)
        return
    server = make_server(settings)
    server.print_listen("etsgw web: http://{}:{}/")
    server.run()


def serve_forked(settings: Settings, processes: int) -> None:
    """The parent binds the socket and forks ``processes`` workers that all accept on it (the
    kernel hands each connection to one); it restarts a worker that dies and, on SIGTERM or
    SIGINT, stops them all. Workers build their own application after the fork (no database
    connection or thread crosses it) and share one session key, so a browser's session cookie
    is good at every worker."""
    web = settings.web
    if not web.secret_key and not web.secret_key_file:  # one random key for all the workers
        settings = dataclasses.replace(settings, web=dataclasses.replace(
            web, secret_key=secrets.token_hex(32)))
    listener = socket.create_server((web.host, web.port), backlog=1024)
    print(f"etsgw web: http://{web.host}:{listener.getsockname()[1]}/ "
          f"({processes} processes × {web.threads} threads)", flush=True)
    workers: dict[int, int] = {}  # pid -> slot
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    for slot in range(processes):
        workers[_fork_worker(settings, listener)] = slot
    while workers:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        slot = workers.pop(pid, None)
        if slot is None or stopping:
            continue
        log.error("web worker %d (pid %d) ended with status %d; starting another", slot, pid, status)
        time.sleep(_RESPAWN_PAUSE_S)
        if not stopping:
            workers[_fork_worker(settings, listener)] = slot
    listener.close()


def _fork_worker(settings: Settings, listener: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:  # the worker: default signal handling (SIGTERM ends it), its own app and threads
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        make_server(settings, sockets=[listener]).run()
    except BaseException:  # noqa: BLE001 - logged; the parent starts another worker
        log.exception("web worker failed")
        code = 1
    finally:
        os._exit(code)  # never return into the parent's code


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
