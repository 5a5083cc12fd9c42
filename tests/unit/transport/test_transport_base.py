"""MQMD id helpers, the retry policy and the default object definitions (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gateway.config import Settings
from gateway.transports.base import (REQUEST_CORREL_ID, ConnectionBroken, Envelope, QueueFull,
                                     check_id, describe_id, msg_id_from_digits)
from gateway.transport_factory import default_definitions
from gateway.transports.retry import call_idempotent, retrying


def test_msg_id_is_twenty_digits_and_four_nuls() -> None:
    mid = msg_id_from_digits("20250102030405000001")
    assert mid == b"20250102030405000001\0\0\0\0" and len(mid) == 24
    assert describe_id(mid) == "20250102030405000001"
    assert describe_id(REQUEST_CORREL_ID) == "REQ"
    assert describe_id(b"\x01" * 24) == "01" * 24
    with pytest.raises(ValueError):
        msg_id_from_digits("123")
    with pytest.raises(ValueError):
        check_id("msg_id", b"x" * 23)


def test_envelope_is_frozen() -> None:
    env = Envelope(b"x", REQUEST_CORREL_ID, REQUEST_CORREL_ID, 1386, "Q",
                   put_time=dt.datetime.now(dt.timezone.utc))
    with pytest.raises(dataclasses.FrozenInstanceError):
        env.body = b"y"  # type: ignore[misc]
    assert env.format == "MQSTR" and env.backout_count == 0 and env.reply_to == ""


def test_retry_policy_retries_only_connection_broken_and_gives_up() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionBroken("down")
        return "ok"

    no_sleep = retrying(attempts=5, sleep=lambda _s: None)
    assert call_idempotent(flaky, no_sleep) == "ok" and len(calls) == 3

    calls.clear()

    def full() -> None:
        calls.append(1)
        raise QueueFull("full")

    with pytest.raises(QueueFull):
        call_idempotent(full, no_sleep)
    assert len(calls) == 1

    def always_down() -> None:
        calls.append(1)
        raise ConnectionBroken("down")

    calls.clear()
    with pytest.raises(ConnectionBroken):
        call_idempotent(always_down, retrying(attempts=4, sleep=lambda _s: None))
    assert len(calls) == 4


def test_default_definitions_are_mirror_images() -> None:
    settings = Settings().replace(transport={"backout_threshold": 5})
    defs = default_definitions(settings)
    gw, sim = defs["QM.TAX"], defs["QM.ETS"]
    gw_local = {q.name: q for q in gw.local_queues}
    out = gw_local["ETS.244000000000.ONLINE.OUT"]
    assert (out.backout_queue, out.backout_threshold) == ("ETS.244000000000.ONLINE.OUT.BACKOUT", 5)
    assert "ETS.244000000000.BATCH.OUT.BACKOUT" in gw_local
    assert gw_local["QM.ETS.XMITQ"].usage == "xmitq"
    remote = {r.name: r for r in gw.remote_queues}
    assert (remote["ETS.EXT.ONLINE.IN"].remote_qmgr, remote["ETS.EXT.ONLINE.IN"].xmitq) == (
        "QM.ETS", "QM.ETS.XMITQ")
    sim_local = {q.name: q for q in sim.local_queues}
    assert {"ETS.EXT.ONLINE.IN", "ETS.EXT.BATCH.IN", "QM.TAX.XMITQ"} <= set(sim_local)
    sim_remote = {r.name: r for r in sim.remote_queues}
    assert sim_remote["ETS.244000000000.BATCH.OUT"].remote_qmgr == "QM.TAX"
    channels = {(c.name, c.type) for c in gw.channels}
    assert channels == {("TAX.TO.ETS", "sender"), ("ETS.TO.TAX", "receiver")}
    assert {(c.name, c.type) for c in sim.channels} == {("ETS.TO.TAX", "sender"),
                                                        ("TAX.TO.ETS", "receiver")}
