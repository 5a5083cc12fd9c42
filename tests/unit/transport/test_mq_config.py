"""mq_config/: the MQSC is idempotent and agrees with the default settings; the example
configuration loads and keeps the password out of the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import Settings, load_settings

MQ_CONFIG = Path(__file__).resolve().parents[3] / "mq_config"


def commands(name: str) -> list[str]:
    """MQSC commands of a file: comments dropped, '+' continuations joined."""
    result, current = [], ""
    for line in (MQ_CONFIG / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("*"):
            continue
        if line.endswith("+"):
            current += line[:-1] + " "
            continue
        result.append(" ".join((current + line).split()))
        current = ""
    return result


def find(name: str, pattern: str) -> str:
    hits = [c for c in commands(name) if re.search(pattern, c)]
    assert len(hits) == 1, f"{name}: {pattern!r} matched {hits}"
    return hits[0]


def test_files_are_numbered_and_idempotent() -> None:
    files = sorted(p.name for p in MQ_CONFIG.glob("*.mqsc"))
    assert files[:3] == ["10-queues.mqsc", "20-xmitq.mqsc", "30-channels.mqsc"]
    assert {"40-chlauth.mqsc", "50-dlq.mqsc"} <= set(files)
    for name in files:
        for command in commands(name):
            verb = command.split()[0]
            assert verb in {"DEFINE", "ALTER", "SET", "REFRESH"}, command
            if verb == "DEFINE":
                assert command.endswith("REPLACE"), command
            if command.startswith("SET CHLAUTH"):
                assert "ACTION(REPLACE)" in command, command


def test_queues_match_the_default_settings() -> None:
    s = Settings()
    t = s.transport
    for queue in (s.online_out_queue, s.batch_out_queue):
        local = find("10-queues.mqsc", rf"^DEFINE QLOCAL\('{re.escape(queue)}'\)")
        assert f"BOQNAME('{queue}.BACKOUT')" in local
        assert f"BOTHRESH({t.backout_threshold})" in local
        find("10-queues.mqsc", rf"^DEFINE QLOCAL\('{re.escape(queue)}.BACKOUT'\)")
    for queue in (t.online_in, t.batch_in):
        remote = find("10-queues.mqsc", rf"^DEFINE QREMOTE\('{re.escape(queue)}'\)")
        assert f"RQMNAME('{t.partner_queue_manager}')" in remote
        assert f"XMITQ('{t.transmission_queue}')" in remote and f"RNAME('{queue}')" in remote
    xmitq = find("20-xmitq.mqsc", rf"^DEFINE QLOCAL\('{re.escape(t.transmission_queue)}'\)")
    for attr in ("USAGE(XMITQ)", "TRIGGER", "TRIGTYPE(FIRST)", "INITQ('SYSTEM.CHANNEL.INITQ')",
                 f"TRIGDATA('{t.sender_channel}')"):
        assert attr in xmitq
    assert f"DEADQ('{t.dead_letter_queue}')" in find("50-dlq.mqsc", "^ALTER QMGR DEADQ")


def test_channels_and_security_match_the_default_settings() -> None:
    s = Settings()
    t = s.transport
    sender = find("30-channels.mqsc", rf"^DEFINE CHANNEL\('{t.sender_channel}'\)")
    assert "CHLTYPE(SDR)" in sender and f"XMITQ('{t.transmission_queue}')" in sender
    assert f"DISCINT({t.channel_disconnect_s})" in sender and "HBINT(" in sender
    receiver = find("30-channels.mqsc", rf"^DEFINE CHANNEL\('{t.receiver_channel}'\)")
    assert "CHLTYPE(RCVR)" in receiver
    svrconn = find("30-channels.mqsc", rf"^DEFINE CHANNEL\('{s.ibmmq.channel}'\)")
    assert "CHLTYPE(SVRCONN)" in svrconn and "SSLCIPH(" in svrconn
    assert find("40-chlauth.mqsc", r"ADDRESS\('\*'\)").endswith(
        "USERSRC(NOACCESS) DESCR('Back-stop: no access unless allowed below') ACTION(REPLACE)")
    assert "USERLIST('*MQADMIN')" in find("40-chlauth.mqsc", "BLOCKUSER")
    client = find("40-chlauth.mqsc", rf"^SET CHLAUTH\('{s.ibmmq.channel}'\)")
    assert "USERSRC(MAP)" in client and "MCAUSER('etsgw')" in client


def test_example_config_selects_ibmmq_without_a_password(tmp_path) -> None:
    path = MQ_CONFIG / "gateway-ibmmq.example.toml"
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*password\s*=", text, re.MULTILINE)
    assert "ETSGW_IBMMQ__PASSWORD" in text
    settings = load_settings(path, environ={"ETSGW_IBMMQ__PASSWORD": "from-env"})
    assert settings.transport.kind == "ibmmq" and settings.ibmmq.password == "from-env"
    assert settings.ibmmq.channel == "TAX.SVRCONN" and settings.ibmmq.cipher_spec
    assert settings.transport.backout_threshold == Settings().transport.backout_threshold


@pytest.mark.parametrize("name", ["10-queues.mqsc", "45-authority.mqsc"])
def test_node_code_is_the_documented_example(name: str) -> None:
    text = (MQ_CONFIG / name).read_text(encoding="utf-8")
    assert set(re.findall(r"ETS\.(\d{12})\.", text)) == {Settings().gateway.node}
