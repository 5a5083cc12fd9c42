"""Slow message handling, seen from inside the process that handles the messages.

Wrap each handling in :meth:`SlowHandlerWatch.track`: every duration goes into the
``etsgw_message_handling_seconds`` histogram, and a handling that runs past ``threshold_s``
is logged twice: once by a watchdog thread while it is still running, with the stack of the
handling thread at that moment (where it is stuck), and once when it ends, with its duration.
One watchdog thread serves all handlings (a timer per message would cost more than the work).

The gateway worker is the place to use it (``monitor.slow_handler_s``); it serves its histogram
through the process's own prometheus registry.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, Histogram

log = structlog.get_logger("gateway.monitor.slow")

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)


@dataclass
class _Handling:
    label: str
    thread_id: int
    started: float
    fields: dict[str, Any]
    stack: str = ""


class SlowHandlerWatch:
    def __init__(self, threshold_s: float, *, registry: CollectorRegistry | None = REGISTRY,
                 clock: Callable[[], float] = time.monotonic, poll_s: float | None = None) -> None:
        self.threshold_s = threshold_s
        self.clock = clock
        self.poll_s = poll_s if poll_s is not None else max(0.05, threshold_s / 4)
        self.histogram = Histogram("etsgw_message_handling_seconds",
                                   "Seconds to handle one inbound message", ["msg_no"],
                                   buckets=BUCKETS, registry=registry)
        self._active: dict[int, _Handling] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def track(self, msg_no: str, **fields: Any) -> Iterator[None]:
        """Time the block; ``fields`` (msg_id, business key ...) go into the log lines."""
        self._ensure_thread()
        token = next(self._ids)
        h = _Handling(msg_no, threading.get_ident(), self.clock(), fields)
        with self._lock:
            self._active[token] = h
        try:
            yield
        finally:
            with self._lock:
                self._active.pop(token, None)
            duration = self.clock() - h.started
            self.histogram.labels(msg_no).observe(duration)
            if duration >= self.threshold_s:
                log.warning("monitor.slow_handler", msg_no=msg_no, duration_s=round(duration, 3),
                            threshold_s=self.threshold_s, stack=h.stack or _stack_here(),
                            **fields)

    def scan(self) -> int:
        """Log the handlings past the threshold not logged yet; returns how many (the watchdog
        calls it; a test may too)."""
        now = self.clock()
        frames = sys._current_frames()
        found = 0
        with self._lock:
            late = [h for h in self._active.values()
                    if not h.stack and now - h.started >= self.threshold_s]
            for h in late:
                frame = frames.get(h.thread_id)
                h.stack = "".join(traceback.format_stack(frame)) if frame else "(no frame)"
        for h in late:
            found += 1
            log.warning("monitor.slow_handler_running", msg_no=h.label,
                        running_s=round(now - h.started, 3), threshold_s=self.threshold_s,
                        stack=h.stack, **h.fields)
        return found

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="slow-handler-watch",
                                                    daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.scan()


def _stack_here() -> str:
    return "".join(traceback.format_stack(limit=12)[:-2])
