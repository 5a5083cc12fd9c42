"""A virtual unit's file of residents to declare (两居企业端), as CSV (UTF-8, or GB18030 as Excel
in China saves it) or an Excel workbook: one row per resident and insurance type.

Columns: 身份证号码 | 姓名 | 险种 | 缴费年度 | 档次. 险种 is 养老/医疗, the insurance type's name or its
code; 档次 is the pension grade (empty for medical). Every row's error is reported with its line
number; the rows that parse are returned beside them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gateway.domain.individual_commands import ResidentRow

COLUMNS = ("身份证号码", "姓名", "险种", "缴费年度", "档次")
MAX_ROWS = 5000  # one upload; a larger unit splits its file
_INSURANCE = {"养老": "RESIDENT_PENSION", "城乡居民养老保险": "RESIDENT_PENSION",
              "城乡居民基本养老保险费": "RESIDENT_PENSION", "RESIDENT_PENSION": "RESIDENT_PENSION",
              "医疗": "RESIDENT_MEDICAL", "城乡居民医疗保险": "RESIDENT_MEDICAL",
              "城乡居民基本医疗保险费": "RESIDENT_MEDICAL", "RESIDENT_MEDICAL": "RESIDENT_MEDICAL"}


class FileRefused(Exception):
    """The file as a whole cannot be read (wrong type, no header, too many rows)."""


@dataclass
class ParsedFile:
    rows: list[ResidentRow] = field(default_factory=list)
    errors: dict[int, list[str]] = field(default_factory=dict)


def read_residents(data: bytes, filename: str) -> ParsedFile:
    name = filename.lower()
    if name.endswith(".csv"):
        lines = _csv_lines(data)
    elif name.endswith(".xlsx"):
        lines = _xlsx_lines(data)
    else:
        raise FileRefused("只接受 .csv 或 .xlsx 文件")
    header = next(lines, None)
    if header is None or [str(c or "").strip() for c in header[:len(COLUMNS)]] != list(COLUMNS):
        raise FileRefused("表头应为：" + "、".join(COLUMNS))
    parsed = ParsedFile()
    for number, cells in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise FileRefused(f"一次最多导入 {MAX_ROWS} 行")
        cells = [str(c).strip() if c is not None else "" for c in cells] + [""] * len(COLUMNS)
        if not any(cells[:len(COLUMNS)]):
            continue
        _row(number, cells, parsed)
    return parsed


def _row(number: int, cells: list[str], parsed: ParsedFile) -> None:
    id_number, name, insurance, year, grade = cells[:5]
    why = []
    code = _INSURANCE.get(insurance)
    if code is None:
        why.append(f"未知险种“{insurance}”")
    if not (year.isdigit() and len(year) == 4):
        why.append("缴费年度应为四位年份")
    if grade and not grade.isdigit():
        why.append("档次应为数字")
    if why:
        parsed.errors[number] = why
        return
    parsed.rows.append(ResidentRow(number, id_number.upper(), name, code or "", int(year),
                                   grade if code == "RESIDENT_PENSION" else ""))


def _csv_lines(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused("CSV 文件编码无法识别（请用 UTF-8 或 GB18030）")
    return iter(csv.reader(io.StringIO(text)))


def _xlsx_lines(data: bytes):
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise FileRefused("不是有效的 Excel（.xlsx）文件") from None
    sheet = wb.worksheets[0]
    return (tuple(_cell(c) for c in row) for row in sheet.iter_rows(values_only=True))


def _cell(value: object) -> object:
    # An ID number typed as a number arrives as int; a year as int; never a float we keep.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
