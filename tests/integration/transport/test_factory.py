"""The factory: which transport, where the embedded queue managers live, their channel agents."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from gateway.config import Settings
from gateway.transports.base import REQUEST_CORREL_ID, TransportError, msg_id_from_digits
from gateway.transports.embedded.transport import EmbeddedTransport
from gateway.transport_factory import (define_default_objects, open_admin, open_channel_agent,
                                        open_transport)

MSG = msg_id_from_digits("20250102030405000042")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings().replace(database={"url": f"sqlite:///{tmp_path / 'app.db'}"},
                              simulator={"database_url": f"sqlite:///{tmp_path / 'sim.db'}"})


def test_both_queue_managers_in_their_databases_and_both_channel_directions(settings) -> None:
    define_default_objects(settings)
    define_default_objects(settings)  # again: nothing changes, nothing fails
    gateway, simulator = open_transport(settings), open_transport(settings, "QM.ETS")
    assert gateway.engine.url.database.endswith("app.db")
    assert simulator.engine.url.database.endswith("sim.db")
    with simulator.session() as s:
        s.put(settings.batch_out_queue, b"<CFX/>", msg_id=MSG, correl_id=REQUEST_CORREL_ID,
              ccsid=1386)
        s.commit()
    assert open_channel_agent(settings, "QM.ETS").run_once() == 1
    with gateway.session() as s:
        env = s.get(settings.batch_out_queue)
        s.put(settings.transport.batch_in, env.body, msg_id=MSG, correl_id=env.msg_id,
              ccsid=1386)
        s.commit()
    assert open_channel_agent(settings).run_once() == 1
    with simulator.session() as s:
        assert s.get(settings.transport.batch_in).correl_id == MSG
        s.commit()
    statuses = {c.name: c.status for c in open_admin(settings, "QM.ETS").channels()}
    assert statuses == {"ETS.TO.TAX": "RUNNING", "TAX.TO.ETS": "RUNNING"}


def test_ibmmq_is_loaded_only_when_selected_and_has_no_channel_agent(settings) -> None:
    ibm = settings.replace(transport={"kind": "ibmmq"})
    assert "ibmmq" not in sys.modules and "pymqi" not in sys.modules
    if not any(importlib.util.find_spec(name) for name in ("ibmmq", "pymqi")):
        with pytest.raises(TransportError, match="IBM MQ client library"):
            open_transport(ibm)
    with pytest.raises(TransportError, match="channel initiator"):
        open_channel_agent(ibm)


def test_embedded_store_needs_a_file() -> None:
    with pytest.raises(TransportError):
        EmbeddedTransport("sqlite://", "QM.X")
