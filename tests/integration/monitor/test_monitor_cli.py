"""``etsgw monitor`` end to end: the table, ``--json``, Nagios exit codes, ``--watch``,
``--alert`` to a webhook, and ``--serve-metrics`` in a separate process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.config import load_settings
from gateway.transport_factory import open_transport
from gateway.transports.base import REQUEST_CORREL_ID, msg_id_from_digits

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


@pytest.fixture
def config(tmp_path, capsys):
    cfg = tmp_path / "etsgw.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "gw.db"}"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{tmp_path / "sim.db"}"\n'
                   '[log]\nlevel = "WARNING"\n'
                   f'[monitor]\nstate_file = "{tmp_path / "state.json"}"\n'
                   f'history_url = "sqlite:///{tmp_path / "history.db"}"\n', encoding="utf-8")
    assert run(capsys, "--config", str(cfg), "db", "upgrade")[0] == 0
    return str(cfg)


def fill_xmitq(config: str, n: int) -> None:
    transport = open_transport(load_settings(config))
    with transport.session() as s:
        for i in range(n):
            s.put("ETS.EXT.ONLINE.IN", b"<CFX/>", msg_id=msg_id_from_digits(f"{i + 1:020d}"),
                  correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.commit()
    transport.close()


def test_exit_codes_table_and_json(capsys, config) -> None:
    code, out, _ = run(capsys, "--config", config, "monitor", "--json", "--no-host")
    data = json.loads(out)
    assert code == 0 and data["status"] == "OK" and data["exit_code"] == 0
    assert not any(f["category"] == "host" for f in data["findings"])

    fill_xmitq(config, 20)
    code, out, _ = run(capsys, "--config", config, "monitor", "--no-host")
    assert code == 1
    first, *table = out.splitlines()
    assert first.startswith("WARNING - QM.TAX QM.ETS.XMITQ: 传输队列深度 20 ≥ 20")
    assert any("QM.ETS.XMITQ" in line and "WARNING" in line for line in table)

    assert run(capsys, "--config", config, "channel", "stop", "TAX.TO.ETS")[0] == 0
    code, out, _ = run(capsys, "--config", config, "monitor", "--json", "--no-host")
    assert code == 2 and json.loads(out)["status"] == "CRITICAL"


def test_host_probes_are_in_the_report(capsys, config) -> None:
    code, out, _ = run(capsys, "--config", config, "monitor", "--json")
    keys = {f["key"] for f in json.loads(out)["findings"]}
    assert {"host:cpu", "host:memory", "host:disk:/", "process:etsgw gateway"} <= keys
    assert code in (0, 1, 2)  # the host's own load decides; the queues are all OK


def test_watch_prints_one_json_line_per_check(capsys, config) -> None:
    code, out, _ = run(capsys, "--config", config, "monitor", "--watch", "--count", "3",
                       "--interval", "0.1", "--json", "--no-host")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert [json.loads(line)["status"] for line in lines] == ["OK"] * 3


def test_bad_metrics_address(capsys, config) -> None:
    code, _, err = run(capsys, "--config", config, "monitor", "--serve-metrics", "nowhere")
    assert code == 2 and "HOST:PORT" in err


def test_alert_flag_sends_state_changes_to_the_webhook(capsys, config, monkeypatch) -> None:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ETSGW_MONITOR__ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/")
    try:
        run(capsys, "--config", config, "channel", "stop", "TAX.TO.ETS")
        assert run(capsys, "--config", config, "monitor", "--no-host")[0] == 2
        assert received == []  # a one-shot run looks; Nagios does the alerting
        for _ in range(2):
            assert run(capsys, "--config", config, "monitor", "--no-host", "--alert")[0] == 2
        run(capsys, "--config", config, "channel", "start", "TAX.TO.ETS")
        assert run(capsys, "--config", config, "monitor", "--no-host", "--alert")[0] == 0
    finally:
        server.shutdown()
        server.server_close()
    sent = [(a["kind"], a["key"]) for batch in received for a in batch["alerts"]]
    assert sent == [("PROBLEM", "channel:QM.TAX:TAX.TO.ETS"),
                    ("RECOVERY", "channel:QM.TAX:TAX.TO.ETS")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_metrics_in_its_own_process(config) -> None:
    fill_xmitq(config, 3)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "--config", config, "monitor", "--serve-metrics",
         f"127.0.0.1:{port}", "--interval", "0.5", "--json", "--no-host"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    body, deadline = "", time.monotonic() + 60
    try:
        while time.monotonic() < deadline and "etsgw_mq_queue_depth" not in body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    body = r.read().decode("utf-8")
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.2)  # the server is not listening yet
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert ('etsgw_mq_queue_depth{qmgr="QM.TAX",queue="QM.ETS.XMITQ",type="LOCAL",'
            'usage="XMITQ"} 3.0') in body, err.decode()
    assert proc.returncode == 0, err.decode()  # the last check's state: 3 queued is fine
    assert json.loads(out.decode().splitlines()[-1])["status"] == "OK"


def test_config_hides_the_smtp_password(capsys, config, monkeypatch) -> None:
    monkeypatch.setenv("ETSGW_MONITOR__SMTP_PASSWORD", "not-shown")
    code, out, _ = run(capsys, "--config", config, "config")
    assert code == 0 and "smtp_password = '********'" in out and "not-shown" not in out
