"""A transport that cannot join the simulator's database transaction (as IBM MQ): the state is
committed first, then the gets and puts; the flows are the same."""

from __future__ import annotations

from decimal import Decimal

from gateway.simulator import Simulator
from gateway.transport_factory import open_transport

from .builders import Payer, msg_1001
from .conftest import GatewayPeer


class UnjoinableTransport:
    """Hides the embedded store's engine: sessions are units of work of their own."""

    def __init__(self, inner):
        self._inner = inner
        self.queue_manager = inner.queue_manager

    def session(self):
        return self._inner.session()

    def close(self):
        self._inner.close()


def test_flows_without_a_joined_transaction(make_world, clock, tmp_path):
    payer = Payer(1)
    base, _ = make_world()  # the settings and the gateway's files
    settings = base.settings
    # QM.ETS's queues elsewhere than the simulator's state, as with a real queue manager.
    queues = settings.replace(simulator={"database_url": f"sqlite:///{tmp_path / 'qm-ets.db'}"})
    transport = UnjoinableTransport(open_transport(queues, settings.transport.partner_queue_manager))
    sim = Simulator(settings, clock=clock, transport=transport)
    peer = GatewayPeer(queues, sim, clock)
    try:
        assert not sim.env.joined
        sim.load_accounts([payer.seed()])
        assert [r.block.result for r in peer.exchange(msg_1001(payer, "00000001", "2.00"))] == \
            ["90000", "90000"]
        assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000001", "2.00"))] == \
            ["9120", "2001"]
        assert sim.ledger_totals()["debited"] == Decimal("2.00")
    finally:
        peer.close()
        sim.close()
