"""`alliance verify`: each archive's sha256, then each quote, normalizing only typography and spacing."""

from __future__ import annotations

import hashlib
import shutil
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
        "error: borduria-trade-2021: alpha-report: quote not found in the archived text: “up from $8 billion in 2021”",
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
