"""Output is complete or the command fails: full disks, closed and slow pipes, narrow encodings.

Every test runs the real command in a subprocess with its stdout pointed at the real thing: /dev/full,
a closed descriptor, a pipe whose reader is gone, a small tmpfs, a non-blocking pipe.
"""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alliance_cli.cli import output
from alliance_cli.errors import AllianceError
from alliance_cli.store import shipped_facts_dir
from conftest import ARCHIVES

ALLIANCE = [sys.executable, "-m", "alliance_cli"]

# Every way the command writes to stdout: each output format, rich tables, Typer's own help and
# version, bare `alliance`, cite, validate's and verify's messages, schema, and `export -o -`.
EVERY_PATH = [
    ["claims"],
    ["claims", "--format", "table"],
    ["claims", "--format", "csv"],
    ["claims", "--format", "json"],
    ["claims", "--format", "markdown"],
    ["figures", "--format", "table"],
    ["claims", "--count-by", "kind", "--format", "table"],
    ["--version"],
    ["--help"],
    [],
    ["claims", "--help"],
    ["cite", "borduria-pact-2023"],
    ["cite", "borduria-pact-2023", "--format", "bibtex"],
    ["validate"],
    ["verify", "--sources", str(ARCHIVES)],
    ["schema", "claims"],
    ["export", "--output", "-"],
]


def _ids(args: list[str]) -> str:
    return " ".join(args) or "(bare)"


def alliance(*args: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*ALLIANCE, *args], timeout=60, **kwargs)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="this system has no /dev/full")
@pytest.mark.parametrize("args", EVERY_PATH, ids=_ids)
def test_a_full_disk_on_stdout_exits_1_with_the_reason(args):
    with open("/dev/full", "wb") as full:
        proc = alliance(*args, stdout=full)
    assert (proc.returncode, proc.stderr) == (1, b"error: cannot write to standard output: No space left on device\n")


@pytest.mark.parametrize("args", EVERY_PATH, ids=_ids)
def test_a_closed_stdout_exits_1_with_the_reason(args):
    proc = alliance(*args, stdout=None, preexec_fn=lambda: os.close(1))  # as `alliance ... >&-`
    assert (proc.returncode, proc.stderr) == (1, b"error: cannot write to standard output: Bad file descriptor\n")


def test_a_read_only_stdout_exits_1_with_the_reason(tmp_path):
    target = tmp_path / "read-only"
    target.write_text("")
    with target.open("rb") as read_only:  # as `alliance claims 1< file`
        proc = alliance("claims", stdout=read_only)
    assert (proc.returncode, proc.stderr) == (1, b"error: cannot write to standard output: Bad file descriptor\n")


@pytest.mark.parametrize("args", EVERY_PATH, ids=_ids)
def test_a_pipe_closed_by_its_reader_is_a_quiet_exit_0(args):
    # The reader is gone before the first byte, as after `| head -1` on a long listing.
    read, write = os.pipe()
    os.close(read)
    try:
        proc = alliance(*args, stdout=write)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (0, b"")


def test_table_output_into_head_is_a_quiet_exit_0():
    facts = str(shipped_facts_dir())
    proc = subprocess.run(f"{' '.join(ALLIANCE)} --facts {facts} claims --format table | head -n 1", shell=True,
                          capture_output=True, timeout=60)
    assert (proc.stdout, proc.stderr, proc.returncode) == (b"95 claims\n", b"", 0)
    proc = subprocess.run(f"set -o pipefail; {' '.join(ALLIANCE)} --facts {facts} claims --format table | head -n 1",
                          shell=True, executable="/bin/bash", capture_output=True, timeout=60)
    assert proc.returncode == 0


def test_stderr_closed_too_keeps_the_exit_code():
    with open(os.devnull, "wb") as null:
        proc = alliance("show", "atlantis", stdout=null, stderr=None, preexec_fn=lambda: os.close(2))
    assert proc.returncode == 3
    proc = alliance("claims", stdout=None, stderr=None, preexec_fn=lambda: (os.close(1), os.close(2)))
    assert proc.returncode == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="this system has no /dev/full")
def test_a_full_stderr_keeps_the_exit_code_and_prints_no_traceback():
    with open("/dev/full", "wb") as full:
        proc = alliance("show", "atlantis", stderr=full)
    assert (proc.returncode, proc.stdout) == (3, b"")


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 16 KiB tmpfs: a real file system that fills up partway through a write."""
    mount = tmp_path / "small"
    mount.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)], check=True,
                       capture_output=True, timeout=30)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"cannot mount a tmpfs here (needs root and permission to mount): {e}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False, timeout=30)


def test_a_disk_that_fills_up_partway_is_an_error_not_a_short_file(small_disk):
    # The shipped dataset's CSV is larger than the disk: the first write() returns a short count.
    with (small_disk / "claims.csv").open("wb") as out:
        proc = alliance("--facts", str(shipped_facts_dir()), "export", "--format", "csv", stdout=out)
    assert (proc.returncode, proc.stderr) == (1, b"error: cannot write to standard output: No space left on device\n")
    assert 0 < (small_disk / "claims.csv").stat().st_size < len(
        alliance("--facts", str(shipped_facts_dir()), "export", "--format", "csv").stdout)


def test_export_output_onto_a_disk_that_fills_up_leaves_nothing(small_disk):
    path = small_disk / "claims.csv"
    proc = alliance("--facts", str(shipped_facts_dir()), "export", "--output", str(path))
    assert (proc.returncode, proc.stderr) == (1, f"{path}: cannot write: No space left on device\n".encode())
    assert list(small_disk.iterdir()) == []


@pytest.mark.parametrize("name", ["claims.db", "package/"])
def test_a_database_or_data_package_onto_a_disk_that_fills_up_leaves_the_previous_one(small_disk, name):
    previous = {small_disk / "claims.db": b"the previous database\n", small_disk / "claims.metadata.json": b"{}\n",
                small_disk / "package" / "datapackage.json": b"{}\n"}
    (small_disk / "package").mkdir()
    for path, data in previous.items():
        path.write_bytes(data)
    proc = alliance("--facts", str(shipped_facts_dir()), "export", "--output", str(small_disk / name))
    assert (proc.returncode, proc.stderr) == (1, f"{small_disk / name}: cannot write: No space left on device\n".encode())
    assert {path: path.read_bytes() for path in previous} == previous
    assert sorted(p.name for p in small_disk.iterdir()) == ["claims.db", "claims.metadata.json", "package"]


def test_a_non_blocking_stdout_gets_every_byte():
    # Another program may leave a shared pipe non-blocking: a full pipe is then EAGAIN, not an end.
    expected = alliance("--facts", str(shipped_facts_dir()), "export").stdout
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 4096)
    assert len(expected) > 4 * 4096
    os.set_blocking(write, False)
    proc = subprocess.Popen([*ALLIANCE, "--facts", str(shipped_facts_dir()), "export"], stdout=write,
                            stderr=subprocess.PIPE)
    os.close(write)
    time.sleep(0.5)  # let the pipe fill up
    with os.fdopen(read, "rb") as reader:
        received = reader.read()
    assert (proc.wait(timeout=60), proc.stderr.read(), received == expected) == (0, b"", True)
    proc.stderr.close()


def test_short_writes_are_followed_up_until_every_byte_is_written(monkeypatch):
    # A fake os.write that takes at most 7 bytes at a time, as a nearly full disk or a signal may.
    real_write = os.write
    monkeypatch.setattr(output.os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    read, write = os.pipe()
    try:
        output.Stream(write, "utf-8", strict=True).write("every byte, “quoted”\n")
        os.close(write)
        assert os.read(read, 100).decode() == "every byte, “quoted”\n"
    finally:
        os.close(read)


def test_a_write_that_makes_no_progress_is_an_error(monkeypatch):
    monkeypatch.setattr(output.os, "write", lambda fd, data: 0)
    with pytest.raises(AllianceError) as raised:
        output.Stream(1, "utf-8", strict=True).write("x")
    assert str(raised.value) == "cannot write to standard output: the write made no progress"


def test_stderr_write_errors_are_swallowed(monkeypatch):
    def fail(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "write", fail)
    assert output.Stream(2, "utf-8", strict=False).write("message\n") == 8


# ---- narrow encodings -----------------------------------------------------------------------


def test_an_ascii_stdout_gets_an_ascii_table_with_escapes():
    proc = alliance("claims", "--format", "table", env={**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "80"})
    assert (proc.returncode, proc.stderr) == (0, b"")
    text = proc.stdout.decode("ascii")  # every byte is ASCII
    assert "borduria-pact-2023" in text
    assert "-+-" in text  # rich's ASCII box instead of box drawing
    assert "\\u201cTrade between them reached $12.5 billion in 2023\\u201d" in text  # curly quotes, escaped


HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "latin-1"])
@pytest.mark.parametrize("args", [["sources"], ["claims"], ["figures"], ["entities"], ["show", "hostilia"]])
def test_a_narrow_stdout_keeps_every_table_row_inside_its_columns(encoding, args):
    # An escape (\u2019) is longer than the character it stands for: written after the layout, it
    # pushed its cell past the column rule and the line past the terminal's width.
    proc = alliance("--facts", str(HOSTILE), *args, "--format", "table",
                    env={**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "80"})
    assert (proc.returncode, proc.stderr) == (0, b"")
    lines = proc.stdout.decode(encoding).splitlines()
    assert max(map(len, lines)) <= 80, "\n".join(lines)
    for i, line in enumerate(lines):
        if "-+-" in line and set(line.strip()) <= {"-", "+"}:  # a table's rule: its rows keep to its columns
            joints = [j for j, ch in enumerate(line) if ch == "+"]
            rows = lines[i + 1: lines.index("", i) if "" in lines[i:] else len(lines)]
            assert all(row[j] == "|" for row in rows for j in joints), "\n".join(lines[i - 1: i + len(rows) + 1])


def test_a_cp1252_stdout_gets_the_bar_chart_with_hash_bars():
    proc = alliance("figures", "--format", "table", env={**os.environ, "PYTHONIOENCODING": "cp1252", "COLUMNS": "80"})
    assert (proc.returncode, proc.stderr) == (0, b"")
    text = proc.stdout.decode("cp1252")
    assert text.startswith("Borduria–Ruritania trade (USD billion)")  # cp1252 holds the en dash
    assert "\n2023  " + "#" * 40 + "  12.5 USD billion  [2]\n" in text


@pytest.mark.skipif(not (Path(sys.executable).parent / "alliance").exists(), reason="the alliance script is not installed beside this Python")
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="this system has no /dev/full")
def test_the_installed_alliance_command_is_guarded_too():
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([str(Path(sys.executable).parent / "alliance"), "--version"], stdout=full,
                              stderr=subprocess.PIPE, timeout=60)
    assert (proc.returncode, proc.stderr) == (1, b"error: cannot write to standard output: No space left on device\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="this system has no /dev/full")
def test_shell_completion_into_a_full_disk_exits_1():
    env = {**os.environ, "_ALLIANCE_COMPLETE": "complete_bash", "COMP_WORDS": "alliance show syl", "COMP_CWORD": "2"}
    assert alliance(env=env).stdout == b"syldavia\n"  # completion indeed, not help
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*ALLIANCE], stdout=full, stderr=subprocess.PIPE, env=env, timeout=60)
    assert (proc.returncode, proc.stderr) == (1, b"error: cannot write to standard output: No space left on device\n")
