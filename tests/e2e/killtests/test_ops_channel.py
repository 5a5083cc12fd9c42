"""The operator's view of a stopped sender channel (ARCHITECTURE "The embedded queue manager"):
with TAX.TO.ETS stopped by ``etsgw channel stop`` the running gateway keeps relaying, the
transmission queue QM.ETS.XMITQ fills up and ``etsgw queue depth`` / ``etsgw channel status``
show it; ``etsgw channel start`` drains it to the ETS queue manager, each message once."""

from __future__ import annotations

import collections

from tests.e2e.killtests.conftest import submit_debits
from tests.e2e.killtests.harness import (PARTNER_QUEUE, SENDER_CHANNEL, XMITQ, run_cli,
                                         table_rows, wait_until)

N = 6


def xmitq_depth_shown(world) -> int:
    row = table_rows(run_cli(world.config, "queue", "depth").stdout)[XMITQ]
    assert row[1] == "transmission", row
    return int(row[2])


def channel_status_shown(world) -> str:
    out = run_cli(world.config, "channel", "status", SENDER_CHANNEL).stdout
    return table_rows(out)[SENDER_CHANNEL][2]


def test_stopped_channel_fills_the_transmission_queue_and_start_drains_it(world_factory):
    world, data = world_factory("joined", N)
    gateway = world.worker(args=())  # the whole worker: consumers, relay, sweeper, channel agent
    wait_until(lambda: world.channel_owner().startswith(f"{gateway.proc.pid}."), 30,
               "the gateway's channel agent to run TAX.TO.ETS", world.state)
    # The sweeper's first round sends one link test (no traffic recorded yet) and, with the
    # timers of the test configuration, nothing after it. Stop the channel once that is
    # through, so that no batch is in flight while the operator stops it.
    wait_until(lambda: world.outbox("9005"), 30, "the sweeper's first link test", world.state)
    world.wait_all_delivered(1, timeout=30)
    link_test = {r.msg_id for r, _ in world.outbox("9005")}
    assert channel_status_shown(world) == "RUNNING"

    run_cli(world.config, "channel", "stop", SENDER_CHANNEL)
    assert channel_status_shown(world) == "STOPPED"
    before = xmitq_depth_shown(world)

    depths = []
    for half in (data.payers[:N // 2], data.payers[N // 2:]):
        submit_debits(world, data, half)
        total = len(world.outbox("1001"))
        wait_until(lambda total=total: world.unsent() == 0 and world.depth(world.qm_tax, XMITQ) >= total,
                   30, f"{total} messages relayed onto {XMITQ}", world.state)
        depths.append(xmitq_depth_shown(world))
        assert depths[-1] >= before + total, f"{XMITQ} depth shown {depths[-1]}"
        assert channel_status_shown(world) == "STOPPED"
    assert depths[0] < depths[1], f"{XMITQ} depth did not grow: {depths}"
    assert world.msg_ids_on(world.qm_ets, PARTNER_QUEUE) == link_test, \
        "messages passed a stopped channel"

    run_cli(world.config, "channel", "start", SENDER_CHANNEL)
    outbox_ids = {r.msg_id for r, _ in world.outbox()}
    world.wait_all_delivered(len(outbox_ids), timeout=30)
    assert xmitq_depth_shown(world) == 0
    assert channel_status_shown(world) == "RUNNING"
    shown = table_rows(run_cli(world.config, "queue", "depth", "--qmgr", "QM.ETS").stdout)
    assert int(shown[PARTNER_QUEUE][2]) == len(outbox_ids)
    gateway.stop()

    counts = collections.Counter(m for m, _, _ in world.partner_messages())
    assert set(counts) == outbox_ids and set(counts.values()) == {1}, counts
    assert len(world.outbox("1001")) == N
