"""The built wheel works without the source tree, through ``.ci/wheel-check.sh``: sdist and wheel
built, the wheel installed in a fresh venv, ``etsgw db upgrade`` (migrations in the wheel) and
``etsgw demo --smoke`` in an empty folder, every golden message decoded by the installed codec
(XSDs in the wheel). About 30–45 s; needs ``build`` (dev extra) and PyPI or pip's cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((ROOT / "tests" / "fixtures" / "messages" / "valid").glob("*.xml"))


@pytest.mark.slow
def test_wheel_installs_and_runs_away_from_the_source_tree() -> None:
    done = subprocess.run(["bash", str(ROOT / ".ci" / "wheel-check.sh")],
                          env={**os.environ, "PYTHON": sys.executable}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "schema at revision" in done.stdout and "smoke scenario passed" in done.stdout
    assert f"{len(GOLDEN)} golden messages decoded by " in done.stdout
    assert done.stdout.rstrip().endswith("== wheel-check: passed")
