"""A throwaway PostgreSQL cluster for the tests, started from the binaries on the machine.

Used unless ``ETSGW_TEST_DATABASE_URL`` names a server. When the tests run as root (as CI does),
the cluster runs as an unprivileged user because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries were found and no server was configured."""


@dataclass
class Cluster:
    base_url: str  # SQLAlchemy URL without database name, e.g. postgresql+psycopg://u@127.0.0.1:5432
    datadir: Path | None = None
    bindir: Path | None = None
    run_as: str | None = None

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def stop(self) -> None:
        if self.datadir is None or self.bindir is None:
            return
        _run(self.run_as, [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                           "-w", "stop"], check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def find_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl: pg_config's answer, else the Debian layout."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))  # type: ignore[arg-type]
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(user: str | None, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(cmd)} failed: {res.stdout}\n{res.stderr}")
    return res


def start_cluster() -> Cluster:
    """Start a cluster on a free loopback port with trust authentication (test data only)."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("no PostgreSQL binaries (initdb, pg_ctl) found on this machine")
    run_as = None
    if os.geteuid() == 0:
        run_as = "nobody"
        pwd.getpwnam(run_as)
    base = Path(tempfile.mkdtemp(prefix="etsgw-pg-"))
    datadir = base / "data"
    datadir.mkdir()
    if run_as:
        entry = pwd.getpwnam(run_as)
        for p in (base, datadir):
            os.chown(p, entry.pw_uid, entry.pw_gid)
    os.chmod(base, 0o755)
    _run(run_as, [str(bindir / "initdb"), "-D", str(datadir), "-U", "etsgw", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync"])
    port = _free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={datadir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            # No test waits on a lock or holds a transaction open for minutes: a self-deadlock
            # (two connections of one test process) becomes an error instead of a hung suite.
            "-c lock_timeout=120s -c idle_in_transaction_session_timeout=300s")
    _run(run_as, [str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts, "-l",
                  str(base / "server.log"), "-w", "-t", "60", "start"])
    return Cluster(base_url=f"postgresql+psycopg://etsgw@127.0.0.1:{port}", datadir=datadir,
                   bindir=bindir, run_as=run_as)


def cluster_from_url(url: str) -> Cluster:
    """Use an existing server: ``url`` names any database on it; tests create their own."""
    base, _, _db = url.rpartition("/")
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    return Cluster(base_url=base)


def create_database(cluster: Cluster, name: str) -> str:
    import psycopg

    with psycopg.connect(_libpq(cluster.url("postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return cluster.url(name)


def drop_database(cluster: Cluster, name: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(cluster.url("postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
