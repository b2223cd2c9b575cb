"""`export --output`: the format from the file's suffix, special files, symlinks, the facts directory, signals."""

from __future__ import annotations

import json
import os
import shutil
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
from conftest import MINI

ALLIANCE = [sys.executable, "-m", "alliance_cli"]


def _leftovers(folder: Path, *keep: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p not in keep)


# ---- the format from the suffix -------------------------------------------------------------


def _looks_like(fmt: OutputFormat, data: bytes) -> bool:
    if fmt is OutputFormat.csv:
        return data.startswith(b"id,date,end,kind,")
    if fmt is OutputFormat.json:
        return list(json.loads(data)) == ["schema_version", "dataset", "claims", "sources", "entities"]
    if fmt is OutputFormat.jsonl:
        return all(json.loads(line)["id"] for line in data.splitlines()) and len(data.splitlines()) == 5
    if fmt is OutputFormat.markdown:
        return data.startswith(b"| Date | Kind | Statement | Status | Sources |")
    if fmt is OutputFormat.sqlite:
        return data.startswith(b"SQLite format 3\x00")
    if fmt is OutputFormat.html:
        return data.startswith(b"<!DOCTYPE html>\n")
    raise AssertionError(f"no check for {fmt}")


@pytest.mark.parametrize("suffix", [*SUFFIXES, ".CSV", ".Json", ".DB"])
def test_export_output_takes_the_format_from_the_suffix(run, tmp_path, suffix):
    path = tmp_path / f"claims{suffix}"
    result = run("export", "--output", str(path))
    fmt = SUFFIXES[suffix.lower()]
    also = f", and Datasette's metadata to {tmp_path / 'claims.metadata.json'}" if fmt is OutputFormat.sqlite else ""
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"wrote 5 claims to {path}{also}\n")
    assert _looks_like(fmt, path.read_bytes())


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
           "with one of .csv, .json, .jsonl, .ndjson, .md, .markdown, .db, .sqlite, .sqlite3, .html, .htm (or a folder)\n")
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


@pytest.mark.parametrize("redirect", ["closed", "read-only"])
def test_export_to_dev_stdout_that_is_closed_or_read_only_fails(tmp_path, redirect):
    # The descriptor is written to as it is: never opened anew, which would make /dev/null (put in place
    # of a closed stdout) writable and report success for an export that went nowhere.
    source = tmp_path / "read-only"
    source.write_text("")
    with source.open("rb") as read_only:
        stdout = subprocess.DEVNULL if redirect == "read-only" else None
        proc = subprocess.run([*ALLIANCE, "export", "-o", "/dev/stdout"], stdin=subprocess.DEVNULL,
                              stdout=read_only if redirect == "read-only" else stdout, stderr=subprocess.PIPE,
                              timeout=60, **({"preexec_fn": lambda: os.close(1)} if redirect == "closed" else {}))
    assert (proc.returncode, proc.stderr) == (1, b"/dev/stdout: cannot write: Bad file descriptor\n")
    assert source.read_bytes() == b""


def test_export_to_dev_stdout_that_is_a_socket(tmp_path):
    import socket

    ours, theirs = socket.socketpair()
    with ours, theirs:
        proc = subprocess.Popen([*ALLIANCE, "export", "-o", "/dev/stdout"], stdout=theirs, stderr=subprocess.PIPE)
        theirs.close()
        received = b"".join(iter(lambda: ours.recv(65536), b""))
    assert (proc.wait(timeout=60), proc.stderr.read()) == (0, b"wrote 5 claims to /dev/stdout\n")
    proc.stderr.close()
    assert _looks_like(OutputFormat.json, received)


# The command as it runs, exporting to the name given with {fd} and {pid} filled in from inside it.
EXPORT_TO_OWN = ("import os, sys; from alliance_cli.cli import main; "
                 "sys.argv = ['alliance', 'export', '-o', sys.argv[1].format(fd=sys.argv[2], pid=os.getpid())]; main()")


@pytest.mark.parametrize("name", ["/dev/fd/{fd}", "/proc/self/fd/{fd}", "/proc/{pid}/fd/{fd}"])
def test_export_to_a_descriptor_it_was_not_given_is_refused(tmp_path, name):
    # Descriptors 3 and up that the shell did not pass are the command's own files, such as the cache
    # it reads the facts from: an export is never written into one of them.
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc")
    env = {**os.environ, "ALLIANCE_NO_CACHE": "0", "ALLIANCE_CACHE_DIR": str(tmp_path / "cache")}
    assert subprocess.run([*ALLIANCE, "claims"], env=env, capture_output=True, timeout=60).returncode == 0
    cache = {p: p.read_bytes() for p in (tmp_path / "cache").iterdir()}
    for fd in (3, 4, 5):
        proc = subprocess.run([sys.executable, "-c", EXPORT_TO_OWN, name, str(fd)], env=env, capture_output=True,
                              timeout=60)
        assert (proc.returncode, proc.stdout) == (1, b"")
        assert proc.stderr.endswith(f"/fd/{fd}: cannot write: Bad file descriptor\n".encode())
    assert {p: p.read_bytes() for p in (tmp_path / "cache").iterdir()} == cache


def test_export_to_an_empty_name_is_a_usage_error(run):
    result = run("export", "-o", "")
    assert (result.exit_code, result.stderr) == (
        2, "error: --output: the file name is empty (is a shell variable unset?); give a file name, or - for standard output\n")


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


def test_sqlite_export_replaces_the_database_and_its_metadata_together(run, tmp_path):
    # The metadata file cannot be written (a folder has its name): the database is left as it was too.
    (tmp_path / "claims.db").write_text("the previous export\n")
    (tmp_path / "claims.metadata.json").mkdir()
    result = run("export", "-o", str(tmp_path / "claims.db"))
    assert (result.exit_code, result.stderr) == (
        1, f"{tmp_path}/claims.metadata.json: is a folder: give a file name to write to\n")
    assert (tmp_path / "claims.db").read_text() == "the previous export\n"
    assert _leftovers(tmp_path) == ["claims.db", "claims.metadata.json"]


def test_a_data_package_through_a_symlinked_folder_replaces_its_target_and_keeps_the_link(run, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "datapackage.json").write_text("{}")
    link = tmp_path / "package"
    link.symlink_to("real")
    for _ in range(2):  # a new export, then one over it
        assert run("export", "-o", f"{link}/").exit_code == 0
    assert link.is_symlink() and os.readlink(link) == "real"
    assert json.loads((tmp_path / "real" / "datapackage.json").read_text())["resources"]
    assert _leftovers(tmp_path) == ["package", "real"]


@pytest.mark.parametrize("name", ["a" * 246 + ".csv", "é" * 123 + ".csv", "d" * 250 + "/"])
def test_export_to_a_name_as_long_as_a_file_name_can_be(run, tmp_path, name):
    # 250 bytes is a valid name; its temporary file's name is cut short to fit in the 255 allowed.
    result = run("export", "-o", str(tmp_path / name) + "/" * name.endswith("/"))
    assert result.exit_code == 0, result.stderr
    assert _leftovers(tmp_path) == [name.rstrip("/")]


def test_export_whose_metadata_name_is_too_long_writes_nothing(run, tmp_path):
    name = "b" * 248 + ".db"  # fits; "bbb….metadata.json" beside it does not
    result = run("export", "-o", str(tmp_path / name))
    assert (result.exit_code, result.stderr) == (
        1, f"{tmp_path / name[:-3]}.metadata.json: cannot write: File name too long\n")
    assert _leftovers(tmp_path) == []


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


@pytest.mark.parametrize("via", ["linked-folder/new.json", "elsewhere/../facts/claims/new.json", "linked-folder/../new.json"])
def test_export_into_the_facts_directory_by_a_roundabout_path_is_refused(run, facts_copy, tmp_path, via):
    # A symlinked folder leading into the facts, and `..`: refused by where they lead, not how they read.
    (tmp_path / "linked-folder").symlink_to(facts_copy / "claims")
    (tmp_path / "elsewhere").mkdir()
    result = run("--facts", str(facts_copy), "export", "-o", str(tmp_path / via))
    assert (result.exit_code, result.stderr) == (
        2, f"error: --output {tmp_path / via}: that is inside the facts directory in use ({facts_copy}); "
           "write the export somewhere else\n")
    assert sorted(p.name for p in facts_copy.rglob("*")) == sorted(p.name for p in MINI.rglob("*"))


def test_sqlite_metadata_through_a_link_into_the_facts_directory_is_refused(run, facts_copy, tmp_path):
    (tmp_path / "out.metadata.json").symlink_to(facts_copy / "claims" / "metadata.yaml")
    result = run("--facts", str(facts_copy), "export", "-o", str(tmp_path / "out.db"))
    assert (result.exit_code, result.stderr) == (
        2, f"error: --output {tmp_path}/out.metadata.json: that is inside the facts directory in use ({facts_copy}); "
           "write the export somewhere else\n")
    assert _leftovers(tmp_path, tmp_path / "out.metadata.json", facts_copy) == []
    assert not (facts_copy / "claims" / "metadata.yaml").exists()


@pytest.mark.parametrize("where", [".", "facts/..", "link"])
def test_a_data_package_over_the_folder_that_holds_the_facts_is_refused(run, tmp_path, monkeypatch, where):
    # Even a folder that looks like a previous export: the facts directory inside would go with it.
    project = tmp_path / "project"
    project.mkdir()
    facts = project / "facts"
    shutil.copytree(MINI, facts)
    (project / "datapackage.json").write_text("{}")
    (tmp_path / "link").symlink_to(project)
    monkeypatch.chdir(project if where != "link" else tmp_path)
    result = run("--facts", "facts" if where != "link" else "link/facts", "export", "-o", where)
    shown = "facts" if where != "link" else "link/facts"
    assert (result.exit_code, result.stderr) == (
        2, f"error: --output {where}: that folder holds the facts directory in use ({shown}); "
           "write the export somewhere else\n")
    assert sorted(p.name for p in project.iterdir()) == ["datapackage.json", "facts"]
    assert (facts / "sources.yaml").read_bytes() == (MINI / "sources.yaml").read_bytes()


# ---- killed while writing -------------------------------------------------------------------

# The command as it runs, with fsync slowed down so that the test can kill it mid-write; the
# temporary file exists from before the data is written until the rename.
SLOW_FSYNC = ("import os, sys, time; real = os.fsync; os.fsync = lambda fd: (time.sleep(60), real(fd)); "
              "from alliance_cli.cli import main; sys.argv[0] = 'alliance'; main()")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT])
@pytest.mark.parametrize("name", ["claims.csv", "claims.db", "package/"])
def test_export_killed_mid_write_leaves_the_old_files_and_no_temporary(tmp_path, sig, name):
    # A CSV file; a database and its metadata file, replaced together; a data package folder.
    old = {tmp_path / "claims.csv": "the previous export\n", tmp_path / "claims.db": "the previous database\n",
           tmp_path / "claims.metadata.json": "its metadata\n", tmp_path / "package" / "datapackage.json": "{}"}
    (tmp_path / "package").mkdir()
    for path, text in old.items():
        path.write_text(text)
    kept = [tmp_path / "claims.csv", tmp_path / "claims.db", tmp_path / "claims.metadata.json", tmp_path / "package"]
    # Each signal as a terminal delivers it, even when these tests run under nohup (which ignores
    # SIGHUP, and the export rightly keeps ignoring it: see the next test) or from a shell that
    # ignores SIGINT in background jobs.
    proc = subprocess.Popen([sys.executable, "-c", SLOW_FSYNC, "export", "-o", str(tmp_path / name)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
    deadline = time.monotonic() + 30
    while not _leftovers(tmp_path, *kept):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    proc.send_signal(sig)
    # It dies of the signal, as a killed program should; Ctrl-C is exit 130, as from a shell.
    assert proc.wait(timeout=30) == (130 if sig == signal.SIGINT else -sig)
    proc.stdout.close()
    proc.stderr.close()
    assert {path: path.read_text() for path in old} == old
    assert _leftovers(tmp_path, *kept) == []


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
    result = run("export", "-f", "csv", "-o", name)
    assert (result.exit_code, result.stderr) == (1, f"{name}: is a folder: give a file name to write to\n")
    assert _leftovers(tmp_path) == ["existing"]


@pytest.mark.parametrize("name", ["existing", "existing/", "new/"])
def test_export_to_a_folder_without_a_format_writes_a_data_package(run, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    result = run("export", "-o", name)
    assert (result.exit_code, result.stderr) == (
        0, f"wrote 5 claims to {name} (a data package: 8 tables and datapackage.json)\n")
    assert (tmp_path / name / "datapackage.json").is_file()


def test_wrote_line_shows_a_hostile_file_name_inertly(run, tmp_path):
    path = tmp_path / "red\x1b[31m\u202e.csv"
    result = run("export", "-o", str(path))
    assert (result.exit_code, result.stderr) == (0, f"wrote 5 claims to {tmp_path}/red\\x1b[31m\\u202e.csv\n")
    assert _looks_like(OutputFormat.csv, path.read_bytes())
