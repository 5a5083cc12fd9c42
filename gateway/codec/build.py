"""Validated XML elements -> message objects, fast.

The builders run only on elements the XSD has accepted, so the child order and the formats are
known: each block class gets one generated function that reads its children by position and
converts the texts, with no searching and no re-checking. Position is fixed up to the first
optional or repeated child; after it the function follows a running index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.codec.layout import Kind, Layout, all_layouts

_DATES: dict[str, date] = {}


def _date(text: str) -> date:
    # Dates repeat heavily inside a package (periods, entrust dates); parse each text once.
    value = _DATES.get(text)
    if value is None:
        if len(_DATES) > 50_000:
            _DATES.clear()
        value = _DATES[text] = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    return value


_NAMESPACE: dict[str, Any] = {
    "_D": _date, "_A": Decimal, "int": int, "len": len, "tuple": tuple, "__builtins__": {}
}
_NAMES: dict[type, str] = {}
_LOCK = threading.Lock()
_CONVERT = {Kind.TEXT: "{}", Kind.DATE: "_D({})", Kind.AMOUNT: "_A({})", Kind.INT: "int({})"}


def builder(cls: type) -> Callable[[Any], Any]:
    """The compiled builder of a block class: a validated element -> an instance."""
    name = _NAMES.get(cls)
    if name is None:
        with _LOCK:
            for layout in all_layouts(cls):
                if layout.cls not in _NAMES:
                    _NAMES[layout.cls] = f"_b{len(_NAMES)}"
                    _NAMESPACE[f"C{_NAMES[layout.cls]}"] = layout.cls
            for layout in all_layouts(cls):
                if _NAMES[layout.cls] not in _NAMESPACE:
                    exec(_source(layout), _NAMESPACE)  # noqa: S102 - our identifiers only
            name = _NAMES[cls]
    return _NAMESPACE[name]  # type: ignore[no-any-return]


def _source(layout: Layout) -> str:
    name = _NAMES[layout.cls]
    lines = [f"def {name}(e):", "    k = e[:]", "    n = len(k)"]
    fixed: int | None = 0  # the child index while it is still known statically
    for index, slot in enumerate(layout.slots):
        var = f"a{index}"
        if slot.kind in (Kind.BLOCK, Kind.BLOCKS):
            convert = _NAMES[slot.block] + "({})"  # type: ignore[index]
        else:
            convert = _CONVERT[slot.kind].format("{}.text")
        if fixed is not None and not slot.optional and slot.kind is not Kind.BLOCKS:
            lines.append(f"    {var} = {convert.format(f'k[{fixed}]')}")
            fixed += 1
            continue
        if fixed is not None:
            lines.append(f"    i = {fixed}")
            fixed = None
        if slot.kind is Kind.BLOCKS:
            lines += [
                "    j = i",
                f"    while j < n and k[j].tag == '{slot.tag}':",
                "        j += 1",
                f"    {var} = tuple([{convert.format('x')} for x in k[i:j]])",
                "    i = j",
            ]
        elif slot.optional:
            lines += [
                f"    if i < n and k[i].tag == '{slot.tag}':",
                f"        {var} = {convert.format('k[i]')}",
                "        i += 1",
                "    else:",
                f"        {var} = None",
            ]
        else:
            lines += [f"    {var} = {convert.format('k[i]')}", "    i += 1"]
    args = ", ".join(f"a{i}" for i in range(len(layout.slots)))
    lines.append(f"    return C{name}({args})")
    return "\n".join(lines) + "\n"


def build(cls: type, element: Any) -> Any:
    """An instance of ``cls`` from its validated element."""
    return builder(cls)(element)
