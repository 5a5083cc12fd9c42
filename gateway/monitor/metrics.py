"""Prometheus exposition (prometheus-client) of what the last check saw.

Label names follow IBM's MQ exporter where there is a counterpart: ``qmgr``, ``queue``,
``usage`` (NORMAL or XMITQ), ``type`` and ``channel``. ``etsgw_mq_channel_status`` carries MQ's
MQCHS_* value; ``etsgw_mq_channel_status_squash`` folds it as 0 = not moving messages (STOPPED,
RETRYING, PAUSED), 1 = idle or on its way (INACTIVE, transitional), 2 = RUNNING.

Gauges are built from the latest snapshot at every scrape (a custom collector, so a queue that
is gone disappears from the output); the debit resolution latency is a real histogram, observed
once per debit resolved since the previous check. ``etsgw monitor --serve-metrics HOST:PORT``
serves :attr:`MonitorMetrics.registry` with prometheus_client's own HTTP server;
:func:`wsgi_app` gives the same for a web application to mount at ``/metrics``.
"""

from __future__ import annotations

from typing import Any, Iterator

from prometheus_client import CollectorRegistry, Histogram, make_wsgi_app, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.monitor.rules import CRITICAL_STATES

MQCHS = {"INACTIVE": 0, "BINDING": 1, "STARTING": 2, "RUNNING": 3, "STOPPING": 4, "RETRYING": 5,
         "STOPPED": 6, "REQUESTING": 7, "PAUSED": 8, "DISCONNECTED": 9, "INITIALIZING": 13,
         "SWITCHING": 14}
LATENCY_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 7200)


def squash(mq_status: str) -> int:
    if mq_status == "RUNNING":
        return 2
    return 0 if mq_status in CRITICAL_STATES else 1


class MonitorMetrics(Collector):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.snapshot: Any = None
        self.debit_latency = Histogram(
            "etsgw_debit_resolution_seconds", "Seconds from sending a debit to its outcome",
            ["kind", "state"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.registry.register(self)

    def update(self, snapshot: Any) -> None:
        """Take a :class:`gateway.monitor.runner.Snapshot`; observe its newly resolved debits."""
        for kind, state, seconds in snapshot.resolved:
            self.debit_latency.labels(kind, state).observe(seconds)
        self.snapshot = snapshot

    def describe(self) -> list:
        return []  # families vary with what was seen: never checked at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.snapshot
        if snap is None:
            return
        report = snap.report
        yield _gauge("etsgw_monitor_status", "Worst state of the last check (Nagios code)",
                     [], [([], report.exit_code)])
        yield _gauge("etsgw_monitor_last_check_timestamp_seconds",
                     "When the last check ran (Unix time)", [], [([], snap.taken_at)])
        yield _gauge("etsgw_monitor_check_duration_seconds", "How long the last check took",
                     [], [([], snap.duration_s)])
        yield from self._mq(snap)
        if snap.health is not None:
            yield from self._gateway(snap.health)
        if snap.host is not None:
            yield from self._host(snap.host)

    def _mq(self, snap: Any) -> Iterator[GaugeMetricFamily]:
        depth, max_depth, age, status, sq = [], [], [], [], []
        for view in snap.views:
            for q in view.queues:
                usage = "XMITQ" if q.type == "transmission" else "NORMAL"
                qtype = "REMOTE" if q.type == "remote" else "LOCAL"
                labels = [view.qmgr, q.name, usage, qtype]
                depth.append((labels, q.depth))
                max_depth.append((labels, q.max_depth))
                if q.name in view.ages:
                    age.append(([view.qmgr, q.name], view.ages[q.name]))
        for f in snap.report.findings:
            if f.category == "channel":
                d = f.detail
                labels = [d["qmgr"], d["channel"], d["type"].upper()]
                status.append((labels, MQCHS.get(d["mq_status"], -1)))
                sq.append((labels, squash(d["mq_status"])))
        qlabels = ["qmgr", "queue", "usage", "type"]
        yield _gauge("etsgw_mq_queue_depth", "Messages on the queue", qlabels, depth)
        yield _gauge("etsgw_mq_queue_max_depth", "MAXDEPTH of the queue", qlabels, max_depth)
        yield _gauge("etsgw_mq_queue_oldest_message_age_seconds",
                     "Age of the oldest message (backout, dead-letter and inbound queues)",
                     ["qmgr", "queue"], age)
        clabels = ["qmgr", "channel", "type"]
        yield _gauge("etsgw_mq_channel_status", "MQCHS_* status of the channel", clabels, status)
        yield _gauge("etsgw_mq_channel_status_squash",
                     "0 not moving, 1 idle or transitional, 2 running", clabels, sq)

    def _gateway(self, h: Any) -> Iterator[GaugeMetricFamily]:
        yield _gauge("etsgw_debits", "Debits by kind and state", ["kind", "state"],
                     [([k, s], n) for k, s, n in h.debits])
        yield _gauge("etsgw_packages", "Batch packages by state", ["state"],
                     [([s], n) for s, n in h.packages])
        yield _gauge("etsgw_debits_in_doubt", "Debits whose outcome is unknown", [],
                     [([], h.in_doubt)])
        yield _gauge("etsgw_outbox_backlog", "Messages written but not yet put", [],
                     [([], h.outbox_unsent)])
        yield _gauge("etsgw_link_up", "1 while the link test to the ETS succeeds", [],
                     [([], 0 if h.link == "DOWN" else 1)])

    def _host(self, s: Any) -> Iterator[GaugeMetricFamily]:
        yield _gauge("etsgw_host_cpu_percent", "CPU busy", [], [([], s.cpu_percent)])
        yield _gauge("etsgw_host_iowait_percent", "CPU waiting for I/O", [],
                     [([], s.iowait_percent)])
        yield _gauge("etsgw_host_memory_percent", "Memory used", [], [([], s.memory_percent)])
        yield _gauge("etsgw_host_disk_used_percent", "Disk space used", ["path"],
                     [([p], v) for p, v in s.disks.items()])
        yield _gauge("etsgw_host_network_bytes_per_second", "Network traffic", ["direction"],
                     [([k], v) for k, v in s.net_bytes_per_s.items()])
        yield _gauge("etsgw_host_disk_io_bytes_per_second", "Disk I/O", ["direction"],
                     [([k], v) for k, v in s.io_bytes_per_s.items()])
        yield _gauge("etsgw_process_rss_bytes", "Resident memory of the gateway's processes",
                     ["match", "pid"], [([m, str(pid)], rss) for m, procs in
                                        s.processes.items() for pid, rss in procs])


def _gauge(name: str, doc: str, labels: list[str], values: list) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc, labels=labels)
    for label_values, value in values:
        g.add_metric(label_values, float(value))
    return g


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``:PORT``, all interfaces) as (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def serve(metrics: MonitorMetrics, listen: str) -> Any:
    """Start prometheus_client's HTTP server (a daemon thread) on ``HOST:PORT``."""
    host, port = parse_listen(listen)
    return start_http_server(port, addr=host, registry=metrics.registry)


def wsgi_app(metrics: MonitorMetrics) -> Any:
    """A WSGI application serving the metrics, for a web application to mount at /metrics."""
    return make_wsgi_app(metrics.registry)
