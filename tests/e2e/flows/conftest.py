"""Fixtures of the end-to-end flow tests: one gateway process and one simulator process per test
module (each test uses payers of its own, so they share the pair), the money check after every
test for the payers it touched and after the module for every payer."""

from __future__ import annotations

import pytest

from tests.e2e.flows.harness import System


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def system(request, tmp_path_factory):
    """``etsgw sim run`` and ``etsgw gateway`` for this module. A module may set ``SIM_FAULTS``
    (configured simulator faults), ``COUNTER_RESERVATION_S`` and ``GATEWAY`` (gateway settings)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    system = System.start(tmp_path_factory.mktemp(name),
                          sim_faults=getattr(request.module, "SIM_FAULTS", ()),
                          counter_reservation_s=getattr(request.module, "COUNTER_RESERVATION_S", 8),
                          gateway=getattr(request.module, "GATEWAY", None))
    try:
        yield system
        system.check_conservation(system.data.payers)  # the module's end: every payer
    finally:
        system.close()


@pytest.fixture(autouse=True)
def conservation(request, system):
    """After each passing test: the money check for every payer the test touched."""
    before = set(system.touched)
    yield
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.passed:
        touched = system.touched - before
        assert touched, "the test touched no payer"
        system.check_conservation(touched)
