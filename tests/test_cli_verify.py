"""`alliance verify`: each archive's sha256, then each quote, normalizing only typography and spacing."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import ARCHIVES


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(ARCHIVES, target)
    return target


def test_verify_passes_and_summarizes(run):
    result = run("verify", "--sources", str(ARCHIVES))
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "6 quotes checked, 2 of 2 sources matched: all found\n", "",
    )


def test_verify_normalizes_curly_quotes_apostrophes_and_whitespace(run):
    # The archive has “friendship pact” and "Ruritania’s  pact ... covers\ndefense"; the dataset's quotes
    # use straight quotes and single spaces. Both must be found.
    text = (ARCHIVES / "beta.txt").read_text()
    assert "Ruritania’s  pact" in text and "covers\ndefense" in text
    assert "“friendship pact”" in (ARCHIVES / "alpha.txt").read_text()
    assert run("verify", "--sources", str(ARCHIVES)).exit_code == 0


def test_verify_reports_a_quote_not_in_the_text(run, facts_copy):
    path = facts_copy / "claims" / "borduria.yaml"
    path.write_text(path.read_text().replace("up from $9 billion in 2021", "up from $8 billion in 2021"))
    result = run("--facts", str(facts_copy), "verify", "--sources", str(ARCHIVES))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: borduria-trade-2021: alpha-report: quote not found; closest passage at line 4 differs: '8' -> '9': "
        "“up from $8 billion in 2021”",
        "error: 1 citation check failed",
    ]


def test_verify_reports_a_changed_archive(run, archives):
    path = archives / "alpha.txt"
    path.write_text(path.read_text().replace("2,000", "3,000"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = run("verify", "--sources", str(archives))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: alpha-report: archive alpha.txt has sha256 {digest}, the source record says "
        "45c1d4bf9938461c4f48d873d26a600b19a54a1f84a61ed22b0803bb9b192b72"
    )


def test_verify_reports_a_missing_archive(run, archives):
    (archives / "beta.txt").unlink()
    result = run("verify", "--sources", str(archives))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: beta-bulletin: archive beta.txt not found in {archives}",
        "error: 1 citation check failed",
    ]


def test_verify_without_the_sources_folder_fails_loudly(run, tmp_path):
    result = run("verify", "--sources", str(tmp_path / "absent"))
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'absent'}: sources folder not found; nothing was verified\n"


def test_verify_explains_a_miss_with_the_closest_passage(run, facts_copy):
    path = facts_copy / "claims" / "troops.yaml"
    path.write_text(path.read_text().replace("Syldavia allege that", "Syldavia claim that")
                    .replace("about 500 troops were sent in", "about 500 soldiers were sent in"))
    result = run("--facts", str(facts_copy), "verify", "--sources", str(ARCHIVES))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: borduria-troops-2000: alpha-report: quote not found; closest passage at line 5 differs: "
        "'claim' -> 'allege': “Officials in Syldavia claim that Ruritania sent 2,000 troops to Borduria; "
        "Ruritania denies it.”",
        "error: borduria-troops-500: beta-bulletin: quote not found; closest passage at line 5 differs: "
        "'soldiers' -> 'troops': “Syldavian intelligence says about 500 soldiers were sent in October 2024.”",
        "error: 2 citation checks failed",
    ]


@pytest.mark.parametrize("archive", ["../../../etc/hostname", "/etc/hostname", "sub/../../x.txt", "..\\\\x.txt"])
def test_an_archive_path_that_leaves_the_sources_folder_is_invalid(run, facts_copy, archive):
    path = facts_copy / "sources.yaml"
    path.write_text(path.read_text().replace("archive: alpha.txt", f"archive: '{archive}'"))
    for args in (("validate",), ("verify", "--sources", str(ARCHIVES))):
        result = run("--facts", str(facts_copy), *args)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.splitlines()[0] == (
            f"{facts_copy / 'sources.yaml'}:10: archive: must name a file inside the sources folder: "
            "no '..', no absolute path, no backslash")


def test_an_archive_linked_from_outside_the_sources_folder_is_not_read(run, archives, tmp_path):
    outside = tmp_path / "alpha-elsewhere.txt"
    shutil.move(archives / "alpha.txt", outside)
    (archives / "alpha.txt").symlink_to(outside)  # the right bytes, but not in the folder that was named
    result = run("verify", "--sources", str(archives))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"error: alpha-report: archive alpha.txt leads out of {archives}; only files inside it are read",
        "error: 1 citation check failed",
    ]


def test_an_archive_that_is_a_fifo_is_refused_without_waiting(run, archives):
    (archives / "beta.txt").unlink()
    os.mkfifo(archives / "beta.txt")
    result = run("verify", "--sources", str(archives))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "error: beta-bulletin: archive beta.txt: not a regular file",
        "error: 1 citation check failed",
    ]


def test_an_archive_that_is_a_device_or_a_folder_is_refused_unread(run, archives):
    (archives / "beta.txt").unlink()
    (archives / "beta.txt").mkdir()
    (archives / "alpha.txt").unlink()
    try:  # /dev/zero's device, inside the folder: it would never end
        os.mknod(archives / "alpha.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    result = run("verify", "--sources", str(archives))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "error: alpha-report: archive alpha.txt: not a regular file",
        "error: beta-bulletin: archive beta.txt: not a regular file",
        "error: 2 citation checks failed",
    ]


def test_verify_counts_case_and_says_so(run, facts_copy):
    path = facts_copy / "claims" / "borduria.yaml"
    path.write_text(path.read_text().replace("quote: up from $9 billion in 2021", "quote: Up from $9 billion in 2021"))
    result = run("--facts", str(facts_copy), "verify", "--sources", str(ARCHIVES))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "error: borduria-trade-2021: alpha-report: quote not found; closest passage at line 4 differs: "
        "'Up' -> 'up': “Up from $9 billion in 2021”")


def test_an_archive_name_with_a_control_character_is_invalid(run, facts_copy):
    path = facts_copy / "sources.yaml"
    path.write_text(path.read_text().replace("archive: alpha.txt", 'archive: "alpha\\0.txt"'))
    for args in (("validate",), ("verify", "--sources", str(ARCHIVES))):
        result = run("--facts", str(facts_copy), *args)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.splitlines()[0] == (
            f"{facts_copy / 'sources.yaml'}:10: archive: a file name cannot hold control characters")
