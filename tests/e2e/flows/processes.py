"""The two processes of an end-to-end flow module: the TOML configuration they (and every CLI
call) read, and ``etsgw gateway`` / ``etsgw sim run`` started as children with their stdout and
stderr in files, stopped by their own process id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

WORK_DATE = "20241105"  # a Tuesday; the simulator starts on it too (Simulator.ensure_schema)


def write_config(tmp: Path, *, sim_faults: Iterable[str] = (),
                 counter_reservation_s: int = 8, gateway: dict | None = None,
                 gateway_extra: str = "", work_date: str = WORK_DATE, sim_extra: str = "") -> Path:
    """The TOML file both processes and every CLI call read: SQLite files in ``tmp``, the
    simulator's work date equal to the gateway's initial one, and short timers."""
    faults = ", ".join(json.dumps(f) for f in sim_faults)
    text = f"""
[database]
url = "sqlite:///{tmp / 'gateway.db'}"

[simulator]
database_url = "sqlite:///{tmp / 'simulator.db'}"
faults = [{faults}]
{sim_extra}

[gateway]
# The simulator starts on this work date too (Simulator.ensure_schema).
initial_work_date = "{work_date}"
counter_reservation_s = {counter_reservation_s}
{"".join(f"{k} = {json.dumps(v)}{chr(10)}" for k, v in (gateway or {}).items())}
{gateway_extra}

[transport]
get_wait_ms = 200
channel_retry_interval_s = 0.5

[timers]
ack_9120_s = 2
result_2001_s = 4
result_2021_s = 4
in_doubt_backoff_s = [1, 2, 3]
in_doubt_repeat_s = 3
sweep_interval_s = 0.2

[log]
level = "INFO"
format = "json"
"""
    path = tmp / "etsgw.toml"
    path.write_text(text, encoding="utf-8")
    return path


def child_env() -> dict[str, str]:
    """No inherited ETSGW_* overrides: the configuration file is the only source."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")}


def cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", "--config", str(config), *args]


class Proc:
    """One long-running ``etsgw`` process with its stdout and stderr in files."""

    def __init__(self, name: str, config: Path, *args: str) -> None:
        self.name, self.config, self.args = name, config, args
        self.stderr_path = config.parent / f"{name}.stderr.log"
        self.stdout_path = config.parent / f"{name}.stdout.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(cli(self.config, *self.args), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=child_env(),
                                         cwd=self.config.parent)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def lines(self) -> list[str]:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines of stderr (other lines, e.g. tracebacks, are skipped)."""
        out = []
        for line in self.lines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def tail(self, n: int = 25) -> str:
        state = "running" if self.alive() else f"exited {self.proc.returncode if self.proc else '-'}"
        return (f"--- {self.name} ({state}), last {n} lines of stderr ---\n"
                + "\n".join(self.lines()[-n:]))

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time (this process only, by its id)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
