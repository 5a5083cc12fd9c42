"""The gateway worker (`etsgw gateway`): inbound consumers, the outbox relay, the timeout sweeper
and, on the embedded transport, the sender channel agent, each in a thread until stopped.

Several workers may run against one database: consumers compete for messages, the relay claims
rows (``SKIP LOCKED`` on PostgreSQL) and the sweeper's timers are idempotent.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import structlog

from gateway.domain.commands import SweepTimeouts
from gateway.runtime.app import GatewayRuntime
from gateway.transports.embedded.wakeup import watch_for

log = structlog.get_logger("gateway.worker")


class GatewayWorker:
    def __init__(self, rt: GatewayRuntime, channel_agent: bool = True, sweeper: bool = True) -> None:
        self.rt = rt
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.channel_agent = channel_agent and rt.settings.transport.kind == "embedded"
        self.sweeper = sweeper

    def start(self) -> None:
        rt = self.rt
        wait = rt.settings.transport.get_wait_ms / 1000
        for queue in (rt.queues.online_out, rt.queues.batch_out):
            self._spawn(f"consume {queue}", lambda q=queue: rt.consumer.consume_one(q, wait_s=wait))
        self._spawn("relay", self._relay_step)
        if self.sweeper:
            self._spawn("sweeper", self._sweep_step)
        if self.channel_agent:
            from gateway.transport_factory import open_channel_agent

            agent = open_channel_agent(rt.settings)
            t = threading.Thread(target=agent.run_forever, args=(self.stop,), name="channel",
                                 daemon=True)
            t.start()
            self.threads.append(t)
        log.info("gateway worker started", node=rt.settings.gateway.node,
                 transport=rt.settings.transport.kind, threads=len(self.threads))

    def _relay_step(self) -> object:
        # On SQLite, sleep until another connection commits (a submit's outbox row) instead of
        # looking every few ms; bounded, so that a stop is seen within a quarter second.
        watch = watch_for(self.rt.app.engine)
        generation = watch.generation() if watch is not None else 0
        sent = self.rt.relay.relay_once()
        if not sent:
            if watch is not None:
                watch.wait(generation, 0.25)
            else:
                self.stop.wait(0.005)
        return sent

    def _sweep_step(self) -> object:
        self.rt.bus.handle(SweepTimeouts(now=self.rt.clock()))
        self.stop.wait(self.rt.settings.timers.sweep_interval_s)
        return None

    def _spawn(self, name: str, step: Callable[[], object]) -> None:
        def loop() -> None:
            failures = 0
            while not self.stop.is_set():
                try:
                    step()
                    failures = 0
                except Exception:  # a failing step must not stop the worker; back off and retry
                    failures += 1
                    log.exception("worker step failed", step=name, failures=failures)
                    self.stop.wait(min(0.1 * 2 ** failures, 5.0))
        t = threading.Thread(target=loop, name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        log.info("gateway worker stopped")
