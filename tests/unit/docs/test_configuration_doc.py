"""docs/configuration.md names every settings field with its type, default and variable, and
nothing else; README's shorter table names only existing keys and points to the document."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.docs.settings_table import fields, row_cells

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "configuration.md"
README = ROOT / "README.md"
_ROW = re.compile(r"^\|\s*`([a-z_]+\.[a-z0-9_]+)`\s*\|")


def doc_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        found = _ROW.match(line)
        if found:
            assert found.group(1) not in rows, f"{found.group(1)} has two rows in {DOC.name}"
            rows[found.group(1)] = [c.strip() for c in line.strip().strip("|").split("|")]
    return rows


def test_every_settings_field_is_documented_as_the_code_defines_it() -> None:
    rows = doc_rows()
    expected = {f"{section}.{key}": row_cells(section, key, typ, default)
                for section, key, typ, default in fields()}
    missing = sorted(set(expected) - set(rows))
    stale = sorted(set(rows) - set(expected))
    assert not missing, f"settings fields missing from docs/configuration.md: {missing}"
    assert not stale, f"docs/configuration.md names keys that no longer exist: {stale}"
    for name, cells in expected.items():
        row = rows[name]
        assert tuple(row[:4]) == cells, f"{name}: the document says {row[:4]}, the code {cells}"
        assert len(row) == 5 and len(row[4]) > 10, f"{name}: no meaning given"


def test_readme_points_to_the_document_and_names_only_existing_keys() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert "docs/configuration.md" in section
    known = {f"{s}.{k}" for s, k, _t, _d in fields()}
    named = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        current = ""
        for token in re.findall(r"`([^`]+)`", first):
            if token.endswith(".*"):
                assert token[:-2] in {n.split(".")[0] for n in known}, token
                continue
            if "." in token:
                current = token.split(".")[0]
                named.append(token)
            else:
                named.append(f"{current}.{token}")
    assert named, "README's configuration table was not found"
    unknown = sorted(set(named) - known)
    assert not unknown, f"README's configuration table names keys that do not exist: {unknown}"
