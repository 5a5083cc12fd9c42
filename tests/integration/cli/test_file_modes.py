"""Personal data on disk: ``etsgw`` creates its SQLite folders 0700 and the database files 0600.

A real ``etsgw db upgrade`` process (``python -m gateway.cli`` runs the same ``main``) on folders
that do not exist yet; the test process itself keeps the usual umask 022.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def write_config(tmp_path: Path, gateway_db: Path, sim_db: Path) -> Path:
    cfg = tmp_path / "etsgw.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{gateway_db}"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{sim_db}"\n'
                   '[log]\nlevel = "WARNING"\n', encoding="utf-8")
    return cfg


def test_db_upgrade_makes_private_folders_and_files(tmp_path: Path) -> None:
    var = tmp_path / "srv" / "var"  # neither folder exists yet
    gateway_db, sim_db = var / "etsgw.db", tmp_path / "sim" / "etsgw-sim.db"
    cfg = write_config(tmp_path, gateway_db, sim_db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")}
    with umask(0o022):  # what the child inherits: it must tighten it itself
        done = subprocess.run([sys.executable, "-m", "gateway.cli", "--config", str(cfg), "db", "upgrade"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "schema at revision" in done.stdout
    for folder in (tmp_path / "srv", var, sim_db.parent):
        assert mode(folder) == 0o700, folder
    assert mode(gateway_db) == 0o600

    # SQLite removes -wal and -shm when the last connection closes and, when it creates them
    # again, gives them the mode of the database file: so any later writer, even one with a
    # lax umask, leaves them private. Look while a connection holds them open.
    with umask(0o022):
        conn = sqlite3.connect(gateway_db)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # set by etsgw
            with conn:
                conn.execute("CREATE TABLE probe (x INTEGER)")
            for suffix in ("-wal", "-shm"):
                side = gateway_db.with_name(gateway_db.name + suffix)
                assert side.exists() and mode(side) == 0o600, side
        finally:
            conn.close()
    assert sorted(p.name for p in var.iterdir() if mode(p) & 0o077) == []


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o750)  # an operator's deliberate choice is not overridden
    cfg = write_config(tmp_path, shared / "etsgw.db", shared / "etsgw-sim.db")
    with pytest.raises(SystemExit) as done:
        main(["--config", str(cfg), "db", "upgrade"])
    assert done.value.code == 0
    assert mode(shared) == 0o750 and mode(shared / "etsgw.db") == 0o600


def test_main_in_process_gives_the_caller_its_umask_back(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, tmp_path / "gw.db", tmp_path / "sim.db")
    with umask(0o022):
        with pytest.raises(SystemExit):
            main(["--config", str(cfg), "config"])
        assert os.umask(0o022) == 0o022
