"""``ETSGW_CRASH_AT`` reaches gateway.runtime.faults through the real CLI.

gateway.config reads ``ETSGW_*`` variables as settings overrides; the crash variable must be
left to faults (config._ENV_NOT_SETTINGS), or ``etsgw`` exits with a configuration error before
any worker runs and no kill test can reach its crash point.
"""

from __future__ import annotations

import subprocess

from gateway.runtime import faults
from tests.e2e.killtests.harness import child_env, cli_command, write_config


def test_cli_runs_with_a_crash_point_set(tmp_path):
    config = write_config(tmp_path, "joined")
    done = subprocess.run(cli_command("--config", str(config), "config"), capture_output=True,
                          text=True, cwd=tmp_path, timeout=60,
                          env=child_env(crash_at=faults.POINTS[0]))
    assert done.returncode == 0, done.stderr
