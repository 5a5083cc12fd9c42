"""Server probes: thresholds on a given sample, and a real psutil sample of this machine."""

from __future__ import annotations

import os

from gateway.config import MonitorSection
from gateway.monitor.model import Severity
from gateway.monitor.probes import MB, HostProbe, HostSample, host_findings

OPTS = MonitorSection()


def sample(**kw) -> HostSample:
    base = dict(cpu_percent=10.0, iowait_percent=1.0, memory_percent=40.0, swap_percent=0.0,
                disks={"/": 50.0}, net_bytes_per_s={"sent": 2048.0, "recv": 4096.0},
                net_errors=0, io_bytes_per_s={"read": 0.0, "write": MB}, processes={})
    return HostSample(**{**base, **kw})


def severities(s: HostSample) -> dict[str, Severity]:
    return {f.key: f.severity for f in host_findings(s, OPTS)}


def test_quiet_host_is_ok() -> None:
    sev = severities(sample())
    assert set(sev.values()) == {Severity.OK}
    assert set(sev) == {"host:cpu", "host:iowait", "host:memory", "host:net", "host:disk:/"}


def test_thresholds() -> None:
    assert severities(sample(cpu_percent=85.0))["host:cpu"] is Severity.WARNING
    assert severities(sample(cpu_percent=95.0))["host:cpu"] is Severity.CRITICAL
    assert severities(sample(memory_percent=96.0))["host:memory"] is Severity.CRITICAL
    assert severities(sample(disks={"/var": 90.0}))["host:disk:/var"] is Severity.WARNING
    assert severities(sample(iowait_percent=25.0))["host:iowait"] is Severity.WARNING
    assert severities(sample(net_errors=3))["host:net"] is Severity.WARNING


def test_process_memory() -> None:
    procs = {"etsgw gateway": [(101, 300 * MB), (102, 1100 * MB)], "etsgw web": []}
    findings = {f.key: f for f in host_findings(sample(processes=procs), OPTS)}
    gw = findings["process:etsgw gateway"]
    assert gw.severity is Severity.WARNING and gw.detail["pids"] == [101, 102]
    assert "2 个进程" in gw.summary and "1100 MB" in gw.summary
    assert findings["process:etsgw web"].severity is Severity.OK


def test_real_sample_of_this_host_finds_this_process(tmp_path) -> None:
    import psutil

    me = " ".join(psutil.Process().cmdline())
    probe = HostProbe(["/", str(tmp_path), "/no/such/path"], [me[:40]], first_sample_s=0.05)
    first, second = probe.sample(), probe.sample()
    for s in (first, second):
        assert 0.0 <= s.cpu_percent <= 100.0 and 0.0 < s.memory_percent <= 100.0
        assert set(s.disks) == {"/", str(tmp_path)}  # a missing path is left out
        assert s.net_errors >= 0 and min(s.io_bytes_per_s.values()) >= 0.0
    pids = [pid for pid, rss in second.processes[me[:40]] if rss > 0]
    assert os.getpid() in pids
    assert second.interval_s > 0.0 and first.interval_s == 0.0
