"""The alert kinds the code can raise, found by reading the source (so kinds added by later
work are found without a list to keep): the monitor's findings by their key (``monitor:<key
prefix>``, or the category when the key is computed) and the gateway's own alerts by their
source (``alert:<source>`` of every ``….alerts.add(severity, source, message)``)."""

from __future__ import annotations

import ast
from pathlib import Path

GATEWAY = Path(__file__).resolve().parents[3] / "gateway"


def _constants() -> dict[str, str]:
    """Module-level string constants (``ALERT_DISCREPANCIES = "recon.discrepancies"``) of the
    whole package, by name, so that a source passed by its constant is found too."""
    names: dict[str, str] = {}
    for path in sorted(GATEWAY.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                names.setdefault(node.targets[0].id, node.value.value)
    return names


def _prefix(node: ast.expr, constants: dict[str, str] | None = None) -> str | None:
    """The constant start of a key such as ``f"backout:{qmgr}:{queue}"`` → ``backout``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute)) and constants:
        name = node.id if isinstance(node, ast.Name) else node.attr
        return constants.get(name)
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value).rstrip(":")
    return None


def alert_kinds() -> dict[str, str]:
    """kind → where it is raised (file:line)."""
    kinds: dict[str, str] = {}
    constants = _constants()
    for path in sorted(GATEWAY.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(GATEWAY.parent)}:{node.lineno}"
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Finding" and len(node.args) >= 2:
                key = _prefix(node.args[0])
                category = _prefix(node.args[1])
                kind = key if key is not None else category
                if kind:
                    kinds.setdefault(f"monitor:{kind}", where)
            elif (isinstance(func, ast.Attribute) and func.attr == "add"
                  and isinstance(func.value, ast.Attribute) and func.value.attr == "alerts"
                  and len(node.args) >= 2):
                source = _prefix(node.args[1], constants)
                if source:
                    kinds.setdefault(f"alert:{source}", where)
    return kinds
