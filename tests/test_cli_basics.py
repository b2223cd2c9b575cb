"""The command itself: help, version, formats, colour, pipes and completion."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alliance_cli import __version__
from alliance_cli.formats import FILE_FORMATS, OutputFormat, _formatters


def test_no_arguments_prints_help(run):
    result = run()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ") and "  show " in result.stdout


def test_version(run):
    assert run("--version").stdout == f"alliance-cli {__version__}\n"


@pytest.mark.parametrize("fmt", [f for f in OutputFormat if f not in FILE_FORMATS])
def test_every_format_has_a_formatter(fmt):
    listing, rows = _formatters(fmt)
    assert callable(listing) and callable(rows)


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat if f not in FILE_FORMATS])
def test_every_listing_command_takes_every_format(run, fmt):
    for args in (["show", "borduria"], ["claims"], ["timeline"], ["treaties"], ["sources"], ["source", "alpha-report"],
                 ["claim", "borduria-pact-2023"], ["about"], ["figures"], ["claims", "--count-by", "kind"]):
        result = run(*args, "--format", fmt)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stdout


def _alliance(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from alliance_cli.cli import main; main()", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60,
    )


def test_head_closes_the_pipe_quietly(mini_facts):
    proc = subprocess.run(
        f'"{sys.executable}" -c "from alliance_cli.cli import main; main()" export -f jsonl | head -c 10',
        shell=True, capture_output=True, text=True, env={**os.environ, "ALLIANCE_FACTS": str(mini_facts)}, timeout=60,
    )
    assert proc.stdout == '{"id": "bo'
    assert proc.stderr == ""


def test_completion_candidates_for_entities_kinds_sources_and_claims():
    env = {"_ALLIANCE_COMPLETE": "complete_bash", "COMP_CWORD": "2"}
    cases = {
        "alliance show bo": "Bordurian\\ Republic\nborduria\n",
        "alliance claims --kind tr": "trade\ntreaty\ntroops\n",
        "alliance source al": "alpha-report\n",
        "alliance claim borduria-tr": "borduria-trade-2021\nborduria-trade-2023\nborduria-troops-2000\nborduria-troops-500\n",
    }
    for words, expected in cases.items():
        cword = str(len(words.split()) - 1)
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; sys.argv[0]='alliance'; from alliance_cli.cli import main; main()"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, **env, "COMP_WORDS": words, "COMP_CWORD": cword},
        )
        assert (proc.stdout, proc.stderr) == (expected, ""), words


def test_no_color_env_and_option_strip_colour(run):
    colour = re.compile(r"\x1b\[(?:\d+;)*3[0-7](?:;\d+)*m")
    assert colour.search(run("show", "borduria", "-f", "table", env={"FORCE_COLOR": "1"}).stdout)
    result = run("--no-color", "show", "borduria", "-f", "table", env={"FORCE_COLOR": "1"})
    assert not colour.search(result.stdout)  # bold and italic may remain: they are not colour
    result = run("show", "borduria", "-f", "table", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not colour.search(result.stdout)


@pytest.mark.parametrize("args", [
    ["show", "ruritania"], ["--no-color", "claims", "-n", "1"], ["claims", "--no-color", "--count-by", "kind"],
    ["add", "--help"], ["shwo", "ruritania"], ["--help"], [], ["validate"], ["--", "show", "ruritania"],
    ["show", "--help"], ["--facts", str(Path(__file__).parent / "fixtures" / "mini"), "sources"],
    ["--help", "show"], ["-h", "claims"], ["--version", "show"], ["--bogus", "show"], ["--facts=x", "about"],
])
def test_a_run_that_builds_only_its_own_command_answers_as_the_whole_app(args):
    # main() leaves registered only the command asked for (Typer builds every one on every run);
    # what a user sees must not change, a mistyped command's suggestion and the full help included.
    def alliance(code: str) -> tuple[int, str, str]:
        proc = subprocess.run([sys.executable, "-c", "import sys; sys.argv[0] = 'alliance'; from alliance_cli.cli "
                               f"import main, app; from alliance_cli.cli.output import guard_stdio; {code}", *args],
                              capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    assert alliance("main()") == alliance("guard_stdio(); app(prog_name='alliance')")
