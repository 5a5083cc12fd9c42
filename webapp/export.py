"""One helper that streams any result list as Excel (xlsxwriter in constant-memory mode: rows
are written to disk as they come, so a large list never sits in memory) or as CSV (UTF-8 with a
BOM, so Excel opens the Chinese text correctly). Used by every list page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from decimal import Decimal
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Response, stream_with_context

Columns = Sequence[tuple[str, str]]  # (key, Chinese heading)
_CHUNK = 64 * 1024


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _csv_text(value: Any) -> str:
    text = str(_cell(value))
    # A cell starting like a formula would run in a spreadsheet: quote it (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except ArithmeticError:
        return False


def csv_chunks(rows: Iterable[dict[str, Any]], columns: Columns) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow([title for _key, title in columns])
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_text(row.get(key)) for key, _title in columns])
        if n % 500 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_file(rows: Iterable[dict[str, Any]], columns: Columns, sheet: str = "数据",
              directory: str | None = None) -> str:
    """Write the workbook to a temporary file (constant memory) and return its path;
    ``directory`` puts it beside its final place (the report cache renames it atomically)."""
    import xlsxwriter

    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="etsgw-export-", dir=directory)
    os.close(fd)
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    try:
        ws = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        for c, (_key, title) in enumerate(columns):
            ws.write_string(0, c, title, bold)
            ws.set_column(c, c, max(10, len(title) * 2 + 2))
        for r, row in enumerate(rows, 1):
            for c, (key, _title) in enumerate(columns):
                value = _cell(row.get(key))
                if isinstance(value, Decimal):
                    ws.write_number(r, c, float(value), money)  # display only; the CSV keeps text
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
    finally:
        book.close()
    return path


def _file_chunks(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def response(rows: Iterable[dict[str, Any]], columns: Columns, filename: str, fmt: str) -> Response:
    """A download of ``rows`` as ``fmt`` (``xlsx`` or ``csv``); ``filename`` without extension."""
    if fmt == "xlsx":
        path = xlsx_file(rows, columns)
        body: Iterator[bytes] = _file_chunks(path)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body, mime = stream_with_context(csv_chunks(rows, columns)), "text/csv; charset=utf-8"
    else:
        from werkzeug.exceptions import NotFound
        raise NotFound()
    name = f"{filename}.{fmt}"
    resp = Response(body, mimetype=mime)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp
