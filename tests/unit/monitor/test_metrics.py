"""Prometheus exposition: label names close to IBM's MQ exporter, values from the last check,
served over HTTP by prometheus_client's own server."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from prometheus_client import generate_latest

from gateway.monitor.health import GatewayHealth
from gateway.monitor.metrics import MonitorMetrics, parse_listen, serve, squash
from gateway.monitor.runner import Snapshot

from .test_pcf_status import monitor_for


def scrape(metrics: MonitorMetrics) -> str:
    return generate_latest(metrics.registry).decode("utf-8")


def test_queue_and_channel_metrics_after_a_check() -> None:
    metrics = MonitorMetrics()
    assert "etsgw_mq_queue_depth" not in scrape(metrics)  # nothing before the first check
    m = monitor_for("retrying")
    m.metrics = metrics
    m.check()
    text = scrape(metrics)
    assert ('etsgw_mq_queue_depth{qmgr="QM.TAX",queue="QM.ETS.XMITQ",type="LOCAL",'
            'usage="XMITQ"} 20.0') in text
    assert ('etsgw_mq_queue_depth{qmgr="QM.TAX",queue="ETS.EXT.ONLINE.IN",type="REMOTE",'
            'usage="NORMAL"} 0.0') in text
    assert 'etsgw_mq_channel_status{channel="TAX.TO.ETS",qmgr="QM.TAX",type="SENDER"} 5.0' in text
    assert ('etsgw_mq_channel_status_squash{channel="TAX.TO.ETS",qmgr="QM.TAX",type="SENDER"} '
            '0.0') in text
    assert ('etsgw_mq_queue_oldest_message_age_seconds{qmgr="QM.TAX",'
            'queue="ETS.244000000000.ONLINE.OUT.BACKOUT"} 3600.0') in text
    assert "etsgw_monitor_status 2.0" in text


def test_gateway_metrics_and_debit_latency_histogram() -> None:
    from gateway.monitor.model import Report

    metrics = MonitorMetrics()
    health = GatewayHealth(4, None, 2, None, "DOWN",
                           debits=[("SINGLE", "SUCCEEDED", 7), ("SINGLE", "IN_DOUBT", 2)],
                           packages=[("ANSWERED", 1)])
    snap = Snapshot(Report(dt.datetime(2025, 1, 2, 9), ()), [], health, None,
                    resolved=[("SINGLE", "SUCCEEDED", 3.0), ("SINGLE", "SUCCEEDED", 45.0)],
                    taken_at=1735779600.0)
    metrics.update(snap)
    text = scrape(metrics)
    assert 'etsgw_debits{kind="SINGLE",state="SUCCEEDED"} 7.0' in text
    assert 'etsgw_packages{state="ANSWERED"} 1.0' in text
    assert "etsgw_debits_in_doubt 2.0" in text and "etsgw_outbox_backlog 4.0" in text
    assert "etsgw_link_up 0.0" in text
    r = metrics.registry
    labels = {"kind": "SINGLE", "state": "SUCCEEDED"}
    assert r.get_sample_value("etsgw_debit_resolution_seconds_count", labels) == 2
    assert r.get_sample_value("etsgw_debit_resolution_seconds_bucket", {**labels, "le": "5.0"}) == 1
    metrics.update(snap)  # each resolved debit is observed once per snapshot handed in
    assert r.get_sample_value("etsgw_debit_resolution_seconds_count", labels) == 4


def test_squash() -> None:
    assert [squash(s) for s in ("RUNNING", "INACTIVE", "BINDING", "STOPPED", "RETRYING",
                                "PAUSED")] == [2, 1, 1, 0, 0, 0]


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_listen(":9464") == ("0.0.0.0", 9464)
    assert parse_listen("[::1]:9464") == ("::1", 9464)
    with pytest.raises(ValueError):
        parse_listen("9464x")


def test_served_over_http() -> None:
    metrics = MonitorMetrics()
    m = monitor_for("running")
    m.metrics = metrics
    m.check()
    server, thread = serve(metrics, "127.0.0.1:0")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode("utf-8")
        assert response.status == 200
        assert 'etsgw_mq_channel_status{channel="TAX.TO.ETS",qmgr="QM.TAX",type="SENDER"} 3.0' \
            in body
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
