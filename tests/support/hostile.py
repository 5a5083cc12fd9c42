"""Hostile inbound traffic for the fuzz tests and ``bench/fuzz.py``: mutations of the golden
messages (tests/fixtures/messages/valid), wrong encodings, XML attacks, unknown message numbers,
replies to requests never sent, misaddressed and duplicate messages, mixed with valid traffic.

Every message is built from a ``random.Random`` so a run is reproducible from its seed, and the
hypothesis tests drive the same builders with ``st.randoms()``. A :class:`Case` says what the
interface requires of it as far as that follows from its kind alone (``must_reject``,
``must_not_answer``, ``expect``); the rest is decided by :func:`oracle`, which asks the codec
what it makes of the bytes (the codec's own verdict is fuzzed separately) and derives what the
inbound processor must do with them (§3.1 rule 8, §2.3, §3.2).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.codec import Codec, MessageRejected
from gateway.codec.routing import CLASS_OF
from gateway.wire.registry import INBOUND

ETS, GW = "100000000000", "244000000000"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "messages" / "valid"
GOLDEN: dict[str, bytes] = {p.stem: p.read_bytes() for p in sorted(FIXTURES.glob("*.xml"))}
#: Golden messages of the kinds the ETS sends to the gateway (the inbound registry's numbers).
INBOUND_GOLDEN = {name: data for name, data in GOLDEN.items() if name.split("_")[0] in INBOUND}
#: Replies: their MsgRef names a request of ours; here it names one that was never sent.
REPLIES = ("9120", "9115", "2001", "2021", "9004", "2123", "9121", "9122", "2102")
ERROR_ANSWERS = ("9120", "9121", "1009")

HOSTILE_TEXTS = (
    "X" * 5000, "\u0007\u0001", "\U0001F600", "\U00020000名", "' OR '1'='1' --", "1; DROP TABLE levy;",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "&amp;&quot;", "-1", "99999999999999999999.999", "",
    " ", "２０２４１１０５", "NaN", "0x41", "\ue000" * 40, "%s%s%n", "../../etc/passwd",
)


@dataclass(frozen=True)
class Case:
    """One message to deliver. ``msg_id`` is the HEAD MsgID it was built with (the MQMD MsgId
    is made from it); ``expect`` is the outcome its kind requires, when the kind decides it."""

    kind: str
    data: bytes
    msg_id: str
    msg_no: str
    ccsid: int | None = None  # MQMD CodedCharSetId when it differs from the declaration
    must_reject: bool = False
    must_not_answer: bool = False
    expect: str = ""  # PROCESSED (answered) | DUPLICATE | NOT_REJECTED | "" (oracle decides)


class MsgIds:
    """Fresh, well-formed MsgIDs (§4.2: 14 digits of time and a 6-digit serial), unique per run."""

    def __init__(self, stamp: str = "20241105093000", start: int = 500000) -> None:
        self.stamp, self.n = stamp, start

    def __call__(self) -> str:
        self.n += 1
        return f"{self.stamp}{self.n:06d}"


def restamp(data: bytes, msg_id: str, msg_ref: str | None = None, src: str = ETS,
            des: str = GW, work_date: str = "20241105") -> bytes:
    """The golden message as the ETS would send it to this gateway, under a new MsgID."""
    subs = {b"SRC": src, b"DES": des, b"MsgID": msg_id, b"MsgRef": msg_ref or msg_id,
            b"WorkDate": work_date}
    for tag, value in subs.items():
        data = re.sub(rb"<" + tag + rb">[^<]*</" + tag + rb">",
                      b"<" + tag + b">" + value.encode() + b"</" + tag + b">", data, count=1)
    return data


def _msg_no(data: bytes) -> str:
    found = re.search(rb"<MsgNo>([^<]*)</MsgNo>", data)
    return found.group(1).decode("ascii", "replace") if found else ""


def _pick(rnd: random.Random, golden: dict[str, bytes]) -> tuple[str, bytes]:
    name = rnd.choice(sorted(golden))
    return name, golden[name]


def _declared_codec(data: bytes) -> str:
    found = re.search(rb'encoding="([^"]+)"', data[:100])
    return {"GBK": "gbk", "GB18030": "gb18030"}.get(found.group(1).decode() if found else "", "utf-8")


# -- builders: (rnd, ids) -> Case ------------------------------------------------------------------

def byte_mutation(rnd: random.Random, ids: MsgIds) -> Case:
    _name, golden = _pick(rnd, GOLDEN)
    msg_id = ids()
    data = bytearray(restamp(golden, msg_id))
    for _ in range(rnd.randint(1, 8)):
        op, at = rnd.randrange(4), rnd.randrange(len(data))
        if op == 0:
            data[at] = rnd.randrange(256)
        elif op == 1:
            del data[at:at + rnd.randint(1, 20)]
        elif op == 2:
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 20)))
        else:
            data[at:at] = rnd.choice([b"<", b">", b"&", b"]]>", b"</MSG>", b"<CFX>", b"\x00", b"\xff\xfe"])
    if rnd.random() < 0.1:
        data = data[: rnd.randrange(len(data))]
    return Case("byte_mutation", bytes(data), msg_id, _msg_no(bytes(data)))


def text_mutation(rnd: random.Random, ids: MsgIds) -> Case:
    """A hostile text in one leaf element (the HEAD's too): the document stays well-formed."""
    _name, golden = _pick(rnd, GOLDEN)
    msg_id = ids()
    data = restamp(golden, msg_id)
    codec = _declared_codec(data)
    text = data.decode(codec)
    leaves = list(re.finditer(r">([^<>]*)</(\w+)>", text))
    leaf = rnd.choice(leaves)
    value = rnd.choice(HOSTILE_TEXTS)
    text = text[: leaf.start(1)] + value + text[leaf.end(1):]
    data = text.encode(codec, errors="xmlcharrefreplace")
    return Case("text_mutation", data, msg_id, _msg_no(data))


def structure_mutation(rnd: random.Random, ids: MsgIds) -> Case:
    """An element removed, repeated, renamed or moved; the document stays well-formed."""
    _name, golden = _pick(rnd, GOLDEN)
    msg_id = ids()
    data = restamp(golden, msg_id)
    elements = list(re.finditer(rb"<(\w+)>[^<>]*</\1>", data))
    el = rnd.choice(elements)
    whole, tag = el.group(0), el.group(1)
    op = rnd.randrange(4)
    if op == 0:
        data = data[: el.start()] + data[el.end():]
    elif op == 1:
        data = data[: el.end()] + whole * rnd.randint(1, 3) + data[el.end():]
    elif op == 2:
        renamed = whole.replace(tag, tag + b"X")
        data = data[: el.start()] + renamed + data[el.end():]
    else:
        data = data[: el.start()] + data[el.end():]
        at = data.rfind(b"</MSG>")
        data = data[:at] + whole + data[at:] if at > 0 else data + whole
    return Case("structure_mutation", data, msg_id, _msg_no(data))


def wrong_encoding(rnd: random.Random, ids: MsgIds) -> Case:
    name, golden = _pick(rnd, INBOUND_GOLDEN)
    msg_id = ids()
    data = restamp(golden, msg_id)
    text = data.decode(_declared_codec(data))
    body = text.split("?>", 1)[1]
    chinese = body.replace("<MSG>", "<MSG><!--中文注释-->", 1) if "<MSG>" in body else body
    variants: list[tuple[bytes, int | None]] = [
        (b'<?xml version="1.0" encoding="GBK"?>' + chinese.encode("utf-8"), None),
        (b'<?xml version="1.0" encoding="UTF-8"?>' + chinese.encode("gbk", "replace"), None),
        ('<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + chinese.encode("utf-16-le"), None),
        (b'<?xml version="1.0" encoding="Big5"?>' + body.encode("utf-8"), None),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body.encode("utf-8"), None),
        (b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="GBK"?>' + chinese.encode("gbk"), None),
        (body.encode("utf-8"), None),  # no declaration at all
        (b'<?xml version="1.0" encoding="GBK"?>' + chinese.encode("gbk"), 1208),  # MQMD says UTF-8
        (b'<?xml version="1.0" encoding="UTF-8"?>' + chinese.encode("utf-8"), 1386),  # MQMD says GBK
        (b'<?xml version="1.0" encoding="GBK"?>' + chinese.encode("gbk") + b"\x81", None),
    ]
    data, ccsid = rnd.choice(variants)
    return Case("wrong_encoding", data, msg_id, name.split("_")[0], ccsid=ccsid, must_reject=True)


def _decl_and_body(rnd: random.Random, ids: MsgIds) -> tuple[str, bytes, bytes]:
    _name, golden = _pick(rnd, INBOUND_GOLDEN)
    msg_id = ids()
    data = restamp(golden, msg_id)
    end = data.index(b"?>") + 2
    return msg_id, data[:end], data[end:]


def xml_attack(rnd: random.Random, ids: MsgIds) -> Case:
    msg_id, decl, body = _decl_and_body(rnd, ids)
    with_ref = body.replace(b"<MSG>", b"<MSG>&x;", 1)
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    attacks = [
        f'<!DOCTYPE CFX [<!ENTITY l0 "lol">{laughs}<!ENTITY x "&l9;">]>'.encode() + with_ref,
        b'<!DOCTYPE CFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + with_ref,
        b'<!DOCTYPE CFX [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil.dtd">]>' + with_ref,
        b'<!DOCTYPE CFX [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>' + body,
        b'<!DOCTYPE CFX SYSTEM "http://127.0.0.1:9/cfx.dtd">' + body,
        b"<!DOCTYPE CFX [<!ELEMENT CFX ANY>]>" + body,
        body.replace(b"<CFX>", b'<CFX a="' + b"A" * rnd.choice([10_000, 200_000, 1_000_000]) + b'">', 1),
        body.replace(b"<CFX>", b"<CFX " + b" ".join(b'a%d="1"' % i for i in range(5000)) + b">", 1),
        body.replace(b"<MSG>", b"<MSG>" + b"<d>" * 5000 + b"</d>" * 5000, 1),
        body.replace(b"<MSG>", b'<MSG><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                     b'href="file:///etc/passwd" parse="text"/>', 1),
        body.replace(b"<MSG>", b"<MSG><![CDATA[" + b"]]" * 100 + b"]]>", 1),
    ]
    if rnd.random() < 0.05:
        # A processing instruction is well-formed XML that no processor of ours acts on: the
        # message may be taken as it stands; nothing may be fetched.
        data = body.replace(b"<CFX>", b'<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?><CFX>', 1)
        return Case("xml_attack", decl + data, msg_id, _msg_no(data))
    return Case("xml_attack", decl + rnd.choice(attacks), msg_id, "", must_reject=True)


def oversized(rnd: random.Random, ids: MsgIds, limit: int = 4 * 1024 * 1024) -> Case:
    """Over the 4 MiB limit of §3.1 rule 6 (built rarely: it is large)."""
    msg_id, decl, body = _decl_and_body(rnd, ids)
    padding = b"<!--" + b"p" * (limit + 1024) + b"-->"
    data = decl + body.replace(b"<MSG>", b"<MSG>" + padding, 1)
    return Case("oversized", data, msg_id, _msg_no(data), must_reject=True, must_not_answer=True)


def unknown_msg_no(rnd: random.Random, ids: MsgIds) -> Case:
    name, golden = _pick(rnd, INBOUND_GOLDEN)
    msg_id = ids()
    old = name.split("_")[0]
    new = rnd.choice(["9999", "0000", "1002", "2000", "ABCD", "91O1", "12345", ""])
    data = restamp(golden, msg_id).replace(f"<MsgNo>{old}</MsgNo>".encode(),
                                           f"<MsgNo>{new}</MsgNo>".encode(), 1)
    if rnd.random() < 0.5:
        data = data.replace(old.encode(), new.encode())  # the body's element names too
    return Case("unknown_msg_no", data, msg_id, new, must_reject=True, must_not_answer=True)


def unknown_reply(rnd: random.Random, ids: MsgIds) -> Case:
    """A valid reply whose MsgRef names a request the gateway never sent."""
    names = [n for n in INBOUND_GOLDEN if n.split("_")[0] in REPLIES]
    name = rnd.choice(sorted(names))
    msg_id = ids()
    data = restamp(INBOUND_GOLDEN[name], msg_id, msg_ref=f"20240101000000{rnd.randrange(10**6):06d}")
    return Case("unknown_reply", data, msg_id, name.split("_")[0], expect="NOT_REJECTED")


def misaddressed(rnd: random.Random, ids: MsgIds) -> Case:
    name, golden = _pick(rnd, INBOUND_GOLDEN)
    msg_id = ids()
    other = f"{rnd.randrange(10**12):012d}"
    src, des = (other, GW) if rnd.random() < 0.5 else (ETS, other)
    data = restamp(golden, msg_id, src=src, des=des)
    return Case("misaddressed", data, msg_id, name.split("_")[0], must_not_answer=True)


def valid(rnd: random.Random, ids: MsgIds) -> Case:
    """Good traffic that the gateway answers: a 9005 link test or a 2091 counter query (each
    with its own QueryNo, so the business-key de-duplication does not take it)."""
    msg_id = ids()
    if rnd.random() < 0.5:
        data = restamp(GOLDEN["9005"], msg_id)
        return Case("valid", data, msg_id, "9005", expect="PROCESSED")
    data = restamp(GOLDEN["2091"], msg_id)
    data = re.sub(rb"<QueryNo>\d+</QueryNo>", b"<QueryNo>%08d</QueryNo>" % (int(msg_id[-6:]) + 1), data)
    return Case("valid", data, msg_id, "2091", expect="PROCESSED")


def duplicate_of(case: Case) -> Case:
    """The same message again (MQ redelivery or an ETS resend): processed once in effect."""
    return Case("duplicate", case.data, case.msg_id, case.msg_no, expect="DUPLICATE")


HOSTILE: dict[str, Callable[[random.Random, MsgIds], Case]] = {
    "byte_mutation": byte_mutation, "text_mutation": text_mutation,
    "structure_mutation": structure_mutation, "wrong_encoding": wrong_encoding,
    "xml_attack": xml_attack, "unknown_msg_no": unknown_msg_no, "unknown_reply": unknown_reply,
    "misaddressed": misaddressed,
}


def traffic(n: int, seed: int, valid_share: float = 0.3, duplicate_share: float = 0.05,
            oversized_every: int = 2500) -> Iterator[Case]:
    """``n`` messages: valid ones, each hostile kind in turn, duplicates of earlier valid ones."""
    rnd, ids = random.Random(seed), MsgIds()
    kinds = sorted(HOSTILE)
    sent_valid: list[Case] = []
    for i in range(n):
        roll = rnd.random()
        if oversized_every and i % oversized_every == oversized_every - 1:
            yield oversized(rnd, ids)
        elif roll < valid_share:
            case = valid(rnd, ids)
            sent_valid.append(case)
            yield case
        elif roll < valid_share + duplicate_share and sent_valid:
            yield duplicate_of(rnd.choice(sent_valid))
        else:
            yield HOSTILE[kinds[i % len(kinds)]](rnd, ids)


# -- the oracle -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """What the processor must do with one message."""

    rejected: bool  # the codec refuses it: REJECTED, error store, backout queue
    answered: bool  # an error answer (92004/92005) with MsgRef = the MsgID is due
    misaddressed: bool  # decodes, but not ETS → this gateway: error store, backout, no answer
    msg_id: str | None  # the MsgID the codec read, when it could
    reason: str = ""


def envelope_ccsid(case: Case) -> int:
    """The MQMD CodedCharSetId the sender puts on it: the declared encoding's, unless the case
    is about a mismatch."""
    if case.ccsid is not None:
        return case.ccsid
    found = re.search(rb'encoding="([^"]+)"', case.data[:100])
    return {b"GBK": 1386, b"GB18030": 5488}.get(found.group(1) if found else b"", 1208)


def oracle(codec: Codec, case: Case, seen: set[str]) -> Expected:
    """The interface's verdict on ``case`` given the MsgIDs already processed (``seen``)."""
    try:
        msg = codec.decode(case.data, ccsid=envelope_ccsid(case))
    except MessageRejected as rej:
        ours = rej.src == ETS and rej.des == GW
        fresh = bool(rej.msg_id) and rej.msg_id not in seen
        return Expected(True, rej.answerable and ours and fresh, False, rej.msg_id, rej.reason)
    head = msg.head
    wrong = head.src != ETS or head.des != GW
    return Expected(False, False, wrong, head.msg_id)


def queue_class(case: Case) -> str:
    """Which inbound queue class the ETS would put it on (unknown numbers: ONLINE)."""
    return CLASS_OF.get(case.msg_no, "ONLINE")


@dataclass(frozen=True)
class Observed:
    """What the gateway did with one message, as seen from outside."""

    outcome: str | None  # the processor's outcome (in process) or the inbox row's (None: none)
    stored: bool  # in the error store
    backed_out: bool  # its bytes on the backout queue
    error_answer: bool  # a 92004/92005 answer with MsgRef = its MsgID
    answered: bool  # any answer with MsgRef = its MsgID


def violations(case: Case, exp: Expected, seen: Observed) -> list[str]:
    """Where the gateway's handling of ``case`` departs from the interface."""
    out = []
    if case.must_reject and not exp.rejected:
        out.append("the codec accepted what the interface refuses")
    if exp.rejected or exp.misaddressed:
        if not seen.stored:
            out.append("refused but not in the error store")
        if not seen.backed_out:
            out.append("refused but not on the backout queue")
        if seen.error_answer != exp.answered:
            out.append("error answer due but missing" if exp.answered else "answered though no answer is due")
        return out
    if case.must_not_answer and seen.error_answer:
        out.append("answered though no answer is due")
    if seen.stored:
        out.append("a message that decodes was put in the error store")
    if case.expect == "PROCESSED" and not (seen.outcome == "PROCESSED" and seen.answered):
        out.append(f"valid message not processed and answered (outcome {seen.outcome})")
    elif case.expect == "NOT_REJECTED" and seen.outcome not in ("PROCESSED", "RECORDED", "DUPLICATE"):
        # DUPLICATE: the same golden reply again under a new MsgID, taken by its business key
        out.append(f"reply to an unknown request not processed (outcome {seen.outcome})")
    elif case.expect == "DUPLICATE" and seen.outcome not in ("DUPLICATE", None):
        out.append(f"duplicate processed again (outcome {seen.outcome})")
    return out
