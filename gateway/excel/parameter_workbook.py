"""A social-security year's parameters as an Excel workbook (社保参数表), the way a bureau receives
them from the provincial departments: one row per value, with its key and its period.

Writing and reading both stream (write-only and read-only openpyxl workbooks), so memory stays
flat however many rows a file has; reading returns every row's error rather than stopping at the
first, and never a float: numbers are taken by their shortest decimal text.

Columns: 参数类别 | 地市代码 | 区县代码 | 缴费人类型 | 险种 | 档次 | 生效日期 | 失效日期 | 数值 | 说明.
Categories, payer kinds and insurance types may be given by their Chinese name or their code.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gateway.domain.errors import DomainError
from gateway.domain.parties import INSURANCE_TYPES, PayerKind
from gateway.domain.reference import (KIND_RULES, ParameterKey, ParameterKind, ParameterVersion,
                                      social_security_year)
from gateway.domain.reference_errors import InvalidParameter

SHEET = "社保参数"
COLUMNS = ("参数类别", "地市代码", "区县代码", "缴费人类型", "险种", "档次", "生效日期", "失效日期",
           "数值", "说明")
MAX_ROWS = 100_000  # a year of every city is a few thousand rows; more is not a parameter file

_KINDS = {**{k.value: k for k in ParameterKind}, **{r.label: k for k, r in KIND_RULES.items()}}
_PAYER_KINDS = {**{k.value: k.value for k in PayerKind}, **{k.label: k.value for k in PayerKind}}
_INSURANCE = {**{t.code: t.code for t in INSURANCE_TYPES}, **{t.name: t.code for t in INSURANCE_TYPES}}
_INSURANCE_NAME = {t.code: t.name for t in INSURANCE_TYPES}


@dataclass
class ParsedWorkbook:
    """The rows that parsed, as (row number, version), and one message per bad row or cell."""

    rows: list[tuple[int, ParameterVersion]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def write_workbook(versions: Iterable[ParameterVersion], year: int, out: IO[bytes] | str,
                   city_names: dict[str, str] | None = None) -> int:
    """Write the versions (a year's, as the caller chose them) to ``out``; returns the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append(list(COLUMNS))
    names = city_names or {}
    count = 0
    for v in versions:
        k = v.key
        ws.append([k.kind.label, k.city_code, k.district_code or None,
                   PayerKind(k.payer_kind).label if k.payer_kind else None,
                   _INSURANCE_NAME.get(k.insurance_code) if k.insurance_code else None,
                   int(k.item) if k.item else None, v.valid_from, v.valid_to, v.value,
                   names.get(k.city_code)])
        count += 1
    start, end = social_security_year(year)
    notes = wb.create_sheet("说明")
    for line in (f"社保年度 {year}：{start} 至 {end}（城乡居民缴费标准按自然年度，随其起始日所在社保年度发布）",
                 "日期含首尾两天；失效日期留空表示长期有效，直至被新值取代。",
                 "缴费比例填小数（如 0.1600 表示 16%）；金额单位为元，最多两位小数。",
                 "区县代码留空表示全市；险种留空（仅基数上下限）表示适用于所有险种。"):
        notes.append([line])
    wb.save(out)
    return count


def read_workbook(source: IO[bytes] | str) -> ParsedWorkbook:
    """Parse every row; a file that is not a workbook, or lacks the sheet or the header, is one
    error."""
    result = ParsedWorkbook()
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        result.errors.append(f"文件不是有效的 Excel 工作簿 (.xlsx): {exc}")
        return result
    try:
        if SHEET not in wb.sheetnames:
            result.errors.append(f"缺少工作表“{SHEET}”")
            return result
        rows = wb[SHEET].iter_rows(values_only=True)
        header = tuple(_text(c) for c in next(rows, ()))[: len(COLUMNS) - 1]
        if header != COLUMNS[:-1]:
            result.errors.append(f"第1行表头应为: {' | '.join(COLUMNS[:-1])}")
            return result
        for row_no, cells in enumerate(rows, start=2):
            if row_no > MAX_ROWS + 1:
                result.errors.append(f"超过 {MAX_ROWS} 行，文件过大")
                break
            if all(c is None or _text(c) == "" for c in cells):
                continue
            try:
                result.rows.append((row_no, _version(tuple(cells) + (None,) * len(COLUMNS))))
            except DomainError as exc:
                result.errors.append(f"第{row_no}行: {exc}")
    finally:
        wb.close()
    return result


def _version(cells: tuple) -> ParameterVersion:
    kind_text, city, district, payer, insurance, item, start, end, value = cells[:9]
    kind = _lookup(_KINDS, kind_text, "参数类别")
    key = ParameterKey(kind, _code(city), _lookup(_PAYER_KINDS, payer, "缴费人类型", True),
                       _lookup(_INSURANCE, insurance, "险种", True), _code(item), _code(district))
    valid_from = _date(start, "生效日期")
    if valid_from is None:
        raise _error("生效日期不能为空")
    return ParameterVersion(key, valid_from, _date(end, "失效日期"), _number(value))


def _error(message: str) -> DomainError:
    return InvalidParameter(message)


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _lookup(table: dict, cell, what: str, optional: bool = False):
    text = _text(cell)
    if not text and optional:
        return ""
    if text not in table:
        raise _error(f"{what}“{text}”无法识别")
    return table[text]


def _code(cell) -> str:
    """Codes typed as numbers come back as int or float (4401, 1.0)."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return _text(cell)


def _date(cell, what: str) -> dt.date | None:
    if cell is None or _text(cell) == "":
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = _text(cell)
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise _error(f"{what}“{text}”不是日期（如 2025-07-01）")


def _number(cell) -> Decimal:
    if cell is None or _text(cell) == "":
        raise _error("数值不能为空")
    if isinstance(cell, bool):
        raise _error(f"数值“{cell}”不是数字")
    if isinstance(cell, float):
        return Decimal(repr(cell))  # the shortest text that reads back as this float: 0.16, not 0.1599…
    if isinstance(cell, (int, Decimal)):
        return Decimal(cell)
    text = _text(cell).replace(",", "")
    if text.endswith("%"):
        try:
            return Decimal(text[:-1]) / 100
        except ArithmeticError:
            pass
    try:
        return Decimal(text)
    except ArithmeticError:
        raise _error(f"数值“{text}”不是数字") from None
