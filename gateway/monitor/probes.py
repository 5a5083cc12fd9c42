"""Server probes with psutil: CPU, memory, disk, network and I/O of the host, and the memory of
the gateway's processes (found by command line), each against ``[monitor]`` thresholds.

Rates and deltas (network bytes, interface errors, disk I/O, CPU busy) are between two samples:
a :class:`HostProbe` keeps the previous one, so ``--watch`` measures over its interval; the first
sample of a process measures over ``first_sample_s``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Iterable

from gateway.config import MonitorSection
from gateway.monitor.model import Finding, Severity

MB = 1024 * 1024


@dataclass(frozen=True)
class HostSample:
    cpu_percent: float
    iowait_percent: float
    memory_percent: float
    swap_percent: float
    disks: dict[str, float]  # path -> percent used
    net_bytes_per_s: dict[str, float]  # sent, recv
    net_errors: int  # new errors and drops since the previous sample
    io_bytes_per_s: dict[str, float]  # read, write
    processes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # match -> (pid, rss)
    interval_s: float = 0.0


class HostProbe:
    """Samples the host; ``psutil`` is handed in so a test can give it a stand-in."""

    def __init__(self, disk_paths: Iterable[str], process_match: Iterable[str] = (), *,
                 psutil: ModuleType | None = None, first_sample_s: float = 0.2,
                 clock: Any = time.monotonic) -> None:
        if psutil is None:
            import psutil as _psutil
            psutil = _psutil
        self.ps = psutil
        self.disk_paths = tuple(dict.fromkeys(disk_paths))
        self.process_match = tuple(process_match)
        self.first_sample_s = first_sample_s
        self.clock = clock
        self._prev: tuple[float, Any, Any] | None = None

    def sample(self) -> HostSample:
        ps = self.ps
        first = self._prev is None
        cpu = ps.cpu_times_percent(interval=self.first_sample_s if first else None)
        iowait = float(getattr(cpu, "iowait", 0.0))
        busy = max(0.0, 100.0 - float(cpu.idle) - iowait)
        now, net, io = self.clock(), ps.net_io_counters(), ps.disk_io_counters()
        prev_t, prev_net, prev_io = self._prev or (now - self.first_sample_s, net, io)
        self._prev = (now, net, io)
        span = max(now - prev_t, 1e-6)

        def rate(cur: Any, old: Any, name: str) -> float:
            if cur is None or old is None:
                return 0.0
            return max(0.0, (getattr(cur, name) - getattr(old, name)) / span)

        errors = 0
        if net is not None and prev_net is not None:
            errors = sum(max(0, getattr(net, n) - getattr(prev_net, n))
                         for n in ("errin", "errout", "dropin", "dropout"))
        disks = {}
        for path in self.disk_paths:
            try:
                disks[path] = float(ps.disk_usage(path).percent)
            except OSError:
                continue  # a path that is not there (yet) has no usage to report
        return HostSample(
            cpu_percent=busy, iowait_percent=iowait,
            memory_percent=float(ps.virtual_memory().percent),
            swap_percent=float(ps.swap_memory().percent), disks=disks,
            net_bytes_per_s={"sent": rate(net, prev_net, "bytes_sent"),
                             "recv": rate(net, prev_net, "bytes_recv")},
            net_errors=errors,
            io_bytes_per_s={"read": rate(io, prev_io, "read_bytes"),
                            "write": rate(io, prev_io, "write_bytes")},
            processes=self._processes(), interval_s=0.0 if first else span)

    def _processes(self) -> dict[str, list[tuple[int, int]]]:
        found: dict[str, list[tuple[int, int]]] = {m: [] for m in self.process_match}
        if not self.process_match:
            return found
        for proc in self.ps.process_iter(["pid", "cmdline", "memory_info"]):
            try:
                cmdline = " ".join(proc.info.get("cmdline") or [])
                mem = proc.info.get("memory_info")
            except Exception:  # the process ended while we looked
                continue
            for match in self.process_match:
                if match in cmdline and mem is not None:
                    found[match].append((int(proc.info["pid"]), int(mem.rss)))
        return found


def _level(value: float, warn: float, crit: float) -> Severity:
    return Severity.CRITICAL if value >= crit else Severity.WARNING if value >= warn else \
        Severity.OK


def host_findings(s: HostSample, opts: MonitorSection) -> list[Finding]:
    out = [
        Finding("host:cpu", "host", "CPU", _level(s.cpu_percent, opts.cpu_warn_percent,
                                                  opts.cpu_critical_percent),
                f"使用率 {s.cpu_percent:.1f}%", value=round(s.cpu_percent, 1)),
        Finding("host:iowait", "host", "I/O 等待",
                _level(s.iowait_percent, opts.iowait_warn_percent, float("inf")),
                f"iowait {s.iowait_percent:.1f}%，读 {s.io_bytes_per_s['read'] / MB:.1f} MB/s，"
                f"写 {s.io_bytes_per_s['write'] / MB:.1f} MB/s", value=round(s.iowait_percent, 1),
                detail=dict(s.io_bytes_per_s)),
        Finding("host:memory", "host", "内存", _level(s.memory_percent, opts.memory_warn_percent,
                                                     opts.memory_critical_percent),
                f"使用率 {s.memory_percent:.1f}%（交换区 {s.swap_percent:.1f}%）",
                value=round(s.memory_percent, 1)),
        Finding("host:net", "host", "网络",
                Severity.WARNING if opts.net_errors_warn and s.net_errors >= opts.net_errors_warn
                else Severity.OK,
                f"发送 {s.net_bytes_per_s['sent'] / 1024:.1f} KB/s，接收 "
                f"{s.net_bytes_per_s['recv'] / 1024:.1f} KB/s，新增错误/丢包 {s.net_errors}",
                value=s.net_errors, detail=dict(s.net_bytes_per_s)),
    ]
    for path, percent in s.disks.items():
        out.append(Finding(f"host:disk:{path}", "host", f"磁盘 {path}",
                           _level(percent, opts.disk_warn_percent, opts.disk_critical_percent),
                           f"已用 {percent:.1f}%", value=round(percent, 1)))
    for match, procs in s.processes.items():
        if not procs:
            out.append(Finding(f"process:{match}", "process", match, Severity.OK,
                               "本机未运行", value=0))
            continue
        rss = max(r for _, r in procs)
        sev = _level(rss / MB, opts.process_rss_warn_mb, opts.process_rss_critical_mb)
        out.append(Finding(f"process:{match}", "process", match, sev,
                           f"{len(procs)} 个进程，最大内存 {rss / MB:.0f} MB",
                           value=round(rss / MB, 1),
                           detail={"pids": [p for p, _ in procs]}))
    return out
