"""``etsgw queue`` / ``etsgw channel`` on the embedded transport, through a small root group
that provides ``ctx.obj.settings`` as the real ``etsgw`` group does."""

from __future__ import annotations

import types

import click
import pytest
from click.testing import CliRunner

from gateway.cli.queue import channel, queue
from gateway.config import Settings

WIRE = ('<?xml version="1.0" encoding="GBK"?><CFX><HEAD><VER>1.0</VER><SRC>100000000000</SRC>'
        '<DES>244000000000</DES><APP>ETS</APP><MsgNo>9005</MsgNo>'
        '<MsgID>20250102030405000077</MsgID><MsgRef>20250102030405000077</MsgRef>'
        '<WorkDate>20250102</WorkDate></HEAD><MSG><MsgReturn9005><Information>链路测试'
        '</Information></MsgReturn9005></MSG></CFX>').encode("gbk")


@pytest.fixture
def run(tmp_path):
    settings = Settings().replace(database={"url": f"sqlite:///{tmp_path / 'app.db'}"},
                                  simulator={"database_url": f"sqlite:///{tmp_path / 'sim.db'}"})

    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = types.SimpleNamespace(settings=settings)

    root.add_command(queue)
    root.add_command(channel)
    runner = CliRunner()

    def invoke(*args: str, input: bytes | None = None):
        return runner.invoke(root, list(args), input=input)
    return invoke


OUT = "ETS.244000000000.ONLINE.OUT"


def test_put_browse_get_round_trip(run, tmp_path) -> None:
    wire = tmp_path / "9005.xml"
    wire.write_bytes(WIRE)
    assert run("queue", "put", OUT, str(wire)).exit_code == 0
    listing = run("queue", "browse", OUT)
    assert listing.exit_code == 0
    line = listing.output.splitlines()[1].split()
    assert line[:6] == ["1", "20250102030405000077", "REQ", "1386", str(len(WIRE)), "0"]
    got = run("queue", "get", OUT)
    assert got.exit_code == 0 and got.stdout_bytes == WIRE
    empty = run("queue", "get", OUT, "--wait", "0.1")
    assert empty.exit_code == 3 and empty.stdout_bytes == b""


def test_put_from_stdin_with_correl_id_and_ccsid(run) -> None:
    body = b"<CFX>no head</CFX>"
    result = run("queue", "put", OUT, "-", "--correl-id", "20250102030405000001".encode().hex(),
                 "--ccsid", "1208", input=body)
    assert result.exit_code == 0
    line = run("queue", "browse", OUT).output.splitlines()[1].split()
    assert line[2:5] == ["20250102030405000001", "1208", str(len(body))]
    assert len(line[1]) == 20 and line[1].isdigit()  # a generated MsgId in the usual form
    assert run("queue", "get", OUT, "--correl-id", "00" * 24).exit_code == 3
    assert run("queue", "get", OUT).stdout_bytes == body


def test_depth_shows_queues_of_either_queue_manager(run) -> None:
    run("queue", "put", "ETS.EXT.BATCH.IN", "-", input=WIRE)
    rows = {line.split()[0]: line.split() for line in run("queue", "depth").output.splitlines()}
    assert rows["QM.ETS.XMITQ"][1:4] == ["transmission", "1", "50000"]
    assert rows["ETS.EXT.BATCH.IN"][1] == "remote"
    assert rows[OUT][1] == "local" and rows[OUT][4] == OUT + ".BACKOUT"
    sim = {line.split()[0]: line.split()
           for line in run("queue", "depth", "--qmgr", "QM.ETS").output.splitlines()}
    assert sim["ETS.EXT.BATCH.IN"][1:3] == ["local", "0"]


def test_channel_stop_status_start(run) -> None:
    assert run("channel", "stop", "TAX.TO.ETS").exit_code == 0
    status = run("channel", "status", "TAX.TO.ETS")
    assert status.output.splitlines()[1].split()[:3] == ["TAX.TO.ETS", "sender", "STOPPED"]
    assert run("channel", "start", "TAX.TO.ETS").exit_code == 0
    assert "RUNNING" in run("channel", "status", "TAX.TO.ETS").output
    everything = run("channel", "status").output
    assert "ETS.TO.TAX" in everything and "receiver" in everything
    missing = run("channel", "start", "NO.SUCH")
    assert missing.exit_code == 2 and "NO.SUCH" in missing.output  # not found: exit 2


def test_unknown_queue_is_a_clear_error(run) -> None:
    result = run("queue", "put", "NO.SUCH.QUEUE", "-", input=WIRE)
    assert result.exit_code == 2 and "NO.SUCH.QUEUE" in result.output  # not found: exit 2
