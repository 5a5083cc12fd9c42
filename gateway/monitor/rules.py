"""Queue and channel rules: one queue manager's queues and channels in, findings out.

Defaults come from the requirements document and IBM's conventions (``[monitor]`` settings):

- a local or transmission queue at ``depth_warn`` (20) messages, or at ``depth_warn_fraction``
  of its MAXDEPTH (MQ's QDEPTHHI default, 80 %), is a warning; at ``depth_critical_fraction``
  it is critical (puts are about to fail with MQRC_Q_FULL);
- a remote queue has no depth of its own: it shows its transmission queue's, as a derived
  finding (the transmission queue's own finding carries the alert);
- a backout or dead-letter queue holding messages is a warning with the count and the oldest
  message's age (poison never blocks a queue, but someone must look at it);
- the oldest message waiting on an inbound queue (one the gateway reads) past an age;
- a channel RUNNING is OK; INACTIVE is OK unless its transmission queue holds messages (the
  trigger failed); transitional states warn only once they persist past the grace period;
  RETRYING, STOPPED and PAUSED are critical.

The channel's MQ status name is taken from ``ChannelInfo.detail`` when it is one (the PCF
adapter maps BINDING, PAUSED ... to RETRYING and STOPPING to STOPPED, keeping MQ's name there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from gateway.config import MonitorSection
from gateway.monitor.model import Finding, Severity
from gateway.transports.base import ChannelInfo, QueueInfo

TRANSITIONAL = frozenset({"BINDING", "STARTING", "REQUESTING", "INITIALIZING", "SWITCHING",
                          "STOPPING"})
CRITICAL_STATES = frozenset({"RETRYING", "STOPPED", "PAUSED"})
IDLE_STATES = frozenset({"INACTIVE", "DISCONNECTED"})
MQ_STATUS_NAMES = TRANSITIONAL | CRITICAL_STATES | IDLE_STATES | {"RUNNING"}

#: ``elapsed(key, signature)``: seconds the thing ``key`` has been in the condition
#: ``signature`` (0 when first seen now); see :class:`gateway.monitor.state.MonitorState`.
Elapsed = Callable[[str, str], float]


@dataclass(frozen=True)
class QueueManagerView:
    """What one check saw of one queue manager. ``ages`` holds the age in seconds of the oldest
    message of the queues that were browsed (backout, dead-letter and inbound queues)."""

    qmgr: str
    queues: list[QueueInfo]
    channels: list[ChannelInfo]
    ages: dict[str, float] = field(default_factory=dict)
    dead_letter_queue: str = ""
    inbound_queues: tuple[str, ...] = ()
    default_xmitq: str = ""

    def problem_queues(self) -> set[str]:
        """Backout queues named by any queue, and the dead-letter queue."""
        names = {q.backout_queue for q in self.queues if q.backout_queue}
        if self.dead_letter_queue:
            names.add(self.dead_letter_queue)
        return names

    def xmitq_of_remote(self) -> str:
        """The transmission queue remote queues are put to. QueueInfo does not carry a remote
        queue's XMITQ, so: the queue manager's only transmission queue, else the configured one."""
        xmitqs = [q.name for q in self.queues if q.type == "transmission"]
        return xmitqs[0] if len(xmitqs) == 1 else self.default_xmitq


def human_age(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}秒"
    if s < 3600:
        return f"{s // 60}分{s % 60}秒"
    if s < 86400:
        return f"{s // 3600}小时{s % 3600 // 60}分"
    return f"{s // 86400}天{s % 86400 // 3600}小时"


def depth_severity(q: QueueInfo, depth: int, opts: MonitorSection) -> Severity:
    if q.max_depth > 0 and depth >= opts.depth_critical_fraction * q.max_depth:
        return Severity.CRITICAL
    if depth >= opts.depth_warn or (q.max_depth > 0 and depth >= opts.depth_warn_fraction
                                    * q.max_depth):
        return Severity.WARNING
    return Severity.OK


def queue_findings(view: QueueManagerView, opts: MonitorSection) -> list[Finding]:
    by_name = {q.name: q for q in view.queues}
    problem = view.problem_queues()
    out: list[Finding] = []
    for q in view.queues:
        if q.name in opts.ignore_queues:
            continue
        key = f"queue:{view.qmgr}:{q.name}"
        detail = {"qmgr": view.qmgr, "queue": q.name, "type": q.type, "depth": q.depth,
                  "max_depth": q.max_depth}
        if q.name in problem:
            out.append(_backout_finding(view, q, opts, detail))
        elif q.type == "remote":
            xq = by_name.get(view.xmitq_of_remote())
            if xq is None:
                continue  # nothing to report: the depth lives on a queue we cannot see
            sev = depth_severity(xq, xq.depth, opts)
            out.append(Finding(key, "queue", f"{view.qmgr} {q.name}", sev,
                               f"远程队列，经传输队列 {xq.name} 深度 {xq.depth}",
                               value=xq.depth, detail={**detail, "depth": xq.depth,
                                                       "xmitq": xq.name}, derived=True))
        else:
            sev = depth_severity(q, q.depth, opts)
            kind = "传输队列" if q.type == "transmission" else "本地队列"
            limit = f" ≥ {opts.depth_warn}" if sev is not Severity.OK else ""
            out.append(Finding(key, "queue", f"{view.qmgr} {q.name}", sev,
                               f"{kind}深度 {q.depth}{limit}（最大 {q.max_depth}）",
                               value=q.depth, detail=detail))
        if q.name in view.inbound_queues and q.name not in problem:
            out.extend(_inbound_finding(view, q, opts))
    return out


def _backout_finding(view: QueueManagerView, q: QueueInfo, opts: MonitorSection,
                     detail: dict) -> Finding:
    kind = "死信队列" if q.name == view.dead_letter_queue else "退回队列"
    age = view.ages.get(q.name)
    detail = {**detail, "oldest_age_s": age}
    if q.depth >= opts.backout_warn and q.depth > 0:
        oldest = f"，最早一条已 {human_age(age)}" if age is not None else ""
        return Finding(f"backout:{view.qmgr}:{q.name}", "backout", f"{view.qmgr} {q.name}",
                       Severity.WARNING, f"{kind}有 {q.depth} 条消息{oldest}",
                       value=q.depth, detail=detail)
    return Finding(f"backout:{view.qmgr}:{q.name}", "backout", f"{view.qmgr} {q.name}",
                   Severity.OK, f"{kind}为空", value=q.depth, detail=detail)


def _inbound_finding(view: QueueManagerView, q: QueueInfo, opts: MonitorSection
                     ) -> list[Finding]:
    age = view.ages.get(q.name)
    if age is None:
        return []
    sev = (Severity.CRITICAL if age >= opts.inbound_age_critical_s else
           Severity.WARNING if age >= opts.inbound_age_warn_s else Severity.OK)
    return [Finding(f"inbound:{view.qmgr}:{q.name}", "inbound", f"{view.qmgr} {q.name}", sev,
                    f"最早未处理的入站消息已等待 {human_age(age)}", value=round(age, 1),
                    detail={"qmgr": view.qmgr, "queue": q.name, "oldest_age_s": age})]


def mq_status(ch: ChannelInfo) -> str:
    """MQ's own status name of the channel (see the module docstring)."""
    name = (ch.detail or "").strip().upper()
    return name if name in MQ_STATUS_NAMES else ch.status


def channel_findings(view: QueueManagerView, opts: MonitorSection, elapsed: Elapsed
                     ) -> list[Finding]:
    depths = {q.name: q.depth for q in view.queues}
    out = []
    for ch in view.channels:
        key = f"channel:{view.qmgr}:{ch.name}"
        name = mq_status(ch)
        queued = depths.get(ch.xmitq, 0) if ch.type == "sender" and ch.xmitq else 0
        detail = {"qmgr": view.qmgr, "channel": ch.name, "type": ch.type, "status": ch.status,
                  "mq_status": name, "xmitq": ch.xmitq, "partner": ch.partner,
                  "queued": queued, "detail": ch.detail}
        sev, summary = _channel_state(name, queued, ch, opts, lambda sig, k=key: elapsed(k, sig))
        out.append(Finding(key, "channel", f"{view.qmgr} {ch.name}", sev, summary,
                           detail=detail))
    return out


def _channel_state(name: str, queued: int, ch: ChannelInfo, opts: MonitorSection,
                   elapsed: Callable[[str], float]) -> tuple[Severity, str]:
    grace = opts.transitional_grace_s
    if name == "RUNNING":
        return Severity.OK, "运行中"
    if name in CRITICAL_STATES:
        why = f"（{ch.detail}）" if ch.detail and ch.detail.upper() != name else ""
        text = {"RETRYING": "重试中，无法连接对端", "STOPPED": "已停止",
                "PAUSED": "已暂停"}[name]
        extra = f"，传输队列积压 {queued} 条" if queued else ""
        return Severity.CRITICAL, f"{name} {text}{why}{extra}"
    if name in IDLE_STATES:
        if not queued:
            return Severity.OK, f"{name} 空闲（传输队列为空）"
        waited = elapsed("INACTIVE+queued")
        if waited >= grace:
            return (Severity.WARNING, f"{name} 但传输队列有 {queued} 条消息已 "
                    f"{human_age(waited)}：触发失败")
        return Severity.OK, f"{name}，传输队列有 {queued} 条消息，等待触发"
    waited = elapsed(name)  # transitional, or a status MQ added after this was written
    if waited >= grace:
        return Severity.WARNING, f"{name} 已持续 {human_age(waited)}（超过 {grace:g} 秒）"
    return Severity.OK, f"{name} 过渡状态"
