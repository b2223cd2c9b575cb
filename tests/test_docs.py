"""The README tells the truth: every command is documented, and its examples print what they show.

Run `python tests/test_docs.py --update` to rewrite the README's example outputs from real runs.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from alliance_cli.cli import app
from alliance_cli.store import shipped_facts_dir

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# A console block: "$ alliance ARGS [| head -n N]" then the output, up to the closing fence.
EXAMPLE = re.compile(r"```console\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)```", re.S)
COMMANDS = sorted(get_command(app).commands)


def run_example(command: str) -> str:
    """What the README's command prints (stdout, then stderr as a terminal would show it)."""
    head = None
    if "|" in command:
        command, _, pipe = command.partition("|")
        m = re.fullmatch(r"\s*head -n (\d+)\s*", pipe)
        assert m, f"unsupported pipe in README example: {pipe!r}"
        head = int(m.group(1))
    args = shlex.split(command)
    assert args[0] == "alliance", command
    env = {"ALLIANCE_FACTS": str(shipped_facts_dir()), "COLUMNS": "80", "NO_COLOR": "1", "ALLIANCE_NO_CACHE": "1"}
    result = CliRunner().invoke(app, args[1:], env=env)
    out = result.stdout + result.stderr
    if head is not None:
        out = "".join(out.splitlines(keepends=True)[:head])
    return "\n".join(line.rstrip() for line in out.split("\n"))


def examples(text: str) -> list[tuple[str, str]]:
    return [(m.group("command"), m.group("output")) for m in EXAMPLE.finditer(text)]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: alliance " in result.stdout, f"`alliance {command} --help` shows no example"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_appears_in_the_readme(command):
    commands = {shlex.split(c)[1] for c, _ in examples(README.read_text())}
    assert command in commands, f"README has no example of `alliance {command}`"


def test_readme_names_every_field_of_plain_output():
    # "claim lines (id, date, ...), a blank line, then citation lines (mark, claim, ...)"
    text = " ".join(README.read_text().split())
    said = {kind: re.search(rf"{kind} lines \(([^)]*)\)", text).group(1).split(", ") for kind in ("claim", "citation")}
    env = {"ALLIANCE_FACTS": str(shipped_facts_dir()), "ALLIANCE_NO_CACHE": "1"}
    claims, _, citations = CliRunner().invoke(app, ["show", "north-korea", "--format", "plain"], env=env).stdout.partition("\n\n")
    assert {len(line.split("\t")) for line in claims.splitlines()} == {len(said["claim"])}
    assert {len(line.split("\t")) for line in citations.splitlines()} == {len(said["citation"])}


@pytest.mark.parametrize("command,output", examples(README.read_text()))
def test_readme_examples_print_what_they_show(monkeypatch, command, output):
    if "../shared/sources" in command and not (ROOT.parent / "shared" / "sources").is_dir():
        pytest.skip("the archived sources are not beside this checkout")
    monkeypatch.chdir(ROOT)
    assert run_example(command) == output


def update() -> None:
    os.chdir(ROOT)
    text = EXAMPLE.sub(lambda m: f"```console\n$ {m.group('command')}\n{run_example(m.group('command'))}```",
                       README.read_text())
    README.write_text(text)


if __name__ == "__main__" and "--update" in sys.argv:
    update()
