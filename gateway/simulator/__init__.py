"""The settlement-centre simulator: the provincial ETS centre and the commercial banks behind it,
running as the partner queue manager (``QM.ETS``) with its own database, speaking only wire
messages through the transport. Start with :class:`Simulator`; ``etsgw sim`` is its CLI; the
interpretation of the interface where it leaves room is in :mod:`.contract_choices`, the fault
syntax in :mod:`.faults`.
"""

from __future__ import annotations

from gateway.simulator.simulator import Simulator

__all__ = ["Simulator"]
