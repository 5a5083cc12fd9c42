"""Wire layout of a message class, derived from its dataclass fields.

A block is a frozen dataclass. Its fields, in declaration order, are the child elements in
document order (the XSD sequence). The annotation says how a field goes on the wire:

``str`` / ``Literal[...]`` text; ``date`` yyyyMMdd; ``Decimal`` an amount with two decimals;
``int`` an int(a-b); another block class: a nested block whose element name is the class name;
``tuple[Block, ...]`` a repeated block; ``X | None`` an optional element (omitted when None).

Leaf element names come from :data:`gateway.codec.names.XML_NAME`; a nested block's field must
be named ``snake(ClassName)``. Both rules are checked when a layout is built, so a typo in a
message class fails at import of the codec, not on the wire.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.codec.names import XML_NAME, snake


class Kind(enum.Enum):
    """How one field is represented on the wire."""

    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"
    INT = "int"
    BLOCK = "block"
    BLOCKS = "blocks"


@dataclass(frozen=True, slots=True)
class Slot:
    """One child element of a block."""

    name: str
    tag: str
    kind: Kind
    optional: bool
    block: type | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """A block class and its child elements in document order."""

    cls: type
    tag: str
    slots: tuple[Slot, ...]

    @property
    def blocks(self) -> tuple[type, ...]:
        """Block classes nested directly in this one."""
        return tuple(s.block for s in self.slots if s.block is not None)


_LEAF_KINDS: dict[object, Kind] = {str: Kind.TEXT, date: Kind.DATE, Decimal: Kind.AMOUNT, int: Kind.INT}


def element_name(cls: type) -> str:
    """The XML element name of a block class (``XML_TAG`` overrides the class name)."""
    return getattr(cls, "XML_TAG", cls.__name__)


@functools.cache
def layout_of(cls: type) -> Layout:
    """The layout of a block class (cached; classes are immutable)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a message block dataclass")
    hints = typing.get_type_hints(cls)
    slots = tuple(_slot(cls, f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return Layout(cls=cls, tag=element_name(cls), slots=slots)


def _slot(owner: type, name: str, annotation: object) -> Slot:
    optional = False
    args = typing.get_args(annotation)
    if _is_union(annotation):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            raise TypeError(f"{owner.__name__}.{name}: only 'X | None' unions are supported")
        optional, annotation = True, rest[0]
        args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        if not all(isinstance(a, str) for a in args):
            raise TypeError(f"{owner.__name__}.{name}: Literal values must be str")
        return Slot(name, _leaf_tag(owner, name), Kind.TEXT, optional)
    if origin is tuple:
        if optional or len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"{owner.__name__}.{name}: repeated blocks are tuple[Block, ...]")
        return Slot(name, _block_tag(owner, name, args[0]), Kind.BLOCKS, False, args[0])
    if annotation in _LEAF_KINDS:
        return Slot(name, _leaf_tag(owner, name), _LEAF_KINDS[annotation], optional)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return Slot(name, _block_tag(owner, name, annotation), Kind.BLOCK, optional, annotation)
    raise TypeError(f"{owner.__name__}.{name}: unsupported annotation {annotation!r}")


def _is_union(annotation: object) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _leaf_tag(owner: type, name: str) -> str:
    try:
        return XML_NAME[name]
    except KeyError:
        raise TypeError(f"{owner.__name__}.{name}: no element of the interface maps to it") from None


def _block_tag(owner: type, name: str, block: object) -> str:
    if not (isinstance(block, type) and dataclasses.is_dataclass(block)):
        raise TypeError(f"{owner.__name__}.{name}: {block!r} is not a block class")
    tag = element_name(block)
    if snake(tag) != name:
        raise TypeError(f"{owner.__name__}.{name}: a {tag} block must be in field {snake(tag)}")
    return tag


def all_layouts(cls: type) -> list[Layout]:
    """The layout of ``cls`` and of every block nested in it, outermost first, each once."""
    seen: dict[type, Layout] = {}
    pending = [cls]
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue
        seen[current] = layout_of(current)
        pending.extend(seen[current].blocks)
    return list(seen.values())
