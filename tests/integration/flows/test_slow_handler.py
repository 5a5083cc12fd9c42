"""Slow message handling seen through the real consumer (issue 17, item 3): the runtime wires a
:class:`SlowHandlerWatch` around each handling; one past the threshold is logged while it runs,
with the stack of the consumer where it is stuck, and again when it ends, with its duration.
Time is a stand-in clock that the handler moves, so nothing sleeps."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from gateway.monitor.slow import SlowHandlerWatch
from tests.integration.flows.test_batch_isolation import link_test, put_all

SLOW_ID, FAST_ID = "20241105093000000011", "20241105093000000012"


class StandInClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_runtime_wires_the_watch_from_the_settings(harness):
    watch = harness.rt.consumer.slow_watch
    assert isinstance(watch, SlowHandlerWatch)
    assert watch.threshold_s == harness.rt.settings.monitor.slow_handler_s


def test_a_slow_handler_is_logged_with_its_stack_and_duration(harness):
    h = harness
    clock = StandInClock()
    registry = CollectorRegistry()
    # A poll far beyond the test: the test calls scan() itself, where the watchdog would.
    watch = SlowHandlerWatch(2.0, registry=registry, clock=clock, poll_s=3600)
    h.rt.consumer.slow_watch = watch
    real = h.rt.consumer.processor.process
    scans: list[int] = []

    def process(env, uow, tsess):
        if env.body == slow_body:
            clock.t += 3.0  # this handling takes 3 s of the watch's time
            scans.append(watch.scan())  # the watchdog looks while it is still running
        return real(env, uow, tsess)

    h.rt.consumer.processor.process = process
    slow_body, fast_body = link_test(h, SLOW_ID), link_test(h, FAST_ID)
    put_all(h, [(SLOW_ID, slow_body), (FAST_ID, fast_body)])
    try:
        with capture_logs() as logs:
            assert h.rt.consumer.consume_one(h.rt.queues.online_out) is not None
    finally:
        watch.close()

    assert scans == [1]
    running = [e for e in logs if e["event"] == "monitor.slow_handler_running"]
    done = [e for e in logs if e["event"] == "monitor.slow_handler"]
    assert len(running) == 1 and len(done) == 1  # the fast one is not logged
    assert running[0]["msg_no"] == "9005" and running[0]["msg_id"] == SLOW_ID
    assert running[0]["running_s"] == 3.0
    assert "consumer.py" in running[0]["stack"] and "in _process" in running[0]["stack"]
    assert done[0]["msg_id"] == SLOW_ID and done[0]["duration_s"] == 3.0
    assert done[0]["queue"] == h.rt.queues.online_out
    # Every handling is timed in the histogram, slow or not.
    assert registry.get_sample_value("etsgw_message_handling_seconds_count",
                                     {"msg_no": "9005"}) == 2
