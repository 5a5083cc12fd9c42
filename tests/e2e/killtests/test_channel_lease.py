"""A worker SIGKILLed while its embedded channel agent holds the sender channel.

The agent runs TAX.TO.ETS under a lease in the channel row (transports/embedded/channels.py,
renewed when half is left) so that only one agent moves a transmission queue. A killed process
cannot give its lease back: the restarted worker's agent takes the channel over only when the
lease runs out. Nothing is lost or duplicated meanwhile; this test bounds the stall.
"""

from __future__ import annotations

import collections
import inspect
import time

from gateway.codec.messages import Msg9005, MsgReturn9005
from gateway.transports.embedded.channels import ChannelAgent
from tests.e2e.killtests.conftest import submit_debits

LEASE_S = inspect.signature(ChannelAgent).parameters["lease_s"].default


def test_restart_after_a_kill_takes_the_channel_over_when_the_lease_ends(world_factory):
    world, data = world_factory("joined", 3)
    submit_debits(world, data)
    crashing = world.worker(crash_at="inbound.after_effect", args=("--no-sweeper",))
    # The 1001s reach QM.ETS: the crashing worker's agent runs the channel and holds its lease.
    world.wait_all_delivered(3, timeout=30)
    assert world.channel_owner().startswith(f"{crashing.proc.pid}."), world.state()

    world.put_inbound([world.ets_message(Msg9005(MsgReturn9005(information=None)),
                                         "20241105110000000001")])
    crashing.wait_killed()
    killed_at = time.monotonic()

    restarted = world.worker()
    world.wait_all_delivered(4, timeout=LEASE_S + 25)
    stall = time.monotonic() - killed_at
    assert world.channel_owner().startswith(f"{restarted.proc.pid}."), world.state()
    restarted.stop()
    print(f"channel taken over {stall:.1f} s after the kill (lease {LEASE_S:.0f} s)")

    counts = collections.Counter(m for m, _, _ in world.partner_messages())
    assert set(counts) == {r.msg_id for r, _ in world.outbox()} and set(counts.values()) == {1}
    assert [r.msg_id for r in world.inbox()] == ["20241105110000000001"]
    answers = world.outbox("9120")
    assert [a.head.msg_ref for _, a in answers] == ["20241105110000000001"]

