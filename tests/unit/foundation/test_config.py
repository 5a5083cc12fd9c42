import dataclasses

import pytest

from gateway.config import ConfigError, Settings, load_settings


def test_defaults_run_the_demo_with_nothing_configured():
    s = load_settings(environ={})
    assert s.database.url == "sqlite:///var/etsgw.db"
    assert s.transport.kind == "embedded"
    assert s.gateway.encoding == "GBK"
    assert s.online_out_queue == "ETS.244000000000.ONLINE.OUT"
    assert s.batch_out_queue == "ETS.244000000000.BATCH.OUT"


def test_file_then_environment(tmp_path):
    f = tmp_path / "gw.toml"
    f.write_text('[gateway]\nnode = "244010000000"\nencoding = "UTF-8"\n'
                 '[timers]\nin_doubt_backoff_s = [30, 60]\n[database]\nurl = "sqlite:///x.db"\n',
                 encoding="utf-8")
    s = load_settings(f, environ={"ETSGW_DATABASE__URL": "postgresql+psycopg://u@h/db",
                                  "ETSGW_TIMERS__ACK_9120_S": "7", "ETSGW_DATABASE__ECHO": "true"})
    assert s.gateway.node == "244010000000" and s.gateway.encoding == "UTF-8"
    assert s.timers.in_doubt_backoff_s == (30, 60)
    assert s.database.url == "postgresql+psycopg://u@h/db"
    assert s.timers.ack_9120_s == 7 and s.database.echo is True
    assert s.online_out_queue == "ETS.244010000000.ONLINE.OUT"


def test_config_file_from_environment_variable(tmp_path):
    f = tmp_path / "gw.toml"
    f.write_text('[log]\nlevel = "DEBUG"\n', encoding="utf-8")
    assert load_settings(environ={"ETSGW_CONFIG": str(f)}).log.level == "DEBUG"


@pytest.mark.parametrize("text,needle", [
    ('[gatewey]\nnode = "1"\n', "unknown configuration section [gatewey]"),
    ('[gateway]\nnodes = "1"\n', "unknown configuration key gateway.nodes"),
    ('[gateway]\nnode = "12345"\n', "gateway.node: must be exactly 12 digits"),
    ('[gateway]\nencoding = "GB2312"\n', "gateway.encoding"),
    ('[timers]\nack_9120_s = "ten"\n', "timers.ack_9120_s: invalid value"),
    ('[timers]\nack_9120_s = -1\n', "timers.ack_9120_s: must not be negative"),
    ('[database]\necho = "yes"\n', "database.echo: invalid value"),
    ('[gateway]\ninitial_work_date = "20241332"\n', "gateway.initial_work_date"),
    ('gateway = 3\n', "expected a [section] table"),
    ('[gateway\n', "not valid TOML"),
])
def test_invalid_configuration_fails_fast_naming_the_key(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(f, environ={})
    assert needle in str(err.value)


def test_environment_errors_name_the_variable():
    with pytest.raises(ConfigError, match="ETSGW_DATABASEURL"):
        load_settings(environ={"ETSGW_DATABASEURL": "x"})
    with pytest.raises(ConfigError, match="timers.ack_9120_s"):
        load_settings(environ={"ETSGW_TIMERS__ACK_9120_S": "soon"})
    with pytest.raises(ConfigError, match="unknown configuration key database.uri"):
        load_settings(environ={"ETSGW_DATABASE__URI": "x"})


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_settings_are_frozen_and_replace_validates():
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.gateway.node = "1"  # type: ignore[misc]
    assert s.replace(database={"url": "sqlite:///y.db"}).database.url == "sqlite:///y.db"
    with pytest.raises(ConfigError):
        s.replace(database={"nope": 1})
