"""Fuzzing the codec from the golden messages (tests/support/hostile.py): whatever arrives, decode
returns a message or raises MessageRejected, never anything else; what the interface forbids is
refused; an error answer is built exactly when one is due, and it is a valid message."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.codec import Codec, MessageRejected
from gateway.codec.schemas import SchemaSet
from gateway.wire import rejects
from tests.support import hostile

CODEC = Codec()
BUILDERS = sorted(hostile.HOSTILE) + ["valid"]
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def build(kind: str, rnd: random.Random) -> hostile.Case:
    builder = hostile.valid if kind == "valid" else hostile.HOSTILE[kind]
    return builder(rnd, hostile.MsgIds())


@FUZZ
@given(kind=st.sampled_from(BUILDERS), rnd=st.randoms(use_true_random=False))
def test_decode_raises_only_its_documented_error(kind: str, rnd: random.Random) -> None:
    case = build(kind, rnd)
    try:
        message = CODEC.decode(case.data, ccsid=hostile.envelope_ccsid(case))
    except MessageRejected as rej:
        assert not case.expect, f"{kind}: a message that must be taken was refused: {rej.reason}"
        assert rej.code in ("92004", "92005") and "\n" not in rej.reason
        if case.must_not_answer:
            assert not (rej.answerable and rej.src == hostile.ETS and rej.des == hostile.GW)
        answer = rejects.encoded_error_answer(rej, dt.date(2024, 11, 5), "20241105093000999999",
                                              CODEC)
        assert (answer is not None) == rej.answerable
        if answer is not None:
            back = CODEC.decode(answer.data)  # what goes out is itself a valid message
            assert back.head.msg_ref == rej.msg_id and back.head.msg_no in hostile.ERROR_ANSWERS
        return
    assert not case.must_reject, f"{kind}: accepted what the interface refuses: {case.data[:200]!r}"
    assert message.head.msg_id


def test_every_golden_message_still_decodes() -> None:
    for name, data in hostile.GOLDEN.items():
        assert CODEC.decode(data).head.msg_no == name.split("_")[0]


def test_many_attributes_do_not_reach_the_slow_precise_report(monkeypatch) -> None:
    """Regression: xmlschema's report is quadratic in an element's attributes (800 on CFX took
    8 s, 5,000 minutes), so such a message is reported from libxml2's error log instead."""
    def refuse(self, msg_no, root):
        raise AssertionError("the precise report was asked for a document full of attributes")

    monkeypatch.setattr(SchemaSet, "_precise_report", refuse)
    data = hostile.restamp(hostile.GOLDEN["9005"], "20241105093000000001")
    data = data.replace(b"<CFX>", b"<CFX " + b" ".join(b'a%d="1"' % i for i in range(5000)) + b">")
    with pytest.raises(MessageRejected) as caught:
        CODEC.decode(data)
    assert "attribute" in caught.value.reason and caught.value.answerable


ATHERIS = Path(__file__).with_name("atheris_codec.py")


def test_atheris_short_run(tmp_path: Path) -> None:
    """A coverage-guided run of libFuzzer over the decoder, seeded with the golden messages (in
    a child process: libFuzzer exits the process when it is done)."""
    try:
        import atheris  # noqa: F401
    except ImportError:
        pytest.skip("atheris is not installed (pip install '.[fuzz]')")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in hostile.GOLDEN.items():
        (corpus / name).write_bytes(data)
    done = subprocess.run([sys.executable, str(ATHERIS), "-runs=5000", "-max_len=8192", "-seed=1",
                           str(corpus)], capture_output=True, text=True, timeout=240,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done 5000 runs" in done.stderr
