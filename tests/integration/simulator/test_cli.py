"""``etsgw sim``: the database commands through click, and ``sim run`` as a separate process
answering a link test over the embedded transport."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from gateway.cli import cli
from gateway.codec import CfxMessage, Codec, msg_id_to_mqmd, originating_head
from gateway.config import Settings
from gateway.transports.base import REQUEST_CORREL_ID
from gateway.transport_factory import open_channel_agent, open_transport

from .builders import BANK, BRANCH, DAY, ORG, Payer, msg_9005


def _env(tmp_path: Path) -> dict[str, str]:
    return {"ETSGW_SIMULATOR__DATABASE_URL": f"sqlite:///{tmp_path / 'sim.db'}",
            "ETSGW_DATABASE__URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "ETSGW_GATEWAY__INITIAL_WORK_DATE": "20241105", "ETSGW_CONFIG": ""}


def _run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, ["sim", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_database_commands(tmp_path):
    env = _env(tmp_path)
    payer = Payer(1, balance="100.50")
    seed = tmp_path / "accounts.jsonl"
    seed.write_text("# comment\n" + json.dumps(payer.seed(), ensure_ascii=False) + "\n\n",
                    encoding="utf-8")
    assert "loaded 1 account" in _run(env, "load-accounts", str(seed))
    shown = json.loads(_run(env, "account", "show", payer.acct))
    assert shown[0]["balance"] == "100.50" and shown[0]["agreements"][0]["state"] == "normal"
    _run(env, "account", "set-balance", payer.acct, "20.00")
    _run(env, "account", "freeze", payer.acct)
    _run(env, "account", "set-fault", payer.acct, "drop:2001,opstat:98*1")
    shown = json.loads(_run(env, "account", "show", payer.acct))[0]
    assert (shown["balance"], shown["frozen"], shown["fault"]) == \
        ("20.00", True, "drop:2001,opstat:98*1")
    _run(env, "account", "unfreeze", payer.acct)
    bad = CliRunner().invoke(cli, ["sim", "account", "set-fault", payer.acct, "nonsense"], env=env)
    assert bad.exit_code == 2 and "unknown fault" in bad.output  # refused: exit 2
    _run(env, "org", ORG, "--treasury", "4401000000")
    assert "202581" not in _run(env, "counter-query", "--bank", BANK, "--branch", BRANCH,
                                "--tax-org-code", ORG, "--tax-pay-code", payer.tax_pay_code,
                                "--voucher", "344010624110599903")
    key = _run(env, "counter-pay", "--bank", BANK, "--voucher", "344010624110599903",
               "--amount", "5.00", "--acct", payer.acct).strip()
    assert key == f"{BANK}|20241105|00000002"
    assert "debited 5.00  returned 0.00  net 5.00" in _run(env, "ledger")
    assert "debited 0.00" in _run(env, "ledger", "--tax-pay-code", "nobody")
    assert "work date now 20241106" in _run(env, "day-switch")
    status = json.loads(_run(env, "status"))
    assert (status["work_date"], status["sys_stat"]) == ("20241106", "0")
    assert status["keys"]["2108"] == {"10": 1}


def test_sim_run_answers_a_link_test_until_terminated(tmp_path):
    env = {**os.environ, **_env(tmp_path)}
    env.pop("ETSGW_CONFIG")
    settings = Settings().replace(
        simulator={"database_url": env["ETSGW_SIMULATOR__DATABASE_URL"]},
        database={"url": env["ETSGW_DATABASE__URL"]})
    gateway_qm = open_transport(settings)
    to_ets = open_channel_agent(settings)
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "sim", "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        codec = Codec()
        msg_id = "20241105080000000001"
        head = originating_head(settings.gateway.node, settings.gateway.ets_node, "9005", msg_id,
                                DAY)
        with gateway_qm.session() as s:
            s.put(settings.transport.online_in, codec.encode(CfxMessage(head, msg_9005())),
                  msg_id=msg_id_to_mqmd(msg_id), correl_id=REQUEST_CORREL_ID, ccsid=codec.ccsid)
            s.commit()
        assert to_ets.run_once() == 1
        with gateway_qm.session() as s:
            env_9120 = s.get(settings.online_out_queue, wait_s=20)
            s.commit()
        assert env_9120 is not None and env_9120.correl_id == msg_id_to_mqmd(msg_id)
        reply = codec.decode(env_9120.body, ccsid=env_9120.ccsid)
        assert (reply.head.msg_no, reply.body.msg_return9120.result) == ("9120", "90000")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode("utf-8", "replace")
        gateway_qm.close()
    assert process.returncode == 0, output
    assert "sim.in" in output and "msg_no=9005" in output
