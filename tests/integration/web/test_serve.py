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


def _wait_for(condition, what: str, timeout: float = 60.0):
    """Poll a condition of another process (nothing to wait on directly) until it holds."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_forked_workers_share_the_socket_and_the_session_key(web_template, tmp_path):
    """`etsgw web` with web.processes = 2: two worker processes answer on one port, a worker
    that dies is replaced, a session opened before both were replaced is still good (one key
    for all workers, even when none is configured), and SIGTERM to the parent ends them all."""
    import http.cookiejar
    import os
    import re
    import signal
    import socket
    import subprocess
    import sys
    import urllib.parse
    from pathlib import Path

    import psutil

    from tests.integration.web.helpers import PASSWORD

    db = copy_of(web_template, tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")}
    env.update(ETSGW_DATABASE__URL=f"sqlite:///{db}", ETSGW_WEB__PROCESSES="2",
               ETSGW_WEB__THREADS="4", ETSGW_WEB__REPORT_CACHE_DIR=str(tmp_path / "cache"),
               ETSGW_GATEWAY__ENV="production")  # no key file made: the parent picks the key
    etsgw = Path(sys.executable).with_name("etsgw")
    parent = subprocess.Popen([str(etsgw), "web", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert "2 processes" in parent.stdout.readline()
        proc = psutil.Process(parent.pid)
        workers = _wait_for(lambda: len(proc.children()) == 2 and proc.children(), "two workers")
        base = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _answers(f"{base}/login"), "the workers to answer")
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
        opener.open(f"{base}/login", urllib.parse.urlencode(
            {"csrf_token": token, "username": "unit_demo", "password": PASSWORD}).encode(), timeout=10)
        for _ in range(10):  # a new connection each time: the kernel hands them to either
            with opener.open(f"{base}/portal/unit/staff", timeout=10) as resp:
                assert resp.status == 200 and resp.url.endswith("/portal/unit/staff")
                assert "在册人员查询" in resp.read().decode()
        assert {w.pid for w in workers} == {c.pid for c in proc.children()}

        for worker in workers:  # both replaced: neither process that saw the log-in is left
            os.kill(worker.pid, signal.SIGKILL)
            _wait_for(lambda w=worker: len(proc.children()) == 2
                      and w.pid not in {c.pid for c in proc.children()}, "a replacement")
        with opener.open(f"{base}/portal/unit/staff", timeout=10) as resp:
            assert resp.status == 200 and resp.url.endswith("/portal/unit/staff")
        children = proc.children()
        parent.terminate()
        assert parent.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False
