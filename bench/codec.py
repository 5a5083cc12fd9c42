"""Codec benchmark: a single 1001 and a 3000-item 1102 (encode, validate, decode).

Run from the repository root: ``.venv/bin/python bench/codec.py``. Times are the best of
several batches (the usual timeit practice: the minimum is the least disturbed by other
processes). The "floor" is bare lxml work on the same bytes: parse and validate against the
same compiled XSD, nothing else, i.e. what any validating codec has to pay.
The last two lines are machine-readable: ``BENCH <name> <value> <unit>``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree  # noqa: E402

from gateway.codec import CfxMessage, Codec, Head  # noqa: E402
from gateway.codec.messages import (  # noqa: E402
    BatchHead1102, Msg1001, Msg1102, Payment1001, Payment1102, RealHead1001, TaxTypeList1001,
    TaxTypeList1102, TurnAccount1001, TurnAccount1102,
)

PERIOD = (date(2024, 10, 1), date(2024, 10, 31))
LEVIES = [("企业职工基本养老保险费", "8640.00"), ("职工基本医疗保险费", "3086.40"), ("失业保险费", "619.20")]


def head(msg_no: str) -> Head:
    return Head("1.0", "244000000000", "100000000000", "ETS", msg_no, "20241105093015000123",
                "20241105093015000123", date(2024, 11, 5))


def message_1001() -> CfxMessage[Msg1001]:
    """The §10.1 example."""
    lines = tuple(TaxTypeList1001(i, n, *PERIOD, Decimal(a)) for i, (n, a) in enumerate(LEVIES, 1))
    company = "广州市天河区云帆信息科技有限公司"
    return CfxMessage(head("1001"), Msg1001(
        RealHead1001("14401060000", date(2024, 11, 5), "00000123"),
        TurnAccount1001("1", "011581000016", "4401000000", "4401000000270001", "国家金库广州市中心支库",
                        "102581000013", "102581002107"),
        Payment1001("3602000109200123456", company, Decimal("12345.60"), "344010624110500123",
                    "91440106MA5CXN3L4D", company, "4401062024000000456", "1", "0", "2024年10月社会保险费", 3, lines),
    ))


def message_1102(items: int, levies: int) -> CfxMessage[Msg1102]:
    """A package of ``items`` payers with ``levies`` levies each and Chinese names."""
    payments = []
    for n in range(1, items + 1):
        lines = tuple(TaxTypeList1102(i, name, *PERIOD, Decimal(a))
                      for i, (name, a) in enumerate(LEVIES[:levies], 1))
        amount = sum((line.tax_type_amt for line in lines), Decimal("0.00"))
        name = f"广州市天河区云帆信息科技有限公司{n}"
        payments.append(Payment1102(f"{n:08d}", "102581002107", f"36020001092{n:08d}", name, amount,
                                    f"3440106241105{n:05d}", "91440106MA5CXN3L4D", name,
                                    f"44010620240{n:08d}", levies, lines))
    total = sum((p.tra_amt for p in payments), Decimal("0.00"))
    return CfxMessage(head("1102"), Msg1102(
        BatchHead1102("14401060000", date(2024, 11, 5), "00000045", 1, items, total),
        TurnAccount1102("1", "011581000016", "4401000000", "4401000000270001", "国家金库广州市中心支库",
                        "102581000013"),
        tuple(payments),
    ))


def best(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Seconds per call: the best of ``repeat`` batches of ``number`` calls."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def floor(codec: Codec, msg_no: str, data: bytes) -> Callable[[], object]:
    """Bare lxml: parse ``data`` and validate it with the same compiled schema."""
    schema = codec.schemas.validator(msg_no)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def run() -> object:
        return schema.validate(etree.fromstring(data, parser)) or sys.exit("floor: invalid")
    return run


def utf8_of(data: bytes) -> bytes:
    """The same document as UTF-8 without declaration: what the codec hands to libxml2."""
    text = data.decode("gbk")
    return text[text.index("?>") + 2:].encode("utf-8")


def measure(label: str, message: CfxMessage, number: int, repeat: int = 5) -> dict[str, float]:
    codec, unchecked = Codec(), Codec(validate=False)
    data = codec.encode(message)
    assert codec.decode(data) == message
    t = {
        "render": best(lambda: unchecked.encode(message), number, repeat),
        "encode": best(lambda: codec.encode(message), number, repeat),
        "decode": best(lambda: codec.decode(data), number, repeat),
        "floor": best(floor(codec, message.head.msg_no, data), number, repeat),
        "floor8": best(floor(codec, message.head.msg_no, utf8_of(data)), number, repeat),
    }
    t["validate"] = t["encode"] - t["render"]
    print(f"{label}: {len(data):,} bytes (GBK)")
    for key, text in (("render", "encode, no validation"), ("validate", "+ validation on send"),
                      ("encode", "encode + validate"), ("decode", "decode (parse, validate, build)"),
                      ("floor", "floor: lxml parse + validate"),
                      ("floor8", "same as UTF-8 (libxml2 reads it faster)")):
        print(f"  {text:34} {t[key] * 1e3:9.3f} ms  {1 / t[key]:10,.0f} msg/s")
    print(f"  ratio encode+validate / floor      {t['encode'] / t['floor']:9.2f}")
    print(f"  ratio decode / floor               {t['decode'] / t['floor']:9.2f}")
    return t


def main() -> None:
    single = measure("1001 (the §10.1 example)", message_1001(), number=2000)
    round_trip = single["encode"] + single["decode"]
    print(f"  1001 encode+validate+decode        {round_trip * 1e3:9.3f} ms  {1 / round_trip:10,.0f} msg/s")
    packages = {}
    for levies in (1, 2, 3):
        packages[levies] = measure(f"1102, 3000 items x {levies} levies", message_1102(3000, levies),
                                   number=3, repeat=7)
    print("The 1102 BENCH line is the 2-levy package (pension + medical, a typical individual payer).")
    print(f"BENCH codec_1001_per_s {1 / round_trip:.0f} 1/s")
    print(f"BENCH codec_1102_3000_encode_validate_ms {packages[2]['encode'] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
