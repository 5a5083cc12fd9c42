"""The ``[monitor]`` settings section: defaults, file, environment, validation."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_settings


def test_defaults_follow_the_requirements_and_ibm_conventions() -> None:
    m = load_settings(environ={}).monitor
    assert (m.interval_s, m.depth_warn, m.depth_warn_fraction) == (15.0, 20, 0.8)
    assert m.alert_webhook == "" and m.alert_email_to == ()


def test_file_and_environment(tmp_path) -> None:
    cfg = tmp_path / "etsgw.toml"
    cfg.write_text('[monitor]\ninterval_s = 30\ndepth_warn = 50\n'
                   'alert_email_to = ["ops@example.test"]\n', encoding="utf-8")
    m = load_settings(cfg, environ={"ETSGW_MONITOR__DEPTH_WARN": "10",
                                    "ETSGW_MONITOR__SMTP_PASSWORD": "s3cret",
                                    "ETSGW_MONITOR__QUEUE_MANAGERS": "QM.TAX, QM.ETS"}).monitor
    assert (m.interval_s, m.depth_warn, m.alert_email_to) == (30.0, 10, ("ops@example.test",))
    assert m.queue_managers == ("QM.TAX", "QM.ETS") and m.smtp_password == "s3cret"


def test_invalid_values_name_the_key(tmp_path) -> None:
    with pytest.raises(ConfigError, match="monitor.depth_warn"):
        load_settings(environ={"ETSGW_MONITOR__DEPTH_WARN": "many"})
    with pytest.raises(ConfigError, match="monitor.nagios"):
        load_settings(environ={"ETSGW_MONITOR__NAGIOS": "1"})
