"""Settings: one frozen object read once per entry point.

Sources, later wins: built-in defaults (enough to run the demo with nothing configured), a TOML
file (``--config`` or ``ETSGW_CONFIG``), then environment variables ``ETSGW_<SECTION>__<KEY>``
(double underscore between section and key, e.g. ``ETSGW_DATABASE__URL``). Unknown sections or
keys and values of the wrong type fail fast with a :class:`ConfigError` naming the key.
Nothing here reads the environment at import time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "ETSGW_"
ENV_CONFIG_FILE = "ETSGW_CONFIG"
# Variables with the prefix that are not settings (read by their own tools).
_ENV_NOT_SETTINGS = {"ETSGW_CONFIG", "ETSGW_TEST_DATABASE_URL", "ETSGW_REQUIRE_POSTGRES",
                     "ETSGW_DEMO_PASSWORD", "ETSGW_BENCH_PG_URL", "ETSGW_CRASH_AT",
                     "ETSGW_REQUIRE_BROWSER", "ETSGW_SCREENSHOTS", "ETSGW_CHROMIUM"}


class ConfigError(ValueError):
    """A configuration key is unknown or its value is invalid."""


@dataclass(frozen=True)
class GatewaySection:
    """Identity of this gateway on the ETS network and wire options (ets-interface §9)."""

    node: str = "244000000000"
    ets_node: str = "100000000000"
    encoding: str = "GBK"  # GBK | GB18030 | UTF-8
    initial_work_date: str = ""  # yyyyMMdd; empty = today's date on first start
    max_message_bytes: int = 4 * 1024 * 1024
    max_package_items: int = 3000
    return_term: int = 1
    max_in_flight: int = 50
    link_test_idle_s: int = 300
    cutoff_day: int = 26
    cutoff_day_february: int = 24
    cutoff_hour: int = 18
    counter_reservation_s: int = 1800
    env: str = "dev"  # dev | production
    # A 9101 is adopted when its WorkDate is the next clearing day after the current one, or
    # at most this many days from today's date; any other date is kept for review (a forged or
    # mistaken 9101 must not move the work date anywhere).
    work_date_window_days: int = 3
    # Several `etsgw gateway` workers on one database (PostgreSQL only: they compete for
    # messages with row locks). Off: a second worker is refused while the first holds its lease.
    competing_workers: bool = False
    lease_ttl_s: int = 30  # a process lease not renewed for this long is taken as crashed
    # Day-end reconciliation (§6.8): a transaction held as succeeded that no 3122 lists is a
    # discrepancy only this many clearing days after its check date; a 3122 package still
    # incomplete at this hour of the next clearing day raises an alert.
    recon_absent_grace_days: int = 1
    recon_complete_by_hour: int = 12


@dataclass(frozen=True)
class DatabaseSection:
    """The application database (SQLite by default, PostgreSQL in production)."""

    url: str = "sqlite:///var/etsgw.db"
    echo: bool = False
    pool_size: int = 5


@dataclass(frozen=True)
class LogSection:
    level: str = "INFO"
    format: str = "auto"  # auto (console in dev, json in production) | console | json


@dataclass(frozen=True)
class TransportSection:
    """Which transport carries the wire messages and the queue names of ets-interface §2.1."""

    kind: str = "embedded"  # embedded | ibmmq
    queue_manager: str = "QM.TAX"
    partner_queue_manager: str = "QM.ETS"
    embedded_url: str = ""  # empty = the application database
    online_in: str = "ETS.EXT.ONLINE.IN"
    batch_in: str = "ETS.EXT.BATCH.IN"
    online_out: str = ""  # empty = ETS.<node>.ONLINE.OUT
    batch_out: str = ""  # empty = ETS.<node>.BATCH.OUT
    transmission_queue: str = "QM.ETS.XMITQ"
    sender_channel: str = "TAX.TO.ETS"
    receiver_channel: str = "ETS.TO.TAX"
    dead_letter_queue: str = "SYSTEM.DEAD.LETTER.QUEUE"
    backout_threshold: int = 3
    get_wait_ms: int = 1000
    channel_disconnect_s: int = 300
    embedded_durable: bool = True  # SQLite synchronous=FULL for the queue store
    embedded_busy_timeout_ms: int = 30000
    max_queue_depth: int = 5000
    xmitq_max_depth: int = 50000
    channel_batch_size: int = 100
    channel_retry_interval_s: float = 5.0


@dataclass(frozen=True)
class IbmMqSection:
    """IBM MQ client connection (only read when transport.kind = ibmmq)."""

    host: str = "localhost"
    port: int = 1414
    channel: str = "TAX.SVRCONN"
    cipher_spec: str = ""
    key_repository: str = ""
    user: str = ""
    password: str = ""  # supply through ETSGW_IBMMQ__PASSWORD, never in a file in the repository
    reconnect: bool = True
    ccsid: int = 1386
    convert: bool = False  # MQGMO_CONVERT; the interface forbids it (§2.2), kept for diagnosis


@dataclass(frozen=True)
class TimersSection:
    """Timers of ets-interface §7.1, in seconds."""

    ack_9120_s: int = 10
    result_2001_s: int = 60
    result_2021_s: int = 60
    answer_9115_s: int = 60
    answer_9004_s: int = 10
    answer_9005_s: int = 10
    receipt_9121_s: int = 600
    # One 9003 this long before an accepted package's deadline: a lost 2102 is resent (§6.10)
    package_result_check_s: int = 3600
    answer_2123_s: int = 1800
    in_doubt_backoff_s: tuple[int, ...] = (60, 300, 1800)
    in_doubt_repeat_s: int = 3600
    sweep_interval_s: float = 1.0


@dataclass(frozen=True)
class JobsSection:
    """``etsgw jobs``: the scheduler process (one leader per database) and its job intervals."""

    lease_s: int = 30  # the leader's lease; a follower takes over at most this long after a crash
    follow_poll_s: float = 2.0  # how often a follower looks whether the lease is free
    misfire_grace_s: int = 60  # a run late by more than this is skipped (runs missed coalesce)
    threads: int = 4  # jobs that may run at the same time (each job at most once at a time)
    sweeper_interval_s: float = 15.0  # answer timers; the gateway worker sweeps them each second
    in_doubt_interval_s: float = 30.0  # 9003 of in-doubt debits (back-off 1, 5, 30 min, hourly)
    packages_interval_s: float = 60.0  # package deadlines and 9003 SearchType 1
    link_test_interval_s: float = 5.0  # 9005 after link_test_idle_s; DOWN after answer_9005_s
    realtime_batches_interval_s: float = 2.0  # top up real-time batches (the worker does each tick)
    reconcile_interval_s: float = 600.0  # complete 3122s not yet reconciled; missing-part alert
    summaries_interval_s: float = 1800.0  # daily summaries, first of last month .. today
    reports_interval_s: float = 3600.0  # the month's reports from the summaries


@dataclass(frozen=True)
class SimulatorSection:
    """The settlement-centre simulator (demo and end-to-end tests)."""

    database_url: str = "sqlite:///var/etsgw-sim.db"
    bank_delay_s: float = 0.0
    package_delay_s: float = 5.0
    faults: tuple[str, ...] = ()  # e.g. ("drop:2001", "delay:9120:30", "dup:2001", "corrupt:2001")


@dataclass(frozen=True)
class WebSection:
    """The web application (``etsgw web``): listener, session cookie, log-in and token rules."""

    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str = ""  # empty = a random key per process (sessions end on restart)
    secret_key_file: str = ""  # read (or, in dev, created) when secret_key is empty
    secure_cookie: bool = False  # set True behind HTTPS
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    lockout_failures: int = 3
    lockout_minutes: int = 15
    token_hours: int = 8
    threads: int = 8
    # Worker processes sharing the listening socket (Linux fork); one process runs Python on
    # one core at a time, so a machine with N cores wants about N. 1 = serve in this process.
    processes: int = 1
    # Report exports (issue 14): generated once per data version into this folder and served
    # from there; a request waits at most report_wait_s for another request generating the same.
    report_cache_dir: str = "var/report-cache"
    report_wait_s: float = 120.0


@dataclass(frozen=True)
class MonitorSection:
    """``etsgw monitor``: queue and channel rules, gateway health, host probes, alert sinks,
    history for the ops dashboard (README "Monitoring"). Thresholds follow the requirements
    document (depth 20) and IBM's conventions (QDEPTHHI 80 % of MAXDEPTH)."""

    interval_s: float = 15.0  # --watch period
    queue_managers: tuple[str, ...] = ()  # empty = transport.queue_manager
    ignore_queues: tuple[str, ...] = ()
    depth_warn: int = 20  # local and transmission queues
    depth_warn_fraction: float = 0.8  # of MAXDEPTH
    depth_critical_fraction: float = 0.95
    transitional_grace_s: float = 60.0  # BINDING, STARTING ... and INACTIVE with messages queued
    backout_warn: int = 1  # messages on a backout or dead-letter queue
    inbound_age_warn_s: float = 60.0  # oldest message waiting on an inbound queue
    inbound_age_critical_s: float = 300.0
    outbox_backlog_warn: int = 20
    outbox_age_warn_s: float = 60.0
    outbox_age_critical_s: float = 300.0
    in_doubt_warn: int = 1
    in_doubt_critical: int = 20
    slow_handler_s: float = 2.0
    host_probes: bool = True
    cpu_warn_percent: float = 85.0
    cpu_critical_percent: float = 95.0
    memory_warn_percent: float = 85.0
    memory_critical_percent: float = 95.0
    disk_warn_percent: float = 85.0
    disk_critical_percent: float = 95.0
    disk_paths: tuple[str, ...] = ()  # empty = / and the folders of the SQLite files
    iowait_warn_percent: float = 20.0
    net_errors_warn: int = 1  # new interface errors and drops between two polls
    process_match: tuple[str, ...] = ("etsgw gateway", "etsgw jobs", "etsgw web")
    process_rss_warn_mb: int = 1024
    process_rss_critical_mb: int = 2048
    state_file: str = "var/monitor-state.json"  # grace timers and alert state between runs
    history_url: str = "sqlite:///var/etsgw-monitor.db"  # empty = no history
    history_retention_h: int = 48
    realert_s: int = 0  # repeat an unchanged problem after this long; 0 = never
    alert_webhook: str = ""  # POST JSON to this address
    webhook_timeout_s: float = 5.0
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""  # supply through ETSGW_MONITOR__SMTP_PASSWORD
    smtp_starttls: bool = False
    alert_email_from: str = ""
    alert_email_to: tuple[str, ...] = ()
    # Set it (through ETSGW_MONITOR__WEB_METRICS_TOKEN) to serve /metrics from `etsgw web` to
    # "Authorization: Bearer <token>"; empty = no /metrics there (scrape --serve-metrics).
    web_metrics_token: str = ""


@dataclass(frozen=True)
class Settings:
    gateway: GatewaySection = field(default_factory=GatewaySection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    log: LogSection = field(default_factory=LogSection)
    transport: TransportSection = field(default_factory=TransportSection)
    ibmmq: IbmMqSection = field(default_factory=IbmMqSection)
    timers: TimersSection = field(default_factory=TimersSection)
    jobs: JobsSection = field(default_factory=JobsSection)
    simulator: SimulatorSection = field(default_factory=SimulatorSection)
    web: WebSection = field(default_factory=WebSection)
    monitor: MonitorSection = field(default_factory=MonitorSection)

    @property
    def online_out_queue(self) -> str:
        return self.transport.online_out or f"ETS.{self.gateway.node}.ONLINE.OUT"

    @property
    def batch_out_queue(self) -> str:
        return self.transport.batch_out or f"ETS.{self.gateway.node}.BATCH.OUT"

    @property
    def embedded_transport_url(self) -> str:
        return self.transport.embedded_url or self.database.url

    def replace(self, **sections: Mapping[str, Any]) -> "Settings":
        """A copy with some keys changed, validated like a file: ``s.replace(database={"url": u})``."""
        data = {name: dict(values) for name, values in sections.items()}
        return _build(data, base=self, origin="override")


_CHOICES = {
    ("gateway", "encoding"): {"GBK", "GB18030", "UTF-8"},
    ("gateway", "env"): {"dev", "production"},
    ("log", "format"): {"auto", "console", "json"},
    ("log", "level"): {"DEBUG", "INFO", "WARNING", "ERROR"},
    ("transport", "kind"): {"embedded", "ibmmq"},
}
_DIGITS = {("gateway", "node"): 12, ("gateway", "ets_node"): 12}


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings once: defaults, then the TOML file, then ``ETSGW_*`` variables."""
    environ = os.environ if environ is None else environ
    path = path or environ.get(ENV_CONFIG_FILE) or None
    data: dict[str, dict[str, Any]] = {}
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"configuration file not found: {p}")
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
        for section, values in raw.items():
            if not isinstance(values, dict):
                raise ConfigError(f"{section}: expected a [section] table")
            data[section] = dict(values)
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _ENV_NOT_SETTINGS:
            continue
        if name.startswith("ETSGW_TEST_"):
            continue
        rest = name[len(ENV_PREFIX):].lower()
        if "__" not in rest:
            raise ConfigError(f"{name}: environment overrides are named ETSGW_<SECTION>__<KEY>")
        section, key = rest.split("__", 1)
        data.setdefault(section, {})[key] = _EnvText(value, name)
    return _build(data, base=Settings(), origin=str(path or "defaults"))


class _EnvText(str):
    """A value from the environment: text to be converted to the key's type; remembers the
    variable it came from, so that an error names the variable to fix."""

    variable: str

    def __new__(cls, value: str, variable: str = "") -> "_EnvText":
        text = super().__new__(cls, value)
        text.variable = variable
        return text


def _source(values: Mapping[str, Any], origin: str) -> str:
    """Where a section's values came from, for an error message: the variable(s) or the file."""
    names = sorted(v.variable for v in values.values() if isinstance(v, _EnvText) and v.variable)
    return f"environment variable {', '.join(names)}" if names else origin


def _build(data: dict[str, dict[str, Any]], base: Settings, origin: str) -> Settings:
    hints = typing.get_type_hints(Settings)
    sections: dict[str, Any] = {}
    for section, values in data.items():
        if section not in hints:
            raise ConfigError(f"unknown configuration section [{section}] "
                              f"({_source(values, origin)})")
        current = getattr(base, section)
        cls = type(current)
        field_types = typing.get_type_hints(cls)
        changes = {}
        for key, value in values.items():
            if key not in field_types:
                raise ConfigError(f"unknown configuration key {section}.{key} "
                                  f"({_source({key: value}, origin)})")
            try:
                changes[key] = _convert(f"{section}.{key}", field_types[key], value)
                _check(section, key, changes[key])
            except ConfigError as exc:
                if isinstance(value, _EnvText) and value.variable:
                    raise ConfigError(f"{exc} (environment variable {value.variable})") from None
                raise
        sections[section] = dataclasses.replace(current, **changes)
    return dataclasses.replace(base, **sections)


def _convert(name: str, typ: Any, value: Any) -> Any:
    from_env = isinstance(value, _EnvText)
    try:
        if typ is bool:
            if from_env:
                low = value.strip().lower()
                if low in {"1", "true", "yes", "on"}:
                    return True
                if low in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(value)
            if isinstance(value, bool):
                return value
            raise ValueError(value)
        if typ is int:
            if isinstance(value, bool):
                raise ValueError(value)
            if from_env or isinstance(value, int):
                return int(value)
            raise ValueError(value)
        if typ is float:
            if isinstance(value, bool):
                raise ValueError(value)
            if from_env or isinstance(value, (int, float)):
                return float(value)
            raise ValueError(value)
        if typ is str:
            if isinstance(value, str):
                return str(value)
            raise ValueError(value)
        if typing.get_origin(typ) is tuple:
            (item_type, _ellipsis) = typing.get_args(typ)
            items = [v.strip() for v in value.split(",") if v.strip()] if from_env else value
            if not isinstance(items, (list, tuple)):
                raise ValueError(value)
            return tuple(_convert(name, item_type, _EnvText(i) if from_env else i) for i in items)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: invalid value {value!r} (expected {_type_name(typ)})") from None
    raise ConfigError(f"{name}: unsupported type {typ!r}")


def _type_name(typ: Any) -> str:
    if isinstance(typ, type):
        return typ.__name__
    if isinstance(typ, types.GenericAlias):
        return str(typ)
    return repr(typ)


def _check(section: str, key: str, value: Any) -> None:
    choices = _CHOICES.get((section, key))
    if choices is not None and value not in choices:
        raise ConfigError(f"{section}.{key}: {value!r} is not one of {sorted(choices)}")
    digits = _DIGITS.get((section, key))
    if digits is not None and not (isinstance(value, str) and value.isdigit() and len(value) == digits):
        raise ConfigError(f"{section}.{key}: must be exactly {digits} digits, got {value!r}")
    if key == "initial_work_date" and value:
        try:
            dt.datetime.strptime(value, "%Y%m%d")
        except ValueError:
            raise ConfigError(f"{section}.{key}: must be a date yyyyMMdd, got {value!r}") from None
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ConfigError(f"{section}.{key}: must not be negative, got {value}")
