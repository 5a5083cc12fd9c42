"""Slow message handling: the watchdog logs a handling past the threshold while it runs, with
the stack of the handling thread; the end logs the duration; the histogram counts them all."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from gateway.monitor.slow import SlowHandlerWatch


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stuck_in_the_bank_lookup(watch: SlowHandlerWatch, inside: threading.Event,
                             release: threading.Event) -> None:
    with watch.track("2001", msg_id="20250102030405000001"):
        inside.set()
        release.wait(10)


def test_slow_handler_is_logged_with_its_stack_and_duration() -> None:
    clock, registry = Clock(), CollectorRegistry()
    watch = SlowHandlerWatch(2.0, registry=registry, clock=clock, poll_s=3600)  # scan by hand
    inside, release = threading.Event(), threading.Event()
    worker = threading.Thread(target=stuck_in_the_bank_lookup, args=(watch, inside, release))
    with capture_logs() as logs:
        worker.start()
        inside.wait(10)
        assert watch.scan() == 0  # not slow yet
        clock.now += 2.5
        assert watch.scan() == 1
        assert watch.scan() == 0  # logged once while running
        release.set()
        worker.join(10)
    running = [e for e in logs if e["event"] == "monitor.slow_handler_running"]
    done = [e for e in logs if e["event"] == "monitor.slow_handler"]
    assert len(running) == 1 and "stuck_in_the_bank_lookup" in running[0]["stack"]
    assert running[0]["msg_id"] == "20250102030405000001"
    assert len(done) == 1 and done[0]["duration_s"] == 2.5 and done[0]["msg_no"] == "2001"
    assert registry.get_sample_value("etsgw_message_handling_seconds_count",
                                     {"msg_no": "2001"}) == 1
    watch.close()


def test_fast_handling_is_counted_not_logged() -> None:
    clock, registry = Clock(), CollectorRegistry()
    watch = SlowHandlerWatch(2.0, registry=registry, clock=clock, poll_s=3600)
    with capture_logs() as logs:
        for _ in range(3):
            with watch.track("9005"):
                clock.now += 0.01
    assert logs == []
    assert registry.get_sample_value("etsgw_message_handling_seconds_count",
                                     {"msg_no": "9005"}) == 3
    assert registry.get_sample_value("etsgw_message_handling_seconds_bucket",
                                     {"msg_no": "9005", "le": "0.025"}) == 3
    watch.close()
