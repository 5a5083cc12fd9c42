"""``etsgw params`` end to end on SQLite: export a year of the demo, import it into an empty
database as a pending proposal, approve it as a second login, then show and list what is in
force."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from gateway.cli import main
from gateway.clock import beijing_now
from gateway.domain.reference import social_security_year, social_security_year_of
from gateway.persistence.engine import make_engine
from gateway.persistence.records import UserRecord


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


def _config(tmp_path, name: str) -> str:
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / name}.db"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{tmp_path / name}-sim.db"\n'
                   '[log]\nlevel = "WARNING"\n', encoding="utf-8")
    return str(cfg)


@pytest.fixture
def config(tmp_path):
    return _config(tmp_path, "gw")


def test_export_import_approve_show(capsys, config, tmp_path):
    c = ("--config", config)
    code, _, _ = run(capsys, *c, "demo-data", "--units", "2", "--residents", "2", "--persons-per-unit", "1")
    assert code == 0
    code, out, _ = run(capsys, *c, "params", "proposals")
    assert code == 0 and out.count("已批准") >= 2  # the demo's imports, approved by a second account
    year_file = tmp_path / "year.xlsx"
    year = social_security_year_of(beijing_now().date()) - 1  # the demo's previous year
    start, end = social_security_year(year)
    code, out, _ = run(capsys, *c, "params", "export", str(year), str(year_file))
    assert code == 0 and "760 行" in out and year_file.exists()
    # A second, empty database with two logins receives the file.
    c = ("--config", _config(tmp_path, "other"))
    assert run(capsys, *c, "db", "upgrade")[0] == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with engine.begin() as conn:
        conn.execute(insert(UserRecord), [{"username": u, "password_hash": "-", "role": "STAFF"}
                                          for u in ("staff_gz", "staff_fs")])
    engine.dispose()
    code, _, err = run(capsys, *c, "params", "import", str(year_file), "--by", "nobody")
    assert code == 2 and "nobody 不存在" in err
    code, out, _ = run(capsys, *c, "params", "import", str(year_file), "--by", "staff_gz")
    assert code == 0 and "待另一人审核: 760 项" in out
    proposal = out.split()[1]
    code, _, err = run(capsys, *c, "params", "approve", proposal, "--by", "staff_gz")
    assert code == 2 and "[reference.four_eyes]" in err
    code, out, _ = run(capsys, *c, "params", "approve", proposal, "--by", "staff_fs")
    assert code == 0 and "已批准 added=760" in out
    code, out, _ = run(capsys, *c, "params", "show", "--kind", "BASE_CEILING", "--city", "4401",
                       "--payer-kind", "UNIT")
    assert code == 0 and f"{start} 至 {end}" in out and out.count("#") == 1
    code, out, _ = run(capsys, *c, "params", "list", "--city", "4401", "--kind", "RATE",
                       "--on", f"{year}-08-01")
    assert code == 0 and "共 7 条" in out  # five unit rates, two flexible ones
    code, out, _ = run(capsys, *c, "params", "import", str(year_file), "--by", "staff_gz")
    assert code == 0 and "无需导入" in out
