"""libFuzzer (atheris) target: the decoder and the error answer of a refusal. Any exception other
than MessageRejected is a finding. Run by tests/unit/codec/test_fuzz.py::test_atheris_short_run,
or longer by hand: ``python tests/unit/codec/atheris_codec.py -max_total_time=600 CORPUS_DIR``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

# Coverage guidance for the gateway's own code only: instrumenting every library it imports
# (xmlschema, structlog, sqlalchemy …) costs more than the short run itself.
with atheris.instrument_imports(include=["gateway"]):
    from gateway.codec import Codec, MessageRejected
    from gateway.wire import rejects

CODEC = Codec()
DAY = dt.date(2024, 11, 5)


def one_input(data: bytes) -> None:
    try:
        CODEC.decode(data)
    except MessageRejected as rej:
        if rej.answerable:
            rejects.encoded_error_answer(rej, DAY, "20241105093000999999", CODEC)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
