"""Typed message objects, one frozen dataclass per block and one ``Msg<MsgNo>`` per body.

Field names are the XML names in snake_case (:mod:`gateway.codec.names`) in document order;
amounts are :class:`~decimal.Decimal` with two places, dates :class:`~datetime.date`, int(a-b)
values ``int``, every code, serial and number ``str`` (serials keep their leading zeros),
repeated blocks ``tuple``. Block classes carry their element name as class name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from gateway.codec.messages.agreement import Msg9114, Msg9115, ProveInfo9114, ProveReturn9115
from gateway.codec.messages.batch import (
    BatchHead1102,
    BatchHead2102,
    BatchReturn2102,
    Msg1102,
    Msg1123,
    Msg2102,
    Msg2123,
    Payment1102,
    StopApply1123,
    StopReturn2123,
    TaxTypeList1102,
    TurnAccount1102,
)
from gateway.codec.messages.common import Choice12, Flag01, TaxTypeList
from gateway.codec.messages.counter import (
    DeclareQuery2091,
    Msg1009,
    Msg2091,
    Msg2108,
    Payment1009,
    RealHead1009,
    SingleReturn2108,
    TaxTypeList1009,
)
from gateway.codec.messages.reconciliation import (
    BatchHead3122,
    BillHead3128,
    CompDeduct3122,
    Msg3122,
    Msg3128,
    Stock3128,
)
from gateway.codec.messages.single import (
    Msg1001,
    Msg1021,
    Msg2001,
    Msg2021,
    Payment1001,
    RealHead1001,
    RushApply1021,
    RushReturn2021,
    SingleReturn2001,
    TaxTypeList1001,
    TurnAccount1001,
)
from gateway.codec.messages.system import (
    ChangeState9101,
    Msg9003,
    Msg9004,
    Msg9005,
    Msg9101,
    Msg9120,
    Msg9121,
    Msg9122,
    MsgReturn9005,
    MsgReturn9120,
    MsgReturn9121,
    MsgReturn9122,
    TraStatusCheck9003,
    TraStatusReturn9004,
)

Body = (
    Msg9114 | Msg9115 | Msg1001 | Msg2001 | Msg1021 | Msg2021 | Msg2091 | Msg1009 | Msg2108
    | Msg1102 | Msg2102 | Msg1123 | Msg2123 | Msg3122 | Msg3128 | Msg9003 | Msg9004 | Msg9005
    | Msg9101 | Msg9120 | Msg9121 | Msg9122
)

#: MsgNo -> body class, for every message number of the interface.
BODY_CLASSES: Mapping[str, type] = MappingProxyType(
    {cls.MSG_NO: cls for cls in Body.__args__}  # type: ignore[attr-defined]
)

__all__ = [
    "BODY_CLASSES", "Body", "Choice12", "Flag01", "TaxTypeList",
    "ProveInfo9114", "Msg9114", "ProveReturn9115", "Msg9115",
    "RealHead1001", "TurnAccount1001", "TaxTypeList1001", "Payment1001", "Msg1001",
    "SingleReturn2001", "Msg2001", "RushApply1021", "Msg1021", "RushReturn2021", "Msg2021",
    "DeclareQuery2091", "Msg2091", "RealHead1009", "TaxTypeList1009", "Payment1009", "Msg1009",
    "SingleReturn2108", "Msg2108",
    "BatchHead1102", "TurnAccount1102", "TaxTypeList1102", "Payment1102", "Msg1102",
    "BatchHead2102", "BatchReturn2102", "Msg2102", "StopApply1123", "Msg1123",
    "StopReturn2123", "Msg2123",
    "BatchHead3122", "CompDeduct3122", "Msg3122", "BillHead3128", "Stock3128", "Msg3128",
    "TraStatusCheck9003", "Msg9003", "TraStatusReturn9004", "Msg9004", "MsgReturn9005", "Msg9005",
    "ChangeState9101", "Msg9101", "MsgReturn9120", "Msg9120", "MsgReturn9121", "Msg9121",
    "MsgReturn9122", "Msg9122",
]
