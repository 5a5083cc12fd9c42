"""The `etsgw` entry point: exit codes, one-line messages naming what to do, --config anywhere,
configuration warnings and what `config` shows."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from gateway.cli import cli
from tests.integration.cli.conftest import write_config

README = Path(__file__).resolve().parents[3] / "README.md"


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_db_upgrade_and_current(etsgw, config):
    code, out, _ = etsgw("--config", config, "db", "upgrade")
    assert code == 0 and "schema at revision" in out
    code, out, _ = etsgw("--config", config, "db", "current")
    current, head = (part.split(": ")[1] for part in out.strip().split("; "))
    assert code == 0 and current == head != "(none)"


def test_config_hides_secrets_and_warns_about_a_password_in_the_file(etsgw, tmp_path):
    cfg = write_config(tmp_path, '[ibmmq]\npassword = "not-shown"\n')
    code, out, err = etsgw("--config", cfg, "config")
    assert code == 0 and "password = '********'" in out and "not-shown" not in out + err
    assert "ETSGW_IBMMQ__PASSWORD" in err and "ibmmq.password" in err


def test_no_warning_without_a_secret_in_the_file(etsgw, config):
    code, _, err = etsgw("--config", config, "config")
    assert code == 0 and "ETSGW_IBMMQ__PASSWORD" not in err


def test_config_shows_the_queue_names_in_use(etsgw, config):
    code, out, _ = etsgw("--config", config, "config")
    assert code == 0
    assert "online_out = 'ETS.244000000000.ONLINE.OUT'" in out
    assert "batch_out = 'ETS.244000000000.BATCH.OUT'" in out
    assert "online_out = ''" not in out


@pytest.mark.parametrize("args", [
    ("debit", "list"), ("debit", "status", "1"), ("debit", "submit", "--payer", "1"),
    ("agreement", "verify", "1"), ("alerts",), ("errors",), ("payer", "show", "1"),
    ("system", "work-date"),
])
def test_a_database_without_schema_is_one_line_naming_db_upgrade(etsgw, config, args):
    code, _, err = etsgw("--config", config, *args)
    assert code == 2
    assert "etsgw db upgrade" in one_line(err)


def test_bogus_revision_is_one_line(etsgw, config):
    code, _, err = etsgw("--config", config, "db", "upgrade", "--revision", "bogus")
    line = one_line(err)
    assert code == 2 and "bogus" in line and "--revision" in line


def test_config_after_the_subcommand(etsgw, config):
    assert etsgw("--config", config, "db", "upgrade")[0] == 0
    code, out, err = etsgw("debit", "list", "--config", config)
    assert code == 0, err
    assert out.splitlines()[0].split()[:3] == ["ID", "KIND", "KEY"]
    assert etsgw("debit", "list", f"--config={config}")[0] == 0


def test_config_first_moves_only_the_config_option():
    from gateway.cli import config_first

    assert config_first(["debit", "list", "--config", "x.toml", "--limit", "3"]) == \
        ["--config", "x.toml", "debit", "list", "--limit", "3"]
    assert config_first(["queue", "put", "Q", "--", "--config"]) == \
        ["queue", "put", "Q", "--", "--config"]


def test_an_unknown_environment_key_names_the_variable(etsgw, config, monkeypatch):
    monkeypatch.setenv("ETSGW_FOO__BAR", "1")
    code, _, err = etsgw("--config", config, "config")
    assert code == 2 and "ETSGW_FOO__BAR" in one_line(err)
    monkeypatch.delenv("ETSGW_FOO__BAR")
    monkeypatch.setenv("ETSGW_GATEWAY__NOPE", "1")
    code, _, err = etsgw("--config", config, "config")
    assert code == 2 and "ETSGW_GATEWAY__NOPE" in one_line(err)
    monkeypatch.delenv("ETSGW_GATEWAY__NOPE")
    monkeypatch.setenv("ETSGW_GATEWAY__MAX_IN_FLIGHT", "many")
    code, _, err = etsgw("--config", config, "config")
    assert code == 2 and "ETSGW_GATEWAY__MAX_IN_FLIGHT" in one_line(err)


def test_bad_configuration_names_the_key(etsgw, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[gateway]\nencoding = "BIG5"\n', encoding="utf-8")
    code, _, err = etsgw("--config", str(bad), "db", "current")
    assert code == 2 and "gateway.encoding" in one_line(err)


def test_domain_errors_not_found_and_refusals(etsgw, config):
    code, out, _ = etsgw("--config", config, "demo-data", "--units", "3", "--residents", "2",
                         "--persons-per-unit", "2")
    assert code == 0 and "levy" in out
    code, _, err = etsgw("--config", config, "debit", "submit", "--payer", "999999")
    assert code == 2 and one_line(err).startswith("未找到：缴费人 999999 不存在 / not found")
    code, _, err = etsgw("--config", config, "debit", "reverse", "424242", "--reason", "x")
    assert code == 2 and one_line(err).startswith("未找到：扣款 424242 不存在")
    code, _, err = etsgw("--config", config, "debit", "status", "424242")
    assert code == 2 and one_line(err).startswith("未找到：扣款 424242 不存在 / not found")
    code, _, err = etsgw("--config", config, "payer", "show", "424242")
    assert code == 2 and one_line(err).startswith("未找到：")
    code, _, err = etsgw("--config", config, "alerts", "ack", "424242")
    assert code == 2 and one_line(err).startswith("未找到")
    code, out, _ = etsgw("--config", config, "debit", "list")
    assert code == 0 and "0 row(s)" in out


def test_a_debit_of_a_payer_with_nothing_unpaid_says_so(etsgw, app, config):
    from sqlalchemy import update

    from gateway.persistence.records import LevyRecord

    payer = app.data.payers[0]
    with app.engine.begin() as conn:
        conn.execute(update(LevyRecord).where(LevyRecord.payer_id == payer).values(state="PAID"))
    code, _, err = etsgw("--config", config, "debit", "submit", "--payer", str(payer))
    line = one_line(err)
    assert code == 2 and "没有未缴的应征" in line and "nothing unpaid" in line


def test_queue_depth_of_an_unknown_queue_manager_is_an_error(etsgw, config):
    code, out, err = etsgw("--config", config, "queue", "depth", "--qmgr", "BOGUS")
    assert code == 2 and out == "" and "BOGUS" in one_line(err)
    code, out, _ = etsgw("--config", config, "queue", "depth", "--qmgr", "QM.ETS")
    assert code == 0 and "ETS.EXT.ONLINE.IN" in out


def test_unknown_channel_is_not_found_exit_2(etsgw, config):
    code, _, err = etsgw("--config", config, "channel", "start", "NO.SUCH")
    assert code == 2 and one_line(err).startswith("未找到") and "NO.SUCH" in err


def test_internal_failures_exit_1_in_one_line(etsgw, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cfg = tmp_path / "c.toml"
    # A database "inside" a plain file cannot be opened: an environment failure, not the user's.
    cfg.write_text(f'[database]\nurl = "sqlite:///{blocker}/sub/gw.db"\n[log]\nlevel = "WARNING"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{tmp_path / "sim.db"}"\n',
                   encoding="utf-8")
    code, _, err = etsgw("--config", str(cfg), "db", "current")
    assert code == 1 and one_line(err)


def test_usage_errors_are_one_line_exit_2(etsgw, config):
    code, _, err = etsgw("--config", config, "debit", "list", "--bogus")
    assert code == 2 and "etsgw debit list --help" in one_line(err)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


def _bilingual(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text)) and bool(re.search(r"[A-Za-z]{3,}", text))


def test_every_command_has_chinese_and_english_help_and_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for path, command in _commands(cli):
        assert command.help and _bilingual(command.help), f"etsgw {' '.join(path)}: {command.help!r}"
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                assert _bilingual(param.help), f"etsgw {' '.join(path)} {param.opts}: {param.help!r}"
        documented = f"etsgw {' '.join(path)}" in readme or (
            len(path) > 1 and f"etsgw {path[0]}" in readme and f"`{path[-1]}" in readme)
        assert documented, f"etsgw {' '.join(path)} is not documented in README.md"
