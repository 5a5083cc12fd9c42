"""The transport contract: the same behaviour from the embedded queue manager (SQLite,
PostgreSQL) and from IBM MQ. Tests that need the embedded queue manager's own objects (the
simulator's queue manager, channel agents, a joined connection) skip on IBM MQ."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
import sqlalchemy as sa

from gateway.transports.base import (REQUEST_CORREL_ID, ChannelNotFound, QueueFull, QueueNotFound,
                                     TransportError)
from gateway.transports.embedded.transport import EmbeddedTransport
from gateway.transports.embedded.objects import QueueManagerDefinition
from gateway.transport_factory import default_definitions

from .conftest import Harness, msg_id

REPLY_X = b"X" * 24
REPLY_Y = b"Y" * 24


def test_put_then_get_is_first_in_first_out(harness: Harness) -> None:
    ids = [harness.put(harness.queue, n) for n in range(3)]
    got = [harness.get(harness.queue) for _ in range(3)]
    assert [e.msg_id for e in got] == ids
    first = got[0]
    assert first.body == b"<CFX/>0" and first.ccsid == 1386 and first.format == "MQSTR"
    assert first.correl_id == REQUEST_CORREL_ID and first.backout_count == 0
    assert first.put_time.tzinfo is not None
    assert harness.get(harness.queue) is None


def test_get_with_wait_returns_none_after_the_wait(harness: Harness) -> None:
    started = time.monotonic()
    assert harness.get(harness.queue, wait_s=0.3) is None
    assert time.monotonic() - started >= 0.25


def test_get_with_wait_receives_a_message_committed_meanwhile(harness: Harness) -> None:
    got: list = []
    getter = threading.Thread(target=lambda: got.append(harness.get(harness.queue, wait_s=30)))
    getter.start()
    harness.put(harness.queue, 7)  # before or while the getter waits: it must receive it
    getter.join(60)
    assert not getter.is_alive() and got[0] is not None and got[0].msg_id == msg_id(7)


def test_get_matches_by_correl_id(harness: Harness) -> None:
    harness.put(harness.queue, 1)
    harness.put(harness.queue, 2, correl_id=REPLY_X)
    harness.put(harness.queue, 3, correl_id=REPLY_Y)
    assert harness.get(harness.queue, correl_id=REPLY_Y).msg_id == msg_id(3)
    assert harness.get(harness.queue, correl_id=b"Z" * 24) is None
    assert harness.get(harness.queue).msg_id == msg_id(1)
    assert harness.get(harness.queue, correl_id=REPLY_X).msg_id == msg_id(2)


def test_browse_shows_messages_in_order_without_removing_them(harness: Harness) -> None:
    harness.put(harness.queue, 1)
    harness.put(harness.queue, 2, correl_id=REPLY_X)
    with harness.transport.session() as s:
        seen = s.browse(harness.queue, 10)
        assert [e.msg_id for e in seen] == [msg_id(1), msg_id(2)]
        assert seen[1].correl_id == REPLY_X and seen[1].body == b"<CFX/>2"
        assert len(s.browse(harness.queue, 1)) == 1
    assert harness.get(harness.queue).msg_id == msg_id(1)


def test_puts_are_invisible_until_commit_and_discarded_by_backout(harness: Harness) -> None:
    with harness.transport.session() as s:
        s.put(harness.queue, b"a", msg_id=msg_id(1), correl_id=REQUEST_CORREL_ID, ccsid=1208)
        assert _get_elsewhere(harness) is None
        s.backout()
    assert harness.get(harness.queue) is None
    with harness.transport.session() as s:
        s.put(harness.queue, b"b", msg_id=msg_id(2), correl_id=REQUEST_CORREL_ID, ccsid=1208)
        s.commit()
    env = harness.get(harness.queue)
    assert env.msg_id == msg_id(2) and env.ccsid == 1208


def _get_elsewhere(harness: Harness):
    """A get from another thread (its own connection and unit of work)."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(harness.get(harness.queue)))
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    return result[0]


def test_backout_returns_the_message_with_its_backout_count_raised(harness: Harness) -> None:
    harness.put(harness.queue, 1)
    with harness.transport.session() as s:
        assert s.get(harness.queue).backout_count == 0
        s.backout()
        again = s.get(harness.queue)
        assert again.msg_id == msg_id(1) and again.backout_count == 1
        s.commit()
    assert harness.get(harness.queue) is None


def test_leaving_a_session_without_commit_backs_out(harness: Harness) -> None:
    harness.put(harness.queue, 1)
    with pytest.raises(RuntimeError):
        with harness.transport.session() as s:
            assert s.get(harness.queue) is not None
            raise RuntimeError("handler failed")
    env = harness.get(harness.queue)
    assert env.msg_id == msg_id(1) and env.backout_count == 1


def test_message_past_backout_threshold_moves_to_backout_queue(harness: Harness) -> None:
    boq = harness.queue_info(harness.queue).backout_queue
    threshold = harness.queue_info(harness.queue).backout_threshold
    if not boq or threshold < 1:
        pytest.skip(f"{harness.queue} has no backout queue and threshold")
    harness.drain(boq)
    harness.put(harness.queue, 1)
    for count in range(threshold):
        with harness.transport.session() as s:
            assert s.get(harness.queue).backout_count == count
            s.backout()
    assert harness.get(harness.queue) is None
    with harness.transport.session() as s:
        moved = s.browse(boq, 10)
    assert [e.msg_id for e in moved] == [msg_id(1)]
    assert moved[0].backout_count >= threshold
    harness.drain(boq)


def test_unknown_queue_is_reported(harness: Harness) -> None:
    with harness.transport.session() as s:
        with pytest.raises(QueueNotFound):
            s.put("NO.SUCH.QUEUE", b"x", msg_id=msg_id(1), correl_id=REQUEST_CORREL_ID, ccsid=1386)
        with pytest.raises(QueueNotFound):
            s.get("NO.SUCH.QUEUE")


def test_full_queue_refuses_puts(harness: Harness) -> None:
    harness.need_embedded("defines a queue of depth 2")
    qm = harness.settings.transport.queue_manager
    harness.transport.define(QueueManagerDefinition(qm).local("TINY", max_depth=2))
    harness.put("TINY", 1)
    harness.put("TINY", 2)
    with pytest.raises(QueueFull):
        harness.put("TINY", 3)
    assert harness.queue_info("TINY").depth == 2


def test_remote_queue_goes_through_xmitq_and_channel_to_partner(harness: Harness) -> None:
    harness.need_embedded("channel agent")
    t = harness.settings.transport
    harness.put(t.online_in, 1, correl_id=REPLY_X)
    assert harness.queue_info(t.transmission_queue).depth == 1
    assert harness.queue_info(t.online_in).type == "remote"
    assert harness.agent().run_once() == 1
    assert harness.queue_info(t.transmission_queue).depth == 0
    env = harness.get(t.online_in, transport=harness.partner)
    assert (env.msg_id, env.correl_id, env.body, env.ccsid) == (msg_id(1), REPLY_X, b"<CFX/>1",
                                                                1386)
    assert _status(harness.admin, t.sender_channel) == "RUNNING"
    assert _status(harness.partner_admin, t.sender_channel) == "RUNNING"
    # and back: the simulator's remote queue reaches the gateway's local queue
    harness.put(harness.settings.online_out_queue, 2, transport=harness.partner)
    from gateway.transports.embedded.channels import ChannelAgent
    back = ChannelAgent(harness.partner, t.receiver_channel, harness.transport,
                        clock=harness.clock)
    assert back.run_once() == 1
    assert harness.get(harness.settings.online_out_queue).msg_id == msg_id(2)


def _status(admin, name: str) -> str:
    return {c.name: c.status for c in admin.channels()}[name]


def test_channel_delivery_is_idempotent_across_a_crash(harness: Harness) -> None:
    harness.need_embedded("channel agent")
    t = harness.settings.transport
    harness.put(t.batch_in, 1)
    harness.put(t.batch_in, 1)  # the same MsgId put twice on purpose: two messages
    agent = harness.agent()
    # Crash after the partner committed and before the source deleted: deliver by hand.
    agent._deliver(agent._batch(t.transmission_queue), harness.clock())
    assert harness.agent().run_once() == 2  # sent again; the receipts swallow the copies
    got = [harness.get(t.batch_in, transport=harness.partner) for _ in range(3)]
    assert [e.msg_id if e else None for e in got] == [msg_id(1), msg_id(1), None]


def test_unknown_destination_goes_to_partner_dead_letter_queue(harness: Harness) -> None:
    harness.need_embedded("channel agent")
    t = harness.settings.transport
    qm = t.queue_manager
    harness.transport.define(QueueManagerDefinition(qm).remote(
        "ETS.EXT.NOWHERE", "NO.SUCH.QUEUE", t.partner_queue_manager, t.transmission_queue))
    harness.put("ETS.EXT.NOWHERE", 1)
    assert harness.agent().run_once() == 1
    dlq = harness.get(t.dead_letter_queue, transport=harness.partner)
    assert dlq.msg_id == msg_id(1) and dlq.reason == 2085


def test_stopped_channel_lets_xmitq_fill_until_started(harness: Harness) -> None:
    harness.need_embedded("channel agent")
    t = harness.settings.transport
    agent = harness.agent()
    harness.put(t.online_in, 9)
    assert agent.run_once() == 1
    assert _status(harness.partner_admin, t.sender_channel) == "RUNNING"
    harness.admin.stop_channel(t.sender_channel)
    assert _status(harness.admin, t.sender_channel) == "STOPPED"
    for n in range(3):
        harness.put(t.online_in, n)
    assert agent.run_once() == 0
    assert _status(harness.partner_admin, t.sender_channel) == "INACTIVE"  # the receiver ended
    assert harness.queue_info(t.transmission_queue).depth == 3
    harness.clock.advance(10_000)  # time does not restart a stopped channel
    assert agent.run_once() == 0 and _status(harness.admin, t.sender_channel) == "STOPPED"
    harness.admin.start_channel(t.sender_channel)
    assert agent.run_once() == 3
    assert harness.queue_info(t.transmission_queue).depth == 0
    assert harness.queue_info(t.online_in, harness.partner_admin).depth == 4
    assert _status(harness.admin, t.sender_channel) == "RUNNING"


def test_sender_goes_inactive_after_disconnect_interval_and_restarts_on_a_message(
        harness: Harness) -> None:
    harness.need_embedded("channel agent with a fake clock")
    t = harness.settings.transport
    agent = harness.agent()
    harness.put(t.online_in, 1)
    assert agent.run_once() == 1
    harness.clock.advance(t.channel_disconnect_s - 1)
    agent.run_once()
    assert _status(harness.admin, t.sender_channel) == "RUNNING"
    harness.clock.advance(2)
    agent.run_once()
    assert _status(harness.admin, t.sender_channel) == "INACTIVE"
    assert _status(harness.partner_admin, t.sender_channel) == "INACTIVE"
    harness.put(t.online_in, 2)  # the trigger: a message on the transmission queue
    assert agent.run_once() == 1
    assert _status(harness.admin, t.sender_channel) == "RUNNING"


def test_sender_retries_while_partner_is_unreachable(harness: Harness, tmp_path) -> None:
    harness.need_embedded("channel agent")
    from gateway.transports.embedded.channels import ChannelAgent
    t = harness.settings.transport
    missing = tmp_path / "later"
    partner = EmbeddedTransport(f"sqlite:///{missing / 'sim.db'}", t.partner_queue_manager)
    agent = ChannelAgent(harness.transport, t.sender_channel, partner, clock=harness.clock,
                         retry_interval_s=5)
    harness.put(t.online_in, 1)
    assert agent.run_once() == 0
    channel = {c.name: c for c in harness.admin.channels()}[t.sender_channel]
    assert channel.status == "RETRYING" and channel.detail
    assert harness.queue_info(t.transmission_queue).depth == 1
    missing.mkdir()
    partner.ensure_schema()
    partner.define(default_definitions(harness.settings)[t.partner_queue_manager])
    assert agent.run_once() == 0  # not before the retry interval
    harness.clock.advance(5)
    assert agent.run_once() == 1
    assert _status(harness.admin, t.sender_channel) == "RUNNING"
    partner.close()


def test_stopped_receiver_makes_the_sender_retry(harness: Harness) -> None:
    harness.need_embedded("channel agent")
    t = harness.settings.transport
    harness.partner_admin.stop_channel(t.sender_channel)  # the partner's receiver, same name
    harness.put(t.online_in, 1)
    agent = harness.agent(retry_interval_s=1)
    assert agent.run_once() == 0
    assert _status(harness.admin, t.sender_channel) == "RETRYING"
    harness.partner_admin.start_channel(t.sender_channel)
    harness.clock.advance(1)
    assert agent.run_once() == 1


def test_definitions_are_idempotent_and_keep_channel_status(harness: Harness) -> None:
    harness.need_embedded("object definitions")
    t = harness.settings.transport
    before = harness.admin.queues()
    harness.admin.stop_channel(t.sender_channel)
    harness.transport.define(default_definitions(harness.settings)[t.queue_manager])
    assert harness.admin.queues() == before
    assert _status(harness.admin, t.sender_channel) == "STOPPED"
    kinds = {q.name: q.type for q in before}
    assert kinds[t.transmission_queue] == "transmission"
    assert kinds[t.batch_in] == "remote" and kinds[harness.settings.batch_out_queue] == "local"
    assert kinds[t.dead_letter_queue] == "local"
    with pytest.raises(ChannelNotFound):
        harness.admin.start_channel("NO.SUCH.CHANNEL")


def _consume(settings, queue: str, results, go) -> None:
    """A worker process: take messages until the queue stays empty; back out the first one."""
    from gateway.transport_factory import open_transport
    transport = open_transport(settings)
    go.wait(30)
    got, backed_out = [], False
    with transport.session() as s:
        while True:
            env = s.get(queue, wait_s=0.3)
            if env is None:
                break
            if not backed_out:
                backed_out = True
                s.backout()
                continue
            got.append(env.msg_id)
            s.commit()
    results.put(got)


def test_competing_consumers_in_processes_get_every_message_exactly_once(harness: Harness) -> None:
    per_process, processes = 20, 3
    expected = sorted(msg_id(n) for n in range(per_process * processes))
    boq = harness.queue_info(harness.queue).backout_queue
    if boq:
        harness.drain(boq)
    with harness.transport.session() as s:
        for n in range(per_process * processes):
            s.put(harness.queue, b"m", msg_id=msg_id(n), correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.commit()
    ctx = multiprocessing.get_context("fork")
    results, go = ctx.Queue(), ctx.Event()
    workers = [ctx.Process(target=_consume, args=(harness.settings, harness.queue, results, go))
               for _ in range(processes)]
    for w in workers:
        w.start()
    go.set()
    received = [m for _ in workers for m in results.get(timeout=120)]
    for w in workers:
        w.join(30)
        assert w.exitcode == 0
    # A message backed out by several workers in turn reaches the threshold and moves on.
    with harness.transport.session() as s:
        moved = [e.msg_id for e in s.browse(boq, 100)] if boq else []
    assert len(moved) < processes
    assert sorted(received + moved) == expected  # nothing lost, nothing twice


def test_joined_connection_commits_and_rolls_back_with_the_callers_changes(
        harness: Harness) -> None:
    harness.need_embedded("joins a SQLAlchemy connection")
    engine = harness.transport.engine
    effects = sa.Table("effects", sa.MetaData(), sa.Column("msg_id", sa.LargeBinary(24)))
    effects.metadata.create_all(engine)
    harness.put(harness.queue, 1)
    with engine.connect() as conn:
        with harness.transport.session(connection=conn) as s:
            conn.begin()
            env = s.get(harness.queue)
            conn.execute(effects.insert().values(msg_id=env.msg_id))
            s.put(harness.settings.transport.online_in, b"reply", msg_id=msg_id(9),
                  correl_id=env.msg_id, ccsid=1386)
            with pytest.raises(TransportError):
                s.backout()  # the caller's transaction must be rolled back first
            conn.rollback()
            s.backout()
        assert conn.execute(sa.select(sa.func.count()).select_from(effects)).scalar() == 0
        conn.rollback()
    assert harness.queue_info(harness.settings.transport.transmission_queue).depth == 0
    with engine.connect() as conn:
        with harness.transport.session(connection=conn) as s:
            conn.begin()
            env = s.get(harness.queue)
            assert env.backout_count == 1
            conn.execute(effects.insert().values(msg_id=env.msg_id))
            conn.commit()
            s.commit()
    assert harness.get(harness.queue) is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(effects.c.msg_id)).scalars().all() == [msg_id(1)]


def test_joined_connection_must_be_on_the_same_database(harness: Harness, tmp_path) -> None:
    harness.need_embedded("joins a SQLAlchemy connection")
    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with other.connect() as conn, pytest.raises(TransportError):
        with harness.transport.session(connection=conn):
            pass
    other.dispose()
