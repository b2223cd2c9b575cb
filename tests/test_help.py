"""`alliance --help`: commands grouped in a deliberate order, whole summaries, and only the formats each accepts."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.main import get_command

from alliance_cli.cli import app
from alliance_cli.cli.common import HELP_GROUPS, summary

COMMANDS = get_command(app).commands  # type: ignore[attr-defined]
VIEW_FORMATS = ["table", "plain", "csv", "json", "jsonl", "markdown"]
# What `--format` offers: a view's formats, unless the command is listed here.
OTHER_FORMATS = {"export": ["plain", "csv", "json", "jsonl", "markdown", "sqlite"], "cite": ["text", "bibtex", "csl-json"]}
WITH_FORMAT = sorted(n for n, c in COMMANDS.items() if any("--format" in p.opts for p in c.params))


def help_text(run, *args: str) -> str:
    result = run(*args, "--help", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    return result.stdout


def test_help_lists_commands_under_headings_in_a_deliberate_order(run):
    sections = re.findall(r"^(\S[^\n]*):\n((?:  [^\n]*\n)+)", help_text(run), re.M)
    listed = [(heading, re.findall(r"^  (\S+)", body, re.M)) for heading, body in sections]
    expected = [(heading, [n for n in names if n in COMMANDS]) for heading, names in HELP_GROUPS]
    assert listed[1:] == expected  # after "Options"
    assert "Other commands" not in help_text(run), "a command is missing from HELP_GROUPS in cli/common.py"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_summary_is_one_whole_sentence_on_one_line_at_80_columns(run, name):
    text = summary(COMMANDS[name].callback.__doc__)
    assert text.endswith(".") and ". " not in text, f"`{name}`: {text!r} is not one sentence"
    width = max(len(n) for n in COMMANDS)
    assert f"\n  {name.ljust(width)}  {text}\n" in help_text(run), f"`{name}` summary is cut or wrapped at 80 columns"


@pytest.mark.parametrize("name", WITH_FORMAT)
def test_format_offers_exactly_what_the_command_accepts(run, name):
    offered = re.search(r"--format <([^>]+)>", help_text(run, name)).group(1).split("|")
    assert offered == OTHER_FORMATS.get(name, VIEW_FORMATS)
    arguments = ["x" for p in COMMANDS[name].params if p.param_type_name == "argument" and p.required]
    for fmt in {"table", "sqlite", "text"} - set(offered):
        result = run(name, *arguments, "--format", fmt)
        assert result.exit_code == 2, (name, fmt)
        assert f"'{fmt}' is not one of" in result.stderr


def test_views_offer_every_format_but_sqlite():
    assert {"show", "claims", "timeline", "treaties", "figures", "entities", "claim", "source", "sources",
            "about"} <= set(WITH_FORMAT)


@pytest.mark.parametrize("words,expected", [
    ("alliance claims --format ", VIEW_FORMATS), ("alliance export --format ", OTHER_FORMATS["export"]),
])
def test_shell_completion_offers_the_same_formats(words, expected):
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv[0]='alliance'; from alliance_cli.cli import main; main()"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "_ALLIANCE_COMPLETE": "complete_bash", "COMP_WORDS": words,
             "COMP_CWORD": str(len(words.split()))},
    )
    assert proc.stdout.split() == expected
