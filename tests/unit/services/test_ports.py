"""Static checks, run by mypy: the domain and the use cases pass in strict mode, and the real
adapters (persistence, the outbox messenger, the gateway's unit of work) and the test fakes
satisfy the services' ports (``port_conformance.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api", reason="mypy is in the dev extra; install it to run these")
ROOT = Path(__file__).resolve().parents[3]


def _mypy(*args: str) -> tuple[str, int]:
    # No incremental cache: each run checks from scratch and leaves nothing behind.
    out, err, status = api.run(["--config-file", str(ROOT / "setup.cfg"),
                                "--cache-dir", os.devnull, *args])
    return out + err, status


def test_domain_and_services_pass_strict_mypy() -> None:
    out, status = _mypy(str(ROOT / "gateway" / "domain"), str(ROOT / "gateway" / "services"))
    assert status == 0, out


def test_the_adapters_and_the_fakes_satisfy_the_ports() -> None:
    # The adapters' own modules are analysed for their types but checked non-strictly elsewhere;
    # only mismatches with the ports are reported here.
    out, status = _mypy("--follow-imports", "silent",
                        str(ROOT / "tests" / "unit" / "services" / "port_conformance.py"))
    assert status == 0, out
