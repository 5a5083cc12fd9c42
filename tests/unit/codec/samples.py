"""Hand-built message objects shared by the codec unit tests (the §10.1 and §10.2 examples)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.codec import CfxMessage, Head
from gateway.codec.messages import (
    BatchHead1102, BatchHead2102, BatchReturn2102, Msg1001, Msg1102, Msg2102, Payment1001, Payment1102,
    RealHead1001, TaxTypeList1001, TaxTypeList1102, TurnAccount1001, TurnAccount1102,
)

GW, ETS = "244000000000", "100000000000"
COMPANY = "广州市天河区云帆信息科技有限公司"
PERIOD = (date(2024, 10, 1), date(2024, 10, 31))


def head(msg_no: str, msg_id: str = "20241105093015000123", src: str = GW, des: str = ETS,
         msg_ref: str | None = None) -> Head:
    return Head("1.0", src, des, "ETS", msg_no, msg_id, msg_ref or msg_id, date(2024, 11, 5))


def message_1001(**payment: Any) -> CfxMessage[Msg1001]:
    """§10.1, optionally with Payment1001 fields replaced."""
    lines = (
        TaxTypeList1001(1, "企业职工基本养老保险费", *PERIOD, Decimal("8640.00")),
        TaxTypeList1001(2, "职工基本医疗保险费", *PERIOD, Decimal("3086.40")),
        TaxTypeList1001(3, "失业保险费", *PERIOD, Decimal("619.20")),
    )
    pay = Payment1001("3602000109200123456", COMPANY, Decimal("12345.60"), "344010624110500123",
                      "91440106MA5CXN3L4D", COMPANY, "4401062024000000456", "1", "0", "2024年10月社会保险费", 3, lines)
    return CfxMessage(head("1001"), Msg1001(
        RealHead1001("14401060000", date(2024, 11, 5), "00000123"),
        TurnAccount1001("1", "011581000016", "4401000000", "4401000000270001", "国家金库广州市中心支库",
                        "102581000013", "102581002107"),
        dataclasses.replace(pay, **payment),
    ))


def message_1102(items: int, name: str = COMPANY) -> CfxMessage[Msg1102]:
    """A package of ``items`` one-levy items."""
    payments = tuple(
        Payment1102(f"{n:08d}", "102581002107", f"6222020200{n:09d}", f"{name}{n}", Decimal("1876.00"),
                    f"3440106241105{n:05d}", "92440104MA59AB1C2D", f"{name}{n}", f"4401062024{n:09d}", 1,
                    (TaxTypeList1102(1, "工伤保险费", *PERIOD, Decimal("1876.00")),))
        for n in range(1, items + 1)
    )
    return CfxMessage(head("1102", "20241105160000000045"), Msg1102(
        BatchHead1102("14401060000", date(2024, 11, 5), "00000045", 1, items, Decimal("1876.00") * items),
        TurnAccount1102("1", "011581000016", "4401000000", "4401000000270001", "国家金库广州市中心支库",
                        "102581000013"),
        payments,
    ))


def message_2102(items: int) -> CfxMessage[Msg2102]:
    """A result for ``items`` items, every other one failed with 24007."""
    returns = tuple(
        BatchReturn2102(f"{n:08d}", Decimal("100.50"), f"3440106241105{n:05d}",
                        date(2024, 11, 6) if n % 2 else None, "90000" if n % 2 else "24007",
                        "扣款成功" if n % 2 else "账户余额不足")
        for n in range(1, items + 1)
    )
    won = [r for r in returns if r.result == "90000"]
    return CfxMessage(
        head("2102", "20241106101500004567", ETS, GW, "20241105160000000045"),
        Msg2102(BatchHead2102("102581000013", date(2024, 11, 6), "00000789", "14401060000", date(2024, 11, 5),
                              "00000045", items, Decimal("100.50") * items, len(won), Decimal("100.50") * len(won),
                              "90000"), returns),
    )
