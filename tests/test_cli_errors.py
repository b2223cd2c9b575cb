"""Unexpected errors and `export --output`: one line and exit 70 for a bug; a file written whole or not at all."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

import alliance_cli.formats.csv
import alliance_cli.store
from alliance_cli import cli

HINT = "; rerun with --debug or ALLIANCE_DEBUG=1 for the traceback\n"


def _boom(*args, **kwargs):
    raise RuntimeError("boom [bold]in[/] the \x1b[2Jstore\nsecond line")


@pytest.fixture
def broken_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alliance_cli.store, "load", _boom)


@pytest.mark.parametrize("args", [("show", "borduria"), ("export",), ("sources",)])
def test_internal_error_is_one_inert_line_and_exit_70(run, broken_store, args):
    result = run(*args)
    assert result.exit_code == 70
    assert result.stdout == ""
    assert result.stderr == (
        "internal error (a bug in alliance-cli): RuntimeError: boom [bold]in[/] the \\x1b[2Jstore\\nsecond line" + HINT
    )


@pytest.mark.parametrize("how", ["option", "environment"])
def test_debug_prints_the_traceback_and_still_exits_70(run, broken_store, monkeypatch, how):
    if how == "environment":
        monkeypatch.setenv("ALLIANCE_DEBUG", "1")
    result = run(*(["--debug"] if how == "option" else []), "show", "borduria")
    assert result.exit_code == 70
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "in _boom\n" in result.stderr
    assert result.stderr.endswith("RuntimeError: boom [bold]in[/] the \x1b[2Jstore\nsecond line\n")


def test_exit_codes_are_in_the_help(run):
    help_text = " ".join(run("--help").stdout.split())
    assert ("Exit codes: 0 success; 1 invalid data or failed check; 2 bad command line; 3 no such "
            "name or id; 70 internal error (rerun with --debug or ALLIANCE_DEBUG=1 for the traceback).") in help_text


@pytest.mark.parametrize("doc", ["README.md", "docs/bad-input.md"])
def test_exit_codes_are_documented(doc):
    text = (Path(__file__).parents[1] / doc).read_text()
    assert all(f"| {code} |" in text for code in (0, 1, 2, 3, 70))


def test_bad_command_line_exits_2(run):
    result = run("export", "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format' / '-f'" in result.stderr


# ---- export --output ----------------------------------------------------------------------


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text("the previous export\n")
    path.chmod(0o640)
    return path


def _leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p != path)


def test_export_output_replaces_the_file_whole_and_keeps_its_permissions(run, out):
    result = run("export", "--format", "csv", "--output", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"wrote 5 claims to {out}\n")
    assert out.read_bytes() == run("export", "--format", "csv").stdout_bytes
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert _leftovers(out) == []


def test_export_output_new_file_gets_the_usual_permissions(run, tmp_path):
    path = tmp_path / "new.json"
    umask = os.umask(0o022)
    try:
        assert run("export", "--output", str(path)).exit_code == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's private 0600


def test_export_formatter_failing_midway_leaves_the_file_alone(run, out, monkeypatch):
    monkeypatch.setattr(alliance_cli.formats.csv, "claim_row", _boom)
    result = run("export", "--format", "csv", "--output", str(out))
    assert result.exit_code == 70
    assert out.read_text() == "the previous export\n"
    assert _leftovers(out) == []


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_export_write_failing_midway_leaves_the_file_alone_and_no_temporary(run, out, monkeypatch, step):
    def fail(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(cli.os, step, fail)
    result = run("export", "--format", "csv", "--output", str(out))
    assert (result.exit_code, result.stderr) == (1, f"{out}: cannot write: No space left on device\n")
    assert out.read_text() == "the previous export\n"
    assert _leftovers(out) == []


def test_export_interrupted_midway_leaves_no_temporary(run, out, monkeypatch):
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.os, "fsync", interrupt)
    result = run("export", "--format", "csv", "--output", str(out))
    assert result.exit_code != 0
    assert out.read_text() == "the previous export\n"
    assert _leftovers(out) == []


def test_export_to_a_missing_folder_is_a_clean_error(run, tmp_path):
    path = tmp_path / "missing" / "claims.csv"
    result = run("export", "--output", str(path))
    assert (result.exit_code, result.stderr) == (1, f"{path}: cannot write: No such file or directory\n")


# ---- an empty value is never a default ------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--facts", "", "show", "iran"], "Invalid value for '--facts' (env var: 'ALLIANCE_FACTS'): an empty path names "
                                      "no file or folder (is a shell variable unset?)"),
    (["validate", ""], "Invalid value for 'directory': an empty path names no file or folder"),
    (["lint", ""], "Invalid value for 'directory': an empty path names no file or folder"),
    (["verify", "--sources", ""], "Invalid value for '--sources': an empty path names no file or folder"),
    (["add", "source", "", "--id", "x", "--title", "t", "--kind", "essay", "--sources", "."],
     "Invalid value for 'FILE': an empty path names no file or folder"),
    (["export", "--output", ""], "error: --output: the file name is empty (is a shell variable unset?); give a file "
                                 "name, or - for standard output"),
    (["claims", "--sort", ""], "error: --sort: unknown value '' (choose date, kind, status, sources, id)"),
    (["show", "ruritania", "--sort", ""], "error: --sort: unknown value ''"),
    (["treaties", "--sort", " "], "error: --sort: unknown value ' '"),
    (["export", "--sort", ""], "error: --sort: unknown value ''"),
    (["timeline", "--sort", ""], "error: --sort: unknown value ''"),
])
def test_an_empty_value_is_a_bad_command_line_not_the_default(run, args, message):
    # `--sort "$ORDER"` with ORDER unset must not quietly mean date order, nor `--facts "$DIR"` this folder.
    result = run(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in " ".join(result.stderr.split()), result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["claims", "--year", "2023", "--year", "2024"], "--year takes one value, and was given two: '2023' and '2024'; give it once"),
    (["claims", "--count-by", "kind", "--count-by=party"], "--count-by takes one value, and was given two: 'kind' and 'party'"),
    (["claims", "--status", "alleged", "--status", "denied"], "--status takes one value"),
    (["claims", "--since", "2022", "--since", "2023"], "--since takes one value"),
    (["show", "ruritania", "-f", "csv", "--format", "json"], "--format takes one value, and was given two: 'csv' and 'json'"),
    (["export", "-o", "a.csv", "--output", "b.csv"], "--output takes one value"),
    (["--facts", "a", "--facts", "b", "show", "ruritania"], "--facts takes one value, and was given two: 'a' and 'b'"),
    (["claims", "-s", "\x1b[31mred", "-s", "b"], "--search takes one value, and was given two: '\\x1b[31mred' and 'b'"),
])
def test_an_option_of_one_value_given_two_is_a_bad_command_line(run, args, message):
    # click would keep the last silently: `--year 2023 --year 2024` would drop a filter without a word.
    result = run(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr


def test_the_same_value_twice_and_repeatable_options_are_fine(run):
    once = run("claims", "--party", "ruritania", "--kind", "treaty", "--kind", "trade", "-n", "2")
    twice = run("claims", "--party", "ruritania", "--party", "Ruritania", "--kind", "treaty", "--kind", "trade",
                "-n", "2", "--limit", "2", "-n2")
    assert (once.exit_code, twice.exit_code, twice.stderr) == (0, 0, "") and once.stdout == twice.stdout != ""
