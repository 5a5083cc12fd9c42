"""The embedded store's reserve(): a consumer's batch taken in one statement. What it takes
must behave exactly as if each message had been got on its own: order, rollback, backout
counts, and never a message deleted unprocessed."""

from __future__ import annotations

import pytest

from gateway.transports.base import TransportError

from .conftest import Harness, msg_id


def _reserve_session(harness: Harness):
    harness.need_embedded("reserve() is the embedded store's batch claim")
    return harness.transport.session()


def test_reserved_messages_come_out_first_in_first_out(harness: Harness) -> None:
    for n in range(1, 6):
        harness.put(harness.queue, n)
    with _reserve_session(harness) as s:
        assert s.reserve(harness.queue, 3) == 3
        got = [s.get(harness.queue).msg_id for _ in range(4)]  # 3 reserved, then one more
        s.commit()
    assert got == [msg_id(n) for n in range(1, 5)]
    assert harness.get(harness.queue).msg_id == msg_id(5)
    assert harness.get(harness.queue) is None


def test_reserve_takes_no_more_than_there_is(harness: Harness) -> None:
    harness.put(harness.queue, 1)
    with _reserve_session(harness) as s:
        assert s.reserve(harness.queue, 50) == 1
        assert s.get(harness.queue).msg_id == msg_id(1)
        assert s.get(harness.queue) is None
        s.commit()
    with _reserve_session(harness) as s:
        assert s.reserve(harness.queue, 50) == 0


def test_commit_refuses_while_reserved_messages_are_left(harness: Harness) -> None:
    for n in (1, 2):
        harness.put(harness.queue, n)
    with _reserve_session(harness) as s:
        s.reserve(harness.queue, 2)
        s.get(harness.queue)
        with pytest.raises(TransportError, match="reserved"):
            s.commit()
        s.backout()
    # Both are back; only the one handed out counts a backout.
    first, second = harness.get(harness.queue), harness.get(harness.queue)
    assert (first.msg_id, first.backout_count) == (msg_id(1), 1)
    assert (second.msg_id, second.backout_count) == (msg_id(2), 0)


def test_backout_returns_reserved_messages_uncounted(harness: Harness) -> None:
    for n in (1, 2, 3):
        harness.put(harness.queue, n)
    with _reserve_session(harness) as s:
        s.reserve(harness.queue, 3)
        s.backout()
        again = [s.get(harness.queue) for _ in range(3)]
        s.commit()
    assert [(e.msg_id, e.backout_count) for e in again] == [(msg_id(n), 0) for n in (1, 2, 3)]
