"""How the CLI prints records: tables with a header row (aligned for Chinese text too), or JSON;
paging options shared by every list."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from decimal import Decimal
from typing import Any, Callable, Sequence

import click

DEFAULT_LIMIT = 50

Columns = Sequence[tuple[str, str]]  # (key in the row, header)


class ListGroup(click.Group):
    """A group whose ``list`` subcommand is the default: ``etsgw alerts --all`` is
    ``etsgw alerts list --all``, and ``etsgw alerts`` lists."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


def list_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--json``, ``--limit`` and ``--offset`` for a list command."""
    fn = click.option("--offset", type=click.IntRange(0), default=0, show_default=True,
                      help="跳过前 N 条 / skip the first N rows.")(fn)
    fn = click.option("--limit", type=click.IntRange(1, 10_000), default=DEFAULT_LIMIT,
                      show_default=True, help="最多显示 N 条 / at most N rows.")(fn)
    fn = click.option("--json", "as_json", is_flag=True,
                      help="以 JSON 输出 / print JSON instead of a table.")(fn)
    return fn


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    text = str(value).replace("\n", " ")
    return text


def table(columns: Columns, rows: Sequence[dict[str, Any]], max_cell: int = 60) -> None:
    """A header row, then one line per row; long cells are cut to ``max_cell`` columns."""
    texts = [[_cut(cell(r.get(key)), max_cell) for key, _ in columns] for r in rows]
    headers = [h for _, h in columns]
    widths = [max([width(h)] + [width(t[i]) for t in texts]) for i, h in enumerate(headers)]
    for line in (headers, *texts):
        click.echo("  ".join(c + " " * (w - width(c)) for c, w in zip(line, widths)).rstrip())


def _cut(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = [], 0
    for c in text:
        used += width(c)
        if used > limit - 1:
            break
        out.append(c)
    return "".join(out) + "…"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_json_default)


def page(columns: Columns, rows: list[dict[str, Any]], *, as_json: bool, limit: int,
         offset: int, noun: str = "条") -> None:
    """Print one page. ``rows`` may hold one row more than ``limit``: it says there are more."""
    more = len(rows) > limit
    rows = rows[:limit]
    if as_json:
        click.echo(dumps({"items": rows, "offset": offset, "limit": limit, "more": more}))
        return
    table(columns, rows)
    footer = f"共 {len(rows)} {noun} / {len(rows)} row(s)"
    if more:
        footer += f"；更多请加 --offset {offset + limit} / more: --offset {offset + limit}"
    click.echo(footer)


def fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """``label: value`` lines, labels aligned."""
    w = max((width(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        click.echo(f"{' ' * (w - width(key))}{key}: {cell(value)}")
