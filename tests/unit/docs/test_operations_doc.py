"""docs/operations.md covers every alert kind the code can raise (found in the source, so kinds
added later are found too) and names only `etsgw` commands and options that exist."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from gateway.cli import cli
from tests.unit.docs.alert_kinds import alert_kinds

DOC = Path(__file__).resolve().parents[3] / "docs" / "operations.md"
_KIND = re.compile(r"`((?:monitor|alert):[a-z0-9_:.]+)`")


def documented_kinds() -> set[str]:
    kinds: set[str] = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if re.match(r"^#{2,4} ", line):
            kinds.update(_KIND.findall(line))
    return kinds


def test_every_alert_kind_in_the_code_has_a_runbook_heading() -> None:
    in_code = alert_kinds()
    documented = documented_kinds()
    assert len(in_code) >= 10, f"the source scan found too little: {sorted(in_code)}"
    missing = {k: v for k, v in in_code.items() if k not in documented}
    assert not missing, ("alert kinds without a heading in docs/operations.md (kind: raised at): "
                         f"{missing}")
    # Tolerated in one direction only: kinds the issues name that other work will raise.
    ahead = sorted(documented - set(in_code))
    print(f"documented but not (yet) raised by the code: {ahead}")


def runbook_commands() -> list[tuple[list[str], list[str], str]]:
    """(command path, options named, the text) of every `etsgw …` in the runbook."""
    out = []
    for snippet in re.findall(r"`(etsgw [^`]+)`", DOC.read_text(encoding="utf-8")):
        words = snippet.split()[1:]
        path = []
        for word in words:
            if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
                break
            path.append(word)
        options = [w.split("=")[0] for w in words if w.startswith("--")]
        out.append((path, options, snippet))
    return out


def resolve(path: list[str]) -> list[str]:
    """The longest prefix of ``path`` that names a command (the rest are arguments)."""
    command: click.Command = cli
    found: list[str] = []
    for word in path:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        found.append(word)
    return found


def test_every_command_named_in_the_runbook_exists_with_its_options() -> None:
    named = runbook_commands()
    assert len(named) > 20, "the runbook names too few commands to be useful"
    runner = CliRunner()
    helps: dict[tuple[str, ...], str] = {}
    for path, options, snippet in named:
        command = resolve(path)
        assert command, f"`{snippet}`: no such etsgw command"
        leaf = cli
        for word in command:
            leaf = leaf.commands[word]
        assert not (isinstance(leaf, click.Group) and len(command) < len(path)), \
            f"`{snippet}`: etsgw {' '.join(command)} has no subcommand {path[len(command)]}"
        key = tuple(command)
        if key not in helps:
            result = runner.invoke(cli, [*command, "--help"])
            assert result.exit_code == 0, f"`{snippet}`: --help failed: {result.output}"
            helps[key] = result.output
        for option in options:
            assert option in helps[key], f"`{snippet}`: etsgw {' '.join(command)} has no {option}"
