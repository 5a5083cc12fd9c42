"""The `etsgw` entry point: exit codes and one-line messages for the operator."""

from __future__ import annotations

import pytest

from gateway.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


@pytest.fixture
def config(tmp_path, monkeypatch):
    cfg = tmp_path / "etsgw.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "gw.db"}"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{tmp_path / "sim.db"}"\n'
                   '[log]\nlevel = "WARNING"\n[ibmmq]\npassword = "not-shown"\n', encoding="utf-8")
    return str(cfg)


def test_db_upgrade_and_current(capsys, config):
    code, out, _ = run(capsys, "--config", config, "db", "upgrade")
    assert code == 0 and "schema at revision" in out
    code, out, _ = run(capsys, "--config", config, "db", "current")
    current, head = (part.split(": ")[1] for part in out.strip().split("; "))
    assert code == 0 and current == head != "(none)"


def test_config_hides_secrets(capsys, config):
    code, out, _ = run(capsys, "--config", config, "config")
    assert code == 0 and "password = '********'" in out and "not-shown" not in out


def test_demo_data_then_domain_errors_are_one_line(capsys, config):
    code, out, _ = run(capsys, "--config", config, "demo-data", "--units", "3", "--residents", "2",
                       "--persons-per-unit", "2")
    assert code == 0 and "levy" in out
    code, _, err = run(capsys, "--config", config, "debit", "submit", "--payer", "999999")
    assert code == 2 and err.strip() == "业务规则错误 [lookup.exists]: 缴费人 999999 不存在"
    code, _, err = run(capsys, "--config", config, "debit", "reverse", "424242", "--reason", "x")
    assert code == 2 and "扣款 424242 不存在" in err and "Traceback" not in err
    code, out, _ = run(capsys, "--config", config, "debit", "list")
    assert code == 0 and "0 debit(s)" in out


def test_bad_configuration_names_the_key(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[gateway]\nencoding = "BIG5"\n', encoding="utf-8")
    code, _, err = run(capsys, "--config", str(bad), "db", "current")
    assert code == 2 and "gateway.encoding" in err
