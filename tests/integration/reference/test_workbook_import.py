"""A year's parameter workbook: a good file imports everything (after a second person's
approval) and exports back the same; a file with bad rows lists every error and imports nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from gateway.demodata.parameters import year_versions
from gateway.domain.reference import social_security_year
from gateway.domain.reference_commands import ApproveParameterChange
from gateway.domain.reference_errors import WorkbookRejected
from gateway.excel.parameter_workbook import COLUMNS, SHEET, read_workbook, write_workbook
from gateway.persistence.records import ParameterProposalRecord, ParameterVersionRecord
from gateway.services import reference as service

AS_OF = dt.date(2024, 11, 5)
NOW = dt.datetime(2024, 11, 5, 9, 0)


def _count(engine, record) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(record)).scalar_one()


def _workbook(versions, year=2024) -> io.BytesIO:
    out = io.BytesIO()
    write_workbook(versions, year, out)
    out.seek(0)
    return out


def _import(uow, source, maker="staff_gz"):
    parsed = read_workbook(source)
    with uow() as u:
        proposal = service.import_versions(u, parsed.rows, parsed.errors, maker, "2024.xlsx", NOW)
        u.commit()
    return proposal


def _approve(uow, proposal_id, checker="head_gz"):
    with uow() as u:
        done = service.approve(ApproveParameterChange(proposal_id, checker), u, NOW)
        u.commit()
    return done


def test_a_good_file_imports_everything_after_approval_and_exports_the_same(engine, uow):
    versions = year_versions(2024, AS_OF)
    proposal = _import(uow, _workbook(versions))
    assert len(proposal.changes) == len(versions) == 20 * 38
    assert _count(engine, ParameterVersionRecord) == 0  # pending: nothing in force yet
    done = _approve(uow, proposal.id)
    assert done.applied == {"added": len(versions), "changed": 0, "removed": 0}
    with uow() as u:
        stored = u.parameters.versions()
        gaps = u.parameters.table().gaps(*social_security_year(2024))
    # Only the residents' calendar-year standards (from 2025-01-01) leave the year's first half open.
    assert gaps and all(k.kind.value.startswith("RESIDENT") for k in gaps)
    assert set(map(tuple, gaps.values())) == {((dt.date(2024, 7, 1), dt.date(2024, 12, 31)),)}
    key = lambda v: (v.key, v.valid_from, v.valid_to, v.value)  # noqa: E731
    assert sorted(map(key, stored)) == sorted(map(key, versions))
    exported = read_workbook(_workbook(stored))
    assert exported.errors == [] and sorted(key(v) for _, v in exported.rows) == sorted(map(key, versions))
    # The same file again holds nothing new.
    assert _import(uow, _workbook(versions)) is None


def _bad_file() -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    rows = [
        ["缴费基数上限", "4401", None, "单位", None, None, "2024-07-01", "2025-06-30", 26421, "ok"],  # 2
        ["缴费基数上限", "4401", None, "单位", None, None, "2025-06-01", None, 27000, "overlap"],  # 3
        ["缴费基数下限", "4401", None, "单位", None, None, "2024-07-01", "2025-06-30", 30000, "> ceiling"],  # 4
        ["基数", "4401", None, "单位", None, None, "2024-07-01", None, 1, "bad kind"],  # 5
        ["缴费比例", "4401", None, "单位", "PENSION", None, "2024-13-01", None, 0.16, "bad date"],  # 6
        ["缴费比例", "4401", None, "单位", "企业职工基本养老保险费", None, "2024-07-01", None, 0.123456, "places"],  # 7
        ["社平工资", "4401", None, None, None, None, "2024-07-01", None, "abc", "not a number"],  # 8
        [None] * 10,  # an empty row is skipped
        ["最低工资标准", "4401", None, None, None, None, dt.datetime(2024, 7, 1), None, 2300, "ok"],  # 10
        ["缴费比例", "4401", None, "单位", "MEDICAL", None, "2024-07-01", None, 0.055, "overlaps stored"],  # 11
    ]
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_a_file_with_bad_rows_lists_every_error_and_imports_nothing(engine, uow):
    from gateway.domain.reference import ParameterKey, ParameterKind, ParameterVersion
    from gateway.domain.reference_timeline import TimelineEdit

    stored = ParameterVersion(ParameterKey(ParameterKind.RATE, "4401", "UNIT", "MEDICAL"),
                              dt.date(2024, 1, 1), None, Decimal("0.0600"))
    with uow() as u:
        u.parameters.apply([TimelineEdit(added=(stored,))], None)
        u.commit()
    with pytest.raises(WorkbookRejected) as err:
        _import(uow, _bad_file())
    errors = err.value.errors
    text = "\n".join(errors)
    assert len(errors) == 8, text  # row 4 is above both ceilings: two errors
    for row, words in ((3, "有效期重叠"), (4, "高于第2行的上限"), (5, "参数类别“基数”"),
                       (6, "生效日期“2024-13-01”"), (7, "4位小数"),
                       (8, "不是数字"), (11, "有效期重叠")):
        assert any(e.startswith(f"第{row}行") and words in e for e in errors), (row, text)
    assert "第2行" not in "".join(e.split(":")[0] for e in errors)  # good rows are not blamed
    assert "0.0600" in text  # the stored version is named in the overlap
    assert _count(engine, ParameterVersionRecord) == 1 and _count(engine, ParameterProposalRecord) == 0
    assert str(err.value).startswith("导入文件有 8 处错误，未导入任何数据")


def test_not_a_workbook_or_a_wrong_header_is_one_error(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    assert read_workbook(str(bad)).errors[0].startswith("文件不是有效的 Excel 工作簿")
    wb = Workbook()
    wb.active.title = SHEET
    wb.active.append(["类别", "城市"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    parsed = read_workbook(out)
    assert parsed.rows == [] and len(parsed.errors) == 1 and "表头" in parsed.errors[0]
