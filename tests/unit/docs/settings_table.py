"""How docs/configuration.md shows a settings field: its TOML type, its default as written in a
TOML file, and the environment variable that overrides it. The document test compares each row
with these, so a renamed, added or re-defaulted key cannot go unnoticed."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any

from gateway.config import ENV_PREFIX, Settings


def fields() -> Iterator[tuple[str, str, Any, Any]]:
    """(section, key, type, default) of every settings field, walking the dataclasses."""
    sections = typing.get_type_hints(Settings)
    for section in dataclasses.fields(Settings):
        cls = sections[section.name]
        hints = typing.get_type_hints(cls)
        defaults = cls()
        for f in dataclasses.fields(cls):
            yield section.name, f.name, hints[f.name], getattr(defaults, f.name)


def type_text(typ: Any) -> str:
    if typing.get_origin(typ) is tuple:
        return f"list of {type_text(typing.get_args(typ)[0])}"
    return {str: "string", int: "integer", float: "float", bool: "boolean"}[typ]


def default_text(value: Any) -> str:
    """The default as it would be written in the TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(default_text(v) for v in value) + "]"
    return repr(value)


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}__{key.upper()}"


def row_cells(section: str, key: str, typ: Any, default: Any) -> tuple[str, str, str, str]:
    """The first four cells of the key's row: key, type, default, environment variable."""
    return (f"`{section}.{key}`", type_text(typ), f"`{default_text(default)}`",
            f"`{env_name(section, key)}`")
