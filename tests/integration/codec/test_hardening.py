"""Hostile input (§3.1 rules 5, 6): DTDs, entity bombs, external entities, oversize, garbage.

Each is refused without expanding, fetching or reading anything, and without an answer when
HEAD cannot be trusted.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from gateway.codec import Codec, MessageRejected
from gateway.codec import parsing
from tests.unit.codec.samples import message_1001

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"
VALID_1001 = (FIXTURES / "valid" / "1001.xml").read_bytes()
DECL = b'<?xml version="1.0" encoding="GBK"?>\n'


def rejected(data: bytes, codec: Codec | None = None) -> MessageRejected:
    with pytest.raises(MessageRejected) as caught:
        (codec or Codec()).decode(data)
    return caught.value


def with_doctype(doctype: str, remark: str = "&x;") -> bytes:
    body = VALID_1001[len(DECL):].replace("<Remark>2024年10月社会保险费</Remark>".encode("gbk"),
                                           f"<Remark>{remark}</Remark>".encode())
    return DECL + doctype.encode() + b"\n" + body


def assert_refused_unread(error: MessageRejected) -> None:
    assert error.code == "92004" and "DOCTYPE" in error.reason
    assert error.head is None and not error.head_readable and not error.answerable


def test_parser_options_are_hardened() -> None:
    assert parsing.OPTIONS["resolve_entities"] is False and parsing.OPTIONS["no_network"] is True
    assert parsing.OPTIONS["load_dtd"] is False and parsing.OPTIONS["dtd_validation"] is False
    assert parsing.OPTIONS["huge_tree"] is False


def test_billion_laughs_is_refused_without_expansion() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    data = with_doctype(f'<!DOCTYPE CFX [<!ENTITY l0 "lol">{entities}]>', "&l11;")
    start = time.perf_counter()
    error = rejected(data)
    assert time.perf_counter() - start < 2.0  # 10^11 "lol"s were never built
    assert_refused_unread(error)
    assert "lollol" not in str(error)


def test_external_entity_on_a_local_file_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a")
    error = rejected(with_doctype(f'<!DOCTYPE CFX [<!ENTITY x SYSTEM "file://{secret}">]>'))
    assert_refused_unread(error)
    assert "TOP-SECRET" not in repr(error.__dict__) + str(error)


def test_external_entity_on_etc_passwd() -> None:
    error = rejected((FIXTURES / "invalid" / "xxe_passwd.xml").read_bytes())
    assert_refused_unread(error)
    assert "root:" not in str(error)


def test_external_entity_is_not_even_opened(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer appears: if the parser tried to read
    # the entity, decode() would hang here instead of returning.
    fifo = tmp_path / "entity.fifo"
    os.mkfifo(fifo)
    data = with_doctype(f'<!DOCTYPE CFX [<!ENTITY x SYSTEM "file://{fifo}">]>')
    outcome: list[BaseException] = []
    worker = threading.Thread(target=lambda: outcome.append(rejected(data)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # release the blocked reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("the parser opened the external entity")
    assert outcome and isinstance(outcome[0], MessageRejected)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE CFX SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE CFX PUBLIC "-//X//EN" "http://127.0.0.1:9/x.dtd">',
        '<!DOCTYPE CFX [<!ELEMENT CFX ANY>]>',
        '<!DOCTYPE CFX>',
    ],
)
def test_any_doctype_is_refused(doctype: str) -> None:
    assert_refused_unread(rejected(with_doctype(doctype, "2024")))


def test_doctype_text_inside_a_comment_is_harmless() -> None:
    data = VALID_1001.replace(b"<MSG>", b"<MSG><!-- <!DOCTYPE is just text here -->", 1)
    assert Codec().decode(data) == Codec().decode(VALID_1001)


def test_a_5_mib_message_is_not_parsed_and_not_answered() -> None:
    padding = b"<!--" + b"x" * (5 * 1024 * 1024) + b"-->"
    data = VALID_1001.replace(b"<MSG>", b"<MSG>" + padding, 1)
    assert len(data) > 5 * 1024 * 1024
    error = rejected(data)
    assert error.too_large and not error.answerable and error.head is None
    assert error.code == "92004" and "exceeds the limit of 4194304 bytes" in error.reason
    assert (error.msg_no, error.msg_id) == ("1001", "20241105093015000123")  # for the log only


def test_the_size_limit_is_inclusive() -> None:
    data = Codec().encode(message_1001())
    assert Codec(max_bytes=len(data)).decode(data) == message_1001()
    assert rejected(data, Codec(max_bytes=len(data) - 1)).too_large


def test_deep_nesting_is_refused_quickly() -> None:
    depth = 100_000
    data = VALID_1001.replace(b"<MSG>", b"<MSG>" + b"<a>" * depth + b"</a>" * depth, 1)
    error = rejected(data, Codec(max_bytes=8 * 1024 * 1024))
    assert error.code == "92004" and error.answerable


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02", b"<?xml version=\"1.0\" encoding=\"GBK\"?>", b"<?xml version=\"1.0\" encoding=\"GBK\"?>\n<CFX>",
     b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\xff\xfe<CFX/>", DECL + b"<CFX/>", DECL + b"<CFX><HEAD/><MSG/></CFX>"],
)
def test_garbage_is_rejected_cleanly(data: bytes) -> None:
    error = rejected(data)
    assert error.code == "92004" and not error.answerable and error.head is None


def test_truncated_message_is_not_answered_but_keeps_its_head_for_the_log() -> None:
    # §11 row 3.1: not well-formed counts as HEAD not readable, even when HEAD could be read.
    error = rejected(VALID_1001[:900])
    assert not error.answerable and not error.head_readable and error.head is None
    assert (error.msg_no, error.msg_id) == ("1001", "20241105093015000123")  # for the log only
    assert "not well-formed" in error.reason
    assert Codec().read_head(VALID_1001[:900]).msg_id == "20241105093015000123"


def test_unknown_msgno_is_not_answered() -> None:
    error = rejected((FIXTURES / "invalid" / "unknown_msgno.xml").read_bytes())
    assert "unknown MsgNo '1234'" in error.reason
    assert error.head_readable and not error.answerable and error.msg_no == "1234"


def test_a_doctype_makes_head_unreadable_even_when_the_bytes_are_bad() -> None:
    data = with_doctype('<!DOCTYPE CFX [<!ENTITY x "y">]>').replace(b'encoding="GBK"', b'encoding="GB2312"')
    error = rejected(data)
    assert "GB2312" in error.reason and not error.head_readable and not error.answerable
