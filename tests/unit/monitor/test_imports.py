"""The monitor is importable without Flask (the web application mounts it, not the reverse)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_monitor_imports_without_flask() -> None:
    code = ("import sys; sys.modules['flask'] = None; sys.modules['apscheduler'] = None\n"
            "import gateway.monitor.runner, gateway.monitor.dashboard, gateway.monitor.metrics\n"
            "import gateway.monitor.slow, gateway.monitor.sinks\n"
            "assert 'gateway.services' not in sys.modules, 'the monitor pulled in the services'\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
