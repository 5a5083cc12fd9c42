"""Fixtures of the `etsgw` tests: a configuration file on fresh SQLite files, the command run
in-process (exit code, stdout, stderr), a seeded application database, and inbound messages
handed to the gateway's inbound processor as the worker would."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main

ETS, GW = "100000000000", "244000000000"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop what came before (e.g. log lines of a delivered message)
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


@pytest.fixture
def etsgw(capsys, monkeypatch):
    """``etsgw(*args) -> (exit code, stdout, stderr)``, with no ETSGW_* variable inherited."""
    for name in list(os.environ):
        if name.startswith("ETSGW_") and not name.startswith("ETSGW_TEST_"):
            monkeypatch.delenv(name)
    return lambda *args: run_cli(capsys, *args)


def write_config(tmp_path: Path, extra: str = "") -> str:
    cfg = tmp_path / "etsgw.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "gw.db"}"\n'
                   f'[simulator]\ndatabase_url = "sqlite:///{tmp_path / "sim.db"}"\n'
                   '[log]\nlevel = "WARNING"\n' + extra, encoding="utf-8")
    return str(cfg)


@pytest.fixture
def config(tmp_path) -> str:
    return write_config(tmp_path)


def subprocess_env() -> dict[str, str]:
    """A child's environment: this worktree importable, no ETSGW_* settings inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETSGW_")}
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def etsgw_process(config: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "--config", config, *args],
                            env=subprocess_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture
def app(config):
    """The application on the configured database, schema in place, seeded (tests.support.seed)."""
    from gateway.bootstrap import build
    from gateway.config import load_settings
    from gateway.persistence import migrate
    from tests.support.seed import seed

    application = build(load_settings(config, environ={}))
    migrate.upgrade(application.engine)
    application.data = seed(application.engine)
    yield application
    application.close()


def deliver(app, body, *, msg_id: str, msg_ref: str | None = None, work_date: dt.date | None = None,
            queue: str | None = None, raw: bytes | None = None, des: str = GW) -> str:
    """Process one message from the ETS as the gateway worker would (no transport)."""
    from gateway.codec import CfxMessage, Head
    from gateway.codec.mq_ids import REQ_CORREL_ID, msg_id_to_mqmd
    from gateway.transports.base import Envelope
    from gateway.wire.inbound import InboundProcessor

    if raw is None:
        head = Head(ver="1.0", src=ETS, des=des, app="ETS", msg_no=body.MSG_NO, msg_id=msg_id,
                    msg_ref=msg_ref or msg_id, work_date=work_date or app.clock().date())
        raw = app.codec.encode(CfxMessage(head=head, body=body))
    env = Envelope(body=raw, msg_id=msg_id_to_mqmd(msg_id), correl_id=REQ_CORREL_ID,
                   ccsid=app.codec.ccsid, queue=queue or app.queues.online_out,
                   put_time=dt.datetime.now(dt.timezone.utc))
    processor = InboundProcessor(app.bus, app.codec, app.queues, GW, ETS, app.clock)
    with app.uow() as uow:
        outcome = processor.process(env, uow, None)
        uow.commit()
    return outcome
