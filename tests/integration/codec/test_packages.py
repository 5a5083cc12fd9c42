"""Large packages: 3000-item 1102, 2102 and 3122 stream through iterparse (memory flat) and
round-trip; errors deep inside a package are found and named."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from gateway.codec import Codec, MessageRejected, parsing
from gateway.codec.messages import BatchHead3122, CompDeduct3122, Msg3122
from tests.unit.codec.samples import ETS, GW, head, message_1102, message_2102

CODEC = Codec()


@pytest.fixture
def stream_watch(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Largest number of children MSG held while a package streamed (one entry per decode).
    libxml2 parses ahead by one read chunk, so this is bounded by the chunk, not the package."""
    widths: list[int] = []
    original = parsing.iter_blocks

    def watched(*args: Any) -> Iterator[Any]:
        widest = 0
        try:
            for element in original(*args):
                parent = element.getparent()
                widest = max(widest, len(parent) if parent is not None else 0)
                yield element
        finally:
            widths.append(widest)

    monkeypatch.setattr(parsing, "iter_blocks", watched)
    return widths


def message_3122(items: int) -> Any:
    deducts = tuple(
        CompDeduct3122("4401000000", "1102", "14401060000", date(2024, 11, 5), "00000045", f"{n:08d}",
                       f"3440106241105{n:05d}", Decimal("1876.00"), date(2024, 11, 6), "20")
        for n in range(1, items + 1)
    )
    total = Decimal("1876.00") * items
    return dataclasses.replace(message_2102(1), head=head("3122", "20241106003000004701", ETS, GW),
                               body=Msg3122(BatchHead3122(date(2024, 11, 5), "00000009", "14401060000", items, total,
                                                          1, 1, items, total), deducts))


def test_3000_item_1102_round_trips_through_the_stream(stream_watch: list[int]) -> None:
    message = message_1102(3000)
    data = CODEC.encode(message)
    assert len(data) > 1024 * 1024
    assert CODEC.decode(data, ccsid=1386) == message
    assert stream_watch and max(stream_watch) < 300  # of 3000 items: cleared as they are built


def test_3000_item_2102_and_3122_stream(stream_watch: list[int]) -> None:
    for message in (message_2102(3000), message_3122(3000)):
        assert CODEC.decode(CODEC.encode(message)) == message
    assert len(stream_watch) == 2 and max(stream_watch) < 300


def test_small_packages_take_the_tree_path(stream_watch: list[int]) -> None:
    assert CODEC.decode(CODEC.encode(message_1102(2))) == message_1102(2)
    assert stream_watch == []


def test_a_format_error_deep_in_a_streamed_package_is_named() -> None:
    data = CODEC.encode(message_2102(3000))
    bad = data.replace(b"<OriTraNo>00002999</OriTraNo><TraAmt>100.50</TraAmt>",
                       b"<OriTraNo>00002999</OriTraNo><TraAmt>100.5</TraAmt>")
    with pytest.raises(MessageRejected) as caught:
        CODEC.decode(bad)
    assert caught.value.reason.startswith("/CFX/MSG/BatchReturn2102[2999]/TraAmt")
    assert caught.value.answerable and caught.value.head is not None


def test_a_rule_broken_deep_in_a_streamed_package_is_named() -> None:
    data = CODEC.encode(message_2102(3000))
    bad = data.replace(b"<OriTraNo>00002999</OriTraNo><TraAmt>100.50</TraAmt><TaxVouNo>344010624110502999</TaxVouNo>"
                       b"<TaxDate>20241106</TaxDate>",
                       b"<OriTraNo>00002999</OriTraNo><TraAmt>100.50</TraAmt><TaxVouNo>344010624110502999</TaxVouNo>")
    assert bad != data
    with pytest.raises(MessageRejected, match=r"BatchReturn2102\[2999\]/TaxDate: missing"):
        CODEC.decode(bad)


def test_item_limits() -> None:
    big = Codec(max_package_items=3001).encode(message_1102(3001))
    with pytest.raises(MessageRejected) as caught:
        CODEC.decode(big)
    assert caught.value.code == "92005" and caught.value.answerable
    assert len(Codec(max_package_items=3001).decode(big).body.payment1102) == 3001
    sub = Codec(validate=False).encode(message_3122(3001))
    with pytest.raises(MessageRejected, match="CurPackNum"):
        CODEC.decode(sub)


def test_a_misleading_msgno_hint_does_not_break_a_valid_package(stream_watch: list[int]) -> None:
    # The stream picks its schema from the first <MsgNo> in the text; one inside a comment
    # points to the wrong schema, the stream fails, and the tree path decodes correctly.
    message = message_2102(3000)
    data = CODEC.encode(message).replace(b"<CFX>", b"<CFX><!-- <MsgNo>1102</MsgNo> -->", 1)
    assert CODEC.decode(data) == message
    assert len(stream_watch) == 1
