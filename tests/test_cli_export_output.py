"""`export --output`: the format from the file's suffix, special files, symlinks, the facts directory, signals."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from alliance_cli.formats import SUFFIXES, OutputFormat

ALLIANCE = [sys.executable, "-m", "alliance_cli"]


def _leftovers(folder: Path, *keep: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p not in keep)


# ---- the format from the suffix -------------------------------------------------------------


def _looks_like(fmt: OutputFormat, data: bytes) -> bool:
    if fmt is OutputFormat.csv:
        return data.startswith(b"id,date,end,kind,")
    if fmt is OutputFormat.json:
        return list(json.loads(data)) == ["dataset", "claims", "sources", "entities"]
    if fmt is OutputFormat.jsonl:
        return all(json.loads(line)["id"] for line in data.splitlines()) and len(data.splitlines()) == 5
    if fmt is OutputFormat.markdown:
        return data.startswith(b"| Date | Kind | Statement | Status | Sources |")
    if fmt is OutputFormat.sqlite:
        return data.startswith(b"SQLite format 3\x00")
    raise AssertionError(f"no check for {fmt}")


@pytest.mark.parametrize("suffix", [*SUFFIXES, ".CSV", ".Json", ".DB"])
def test_export_output_takes_the_format_from_the_suffix(run, tmp_path, suffix):
    path = tmp_path / f"claims{suffix}"
    result = run("export", "--output", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"wrote 5 claims to {path}\n")
    assert _looks_like(SUFFIXES[suffix.lower()], path.read_bytes())


def test_export_sqlite_by_suffix_opens_in_sqlite(run, tmp_path):
    path = tmp_path / "claims.sqlite"
    assert run("export", "-o", str(path)).exit_code == 0
    assert sqlite3.connect(path).execute("SELECT count(*) FROM claims").fetchone() == (5,)


def test_export_format_that_contradicts_the_suffix_is_refused_and_the_file_kept(run, tmp_path):
    db = tmp_path / "claims.db"
    assert run("export", "-o", str(db)).exit_code == 0
    before = db.read_bytes()
    result = run("export", "--format", "csv", "-o", str(db))
    assert (result.exit_code, result.stderr) == (
        2, f"error: --format csv does not match {db}, whose suffix says sqlite; drop --format or rename the file\n")
    assert db.read_bytes() == before


def test_export_format_that_agrees_with_the_suffix_is_fine(run, tmp_path):
    path = tmp_path / "claims.CSV"
    assert run("export", "--format", "csv", "-o", str(path)).exit_code == 0
    assert _looks_like(OutputFormat.csv, path.read_bytes())


@pytest.mark.parametrize("name", ["claims.txt", "claims", "claims.csv.bak"])
def test_export_to_an_unknown_suffix_asks_for_a_format(run, tmp_path, name):
    path = tmp_path / name
    result = run("export", "-o", str(path))
    assert (result.exit_code, result.stderr) == (
        2, f"error: cannot tell which format to write to {path} from its name; give --format, or name the file "
           "with one of .csv, .json, .jsonl, .ndjson, .md, .markdown, .db, .sqlite, .sqlite3\n")
    assert not path.exists()
    result = run("export", "--format", "plain", "-o", str(path))
    assert (result.exit_code, result.stderr) == (0, f"wrote 5 claims to {path}\n")


@pytest.mark.parametrize("args", [["--format", "json"], ["-o", "claims.md"], ["--format", "sqlite", "-o", "x.db"]])
def test_excel_with_anything_but_csv_is_a_usage_error(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = run("export", "--excel", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --excel adds a byte order mark to CSV only; this export is ")
    assert _leftovers(tmp_path) == []


def test_export_to_stdout_defaults_to_json_and_says_nothing(run):
    result = run("export")
    assert (result.exit_code, result.stderr) == (0, "")
    assert _looks_like(OutputFormat.json, result.stdout_bytes)


def test_wrote_line_counts_grammatically(run, tmp_path):
    result = run("export", "-o", str(tmp_path / "one.csv"), "--limit", "1")
    assert result.stderr == f"wrote 1 claim to {tmp_path / 'one.csv'}\n"
    result = run("export", "-o", str(tmp_path / "none.csv"), "--kind", "vote")
    assert result.stderr == f"wrote 0 claims to {tmp_path / 'none.csv'}\n"


# ---- what is not a regular file ---------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="this system has no /dev/full")
def test_export_to_a_device_writes_to_it_and_never_replaces_it(run):
    result = run("export", "-o", "/dev/full")
    assert (result.exit_code, result.stderr) == (1, "/dev/full: cannot write: No space left on device\n")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    result = run("export", "-o", os.devnull)
    assert (result.exit_code, result.stderr) == (0, f"wrote 5 claims to {os.devnull}\n")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_export_to_a_fifo_writes_into_it(run, tmp_path):
    fifo = tmp_path / "claims.csv"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("export", "-o", str(fifo))
    reader.join(timeout=30)
    assert (result.exit_code, result.stderr) == (0, f"wrote 5 claims to {fifo}\n")
    assert _looks_like(OutputFormat.csv, received[0])
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert _leftovers(tmp_path, fifo) == []


def test_export_to_dev_stdout_and_to_a_descriptor(tmp_path):
    proc = subprocess.run([*ALLIANCE, "export", "-f", "csv", "-o", "/dev/stdout"], capture_output=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, b"wrote 5 claims to /dev/stdout\n")
    assert _looks_like(OutputFormat.csv, proc.stdout)
    # `-o >(gzip > x)` names a pipe as /dev/fd/N: the same as this.
    read, write = os.pipe()
    proc = subprocess.Popen([*ALLIANCE, "export", "-o", f"/dev/fd/{write}"], pass_fds=(write,), stderr=subprocess.PIPE)
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        received = reader.read()
    assert (proc.wait(timeout=60), proc.stderr.read()) == (0, f"wrote 5 claims to /dev/fd/{write}\n".encode())
    proc.stderr.close()
    assert _looks_like(OutputFormat.json, received)  # a stream without a suffix gets the default, as stdout does


@pytest.mark.skipif(not Path("/bin/bash").exists() or not any(
    Path(d, "gzip").exists() for d in os.get_exec_path()), reason="needs bash and gzip")
def test_export_into_a_process_substitution(tmp_path):
    import gzip

    script = f'{" ".join(ALLIANCE)} export -f csv -o >(gzip > {tmp_path}/claims.csv.gz); wait $!'
    proc = subprocess.run(["/bin/bash", "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert _looks_like(OutputFormat.csv, gzip.decompress((tmp_path / "claims.csv.gz").read_bytes()))


def test_export_to_dev_stdout_appended_to_a_file_keeps_what_was_there(tmp_path):
    log = tmp_path / "log.csv"
    log.write_bytes(b"already here\n")
    with log.open("ab") as out:  # `alliance export -o /dev/stdout >> log.csv`
        proc = subprocess.run([*ALLIANCE, "export", "-f", "csv", "-o", "/dev/stdout"], stdout=out,
                              stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 0
    data = log.read_bytes()
    assert data.startswith(b"already here\nid,date,end,kind,")


def test_export_through_a_symlink_replaces_the_target_and_keeps_the_link(run, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("the previous export\n")
    target.chmod(0o640)
    link = tmp_path / "claims.csv"
    link.symlink_to(target.name)
    old_inode = target.stat().st_ino
    result = run("export", "-o", str(link))
    assert (result.exit_code, result.stderr) == (0, f"wrote 5 claims to {link}\n")
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert _looks_like(OutputFormat.csv, target.read_bytes())
    assert target.stat().st_ino != old_inode  # replaced whole, by a rename, as a plain file is
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path, link, target) == []


def test_export_through_a_dangling_symlink_creates_its_target(run, tmp_path):
    link = tmp_path / "claims.json"
    link.symlink_to("made.json")
    assert run("export", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and _looks_like(OutputFormat.json, (tmp_path / "made.json").read_bytes())


# ---- the facts directory --------------------------------------------------------------------


@pytest.mark.parametrize("where", ["claims/export.json", "export.json", "claims/borduria.yaml"])
def test_export_into_the_facts_directory_is_refused(run, facts_copy, where):
    target = facts_copy / where
    before = {p: p.read_bytes() for p in facts_copy.rglob("*") if p.is_file()}
    result = run("--facts", str(facts_copy), "export", "--format", "json", "-o", str(target))
    assert (result.exit_code, result.stderr) == (
        2, f"error: --output {target}: that is inside the facts directory in use ({facts_copy}); "
           "write the export somewhere else\n")
    assert {p: p.read_bytes() for p in facts_copy.rglob("*") if p.is_file()} == before


def test_export_through_a_link_into_the_facts_directory_is_refused(run, facts_copy, tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to(facts_copy / "claims" / "new.json")
    result = run("--facts", str(facts_copy), "export", "-o", str(link))
    assert result.exit_code == 2
    assert not (facts_copy / "claims" / "new.json").exists()


# ---- killed while writing -------------------------------------------------------------------

# The command as it runs, with fsync slowed down so that the test can kill it mid-write; the
# temporary file exists from before the data is written until the rename.
SLOW_FSYNC = ("import os, sys, time; real = os.fsync; os.fsync = lambda fd: (time.sleep(60), real(fd)); "
              "from alliance_cli.cli import main; sys.argv[0] = 'alliance'; main()")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_export_killed_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, sig):
    out = tmp_path / "claims.csv"
    out.write_text("the previous export\n")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_FSYNC, "export", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not _leftovers(tmp_path, out):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == -sig  # it dies of the signal, as a killed program should
    proc.stdout.close()
    proc.stderr.close()
    assert out.read_text() == "the previous export\n"
    assert _leftovers(tmp_path, out) == []


def test_export_under_nohup_ignores_a_hang_up(tmp_path):
    out = tmp_path / "claims.csv"
    script = SLOW_FSYNC.replace("time.sleep(60)", "time.sleep(1)")
    proc = subprocess.Popen([sys.executable, "-c", script, "export", "-o", str(out)], stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    while not _leftovers(tmp_path, out) and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGHUP)
    assert (proc.wait(timeout=30), proc.stderr.read()) == (0, f"wrote 5 claims to {out}\n".encode())
    proc.stderr.close()
    assert _looks_like(OutputFormat.csv, out.read_bytes())


@pytest.mark.parametrize("name", ["existing", "existing/", "new/"])
def test_export_to_a_folder_is_refused_whatever_its_suffix(run, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    result = run("export", "-o", name)
    assert (result.exit_code, result.stderr) == (1, f"{name}: is a folder: give a file name to write to\n")
    assert _leftovers(tmp_path) == ["existing"]


def test_wrote_line_shows_a_hostile_file_name_inertly(run, tmp_path):
    path = tmp_path / "red\x1b[31m\u202e.csv"
    result = run("export", "-o", str(path))
    assert (result.exit_code, result.stderr) == (0, f"wrote 5 claims to {tmp_path}/red\\x1b[31m\\u202e.csv\n")
    assert _looks_like(OutputFormat.csv, path.read_bytes())
