"""MQMD identifiers (§2.2), queue classes and answering rules (§2.1, §3.1 rule 8), encodings."""

from __future__ import annotations

import pytest

from gateway.codec import (
    ANSWERED_WHEN_INVALID, BODY_CLASSES, CCSID_OF, CLASS_OF, ENCODING_OF_CCSID, NEVER_ANSWERED, REPLY_MSG_NOS,
    REQ_CORREL_ID, Codec, correl_id_for, invalid_answer_msg_no, is_reply, mqmd_to_msg_id, msg_id_to_mqmd,
)
from gateway.codec.charsets import canonical_encoding, declaration, read_declaration


def test_msg_id_to_mqmd_matches_the_section_10_1_example() -> None:
    mqmd = msg_id_to_mqmd("20241105093015000123")
    assert mqmd.hex() == "3230323431313035303933303135303030313233" + "00000000"
    assert len(mqmd) == 24
    assert mqmd_to_msg_id(mqmd) == "20241105093015000123"


@pytest.mark.parametrize("bad", ["2024110509301500012", "2024110509301500012X", "２０２４１１０５０９３０１５０００１２３"])
def test_msg_id_must_be_20_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="20 ASCII digits"):
        msg_id_to_mqmd(bad)


def test_mqmd_to_msg_id_refuses_foreign_ids() -> None:
    assert mqmd_to_msg_id(REQ_CORREL_ID) is None
    assert mqmd_to_msg_id(b"1" * 24) is None
    assert mqmd_to_msg_id(b"1" * 20) is None


def test_req_correl_id_is_req_and_21_nuls() -> None:
    assert REQ_CORREL_ID.hex() == "524551" + "00" * 21


def test_replies_are_exactly_the_section_2_2_list() -> None:
    assert REPLY_MSG_NOS == {"9115", "9120", "9121", "9122", "2001", "2021", "1009", "9004", "2102", "2123"}
    assert is_reply("2102") and not is_reply("1102")


def test_correl_id_for_replies_and_requests() -> None:
    assert correl_id_for("9120", "20241105093015000123") == msg_id_to_mqmd("20241105093015000123")
    assert correl_id_for("1001") == REQ_CORREL_ID
    assert correl_id_for("9101", "20241105093015000123") == REQ_CORREL_ID
    with pytest.raises(ValueError, match="is a reply"):
        correl_id_for("2001")


def test_every_message_has_a_queue_class() -> None:
    assert set(CLASS_OF) == set(BODY_CLASSES)
    assert {n for n, c in CLASS_OF.items() if c == "BATCH"} == {
        "1102", "2102", "1123", "2123", "3122", "3128", "9101", "9121", "9122"}


def test_answered_when_invalid_is_the_section_3_1_list() -> None:
    assert ANSWERED_WHEN_INVALID == {
        "9114", "1001", "1021", "2091", "2108", "9003", "9005", "1102", "2102", "1123", "3122", "3128"}
    assert NEVER_ANSWERED == {"9115", "9120", "9121", "9122", "2001", "2021", "1009", "9004", "2123", "9101"}


@pytest.mark.parametrize(
    ("msg_no", "key_readable", "answer"),
    [("1001", True, "9120"), ("9005", True, "9120"), ("1102", True, "9121"), ("3128", False, "9121"),
     ("2091", True, "1009"), ("2091", False, "9120"), ("9115", True, None), ("4321", True, None)],
)
def test_invalid_answer_msg_no(msg_no: str, key_readable: bool, answer: str | None) -> None:
    assert invalid_answer_msg_no(msg_no, key_readable) == answer


def test_encodings_and_ccsids() -> None:
    assert CCSID_OF == {"GBK": 1386, "GB18030": 5488, "UTF-8": 1208}
    assert ENCODING_OF_CCSID[5488] == "GB18030"
    assert [Codec(e).ccsid for e in ("GBK", "gb18030", "utf-8")] == [1386, 5488, 1208]
    assert canonical_encoding("gbk") == "GBK"
    assert declaration("utf-8") == b'<?xml version="1.0" encoding="UTF-8"?>'
    for alias in ("GB2312", "UTF8", "CP936"):
        with pytest.raises(ValueError, match="not GBK, GB18030 or UTF-8"):
            Codec(alias)


@pytest.mark.parametrize(
    ("prolog", "encoding", "problem"),
    [
        (b"<?xml version='1.0' encoding='gb18030'?><CFX/>", "GB18030", None),
        (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><CFX/>', "UTF-8", None),
        (b' <?xml version="1.0" encoding="GBK"?><CFX/>', None, "missing"),
        (b'<?xml version="1.1" encoding="GBK"?><CFX/>', None, "missing"),
        (b'<?xml version="1.0"?><CFX/>', None, "names no encoding"),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><CFX/>', None, "byte-order mark"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><CFX/>', None, "not GBK"),
    ],
)
def test_read_declaration(prolog: bytes, encoding: str | None, problem: str | None) -> None:
    found, end, why = read_declaration(prolog)
    assert found == encoding
    assert (why is None) == (problem is None)
    if problem:
        assert problem in why  # type: ignore[operator]
    else:
        assert prolog[end:] == b"<CFX/>"
