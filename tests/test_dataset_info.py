"""facts/dataset.yaml: the dataset's own title, version, date, licence and maintainers."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from alliance_cli import cache
from alliance_cli.model import DatasetInfo, Licence
from alliance_cli.store import load, shipped_facts_dir

DATASET_YAML = """\
# comment kept
dataset:
  title: Borduria watch
  description: Claims about Borduria, each cited.
  version: "2.1.0"
  date: 2025-03-04
  licence:
    name: CC0-1.0
    url: https://creativecommons.org/publicdomain/zero/1.0/
  maintainers: [Ada, Grace]
"""


@pytest.fixture
def with_info(facts_copy: Path) -> Path:
    (facts_copy / "dataset.yaml").write_text(DATASET_YAML, encoding="utf-8")
    return facts_copy


def test_dataset_yaml_is_read(with_info):
    assert load(with_info).info == DatasetInfo(
        title="Borduria watch", description="Claims about Borduria, each cited.", version="2.1.0", date="2025-03-04",
        licence=Licence(name="CC0-1.0", url="https://creativecommons.org/publicdomain/zero/1.0/"),
        maintainers=("Ada", "Grace"),
    )


def test_the_shipped_dataset_has_its_own_version():
    info = load(shipped_facts_dir()).info
    assert info is not None and info.licence.name == "CC-BY-4.0"
    assert info.version.count(".") == 2


def test_a_facts_directory_may_leave_dataset_yaml_out(facts_copy):
    assert load(facts_copy).info is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('version: "2.1.0"', "version: 2.1", 'dataset.yaml:5: version: expected text, found the number 2.1; put the value in quotes to keep it as written'),
        ("date: 2025-03-04", "date: 2025-02-30", "dataset.yaml:6: date: '2025-02-30' is not a day of the calendar"),
        ("    url: https://creativecommons.org/publicdomain/zero/1.0/\n", "", "dataset.yaml:7: licence.url: required field is missing"),
        ("url: https://creativecommons.org/publicdomain/zero/1.0/", "url: creativecommons.org", "dataset.yaml:9: licence.url: must be a web address (https://...)"),
        ("maintainers: [Ada, Grace]", "maintainers: []", "dataset.yaml:10: maintainers: must not be empty"),
        # A homepage becomes a link in the data package: a `javascript:` one would run when followed.
        ("maintainers: [Ada, Grace]", 'maintainers: [Ada, Grace]\n  homepage: "javascript:alert(1)"',
         "dataset.yaml:11: homepage: must be a web address (https://...)"),
        ("  title: Borduria watch\n", "  title: Borduria watch\n  titel: typo\n", "dataset.yaml:4: titel: unknown key; did you mean 'title'?"),
        ("dataset:\n", "datasets:\n", "dataset.yaml:2: datasets: unknown top-level key; this file holds only 'dataset'"),
    ],
)
def test_a_bad_dataset_yaml_is_refused_at_its_line(run, with_info, monkeypatch, old, new, message):
    path = with_info / "dataset.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    monkeypatch.chdir(with_info)
    result = run("--facts", ".", "validate")
    assert result.exit_code == 1
    assert message in result.stderr.splitlines()


def test_about_reads_dataset_yaml(run, with_info):
    result = run("--facts", str(with_info), "about", "--format", "plain")
    assert result.exit_code == 0, result.stderr
    rows = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert rows["title"] == "Borduria watch"
    assert rows["version"] == "2.1.0"
    assert rows["dated"] == "2025-03-04"
    assert rows["licence"] == "CC0-1.0, https://creativecommons.org/publicdomain/zero/1.0/"
    assert rows["maintainers"] == "Ada, Grace"
    assert rows["cite as"].startswith("Ada, Grace. Borduria watch, version 2.1.0 (2025-03-04). CC0-1.0.")


def test_about_a_directory_without_dataset_yaml_does_not_borrow_the_shipped_title(run, facts_copy):
    rows = dict(line.split("\t", 1) for line in run("--facts", str(facts_copy), "about").stdout.splitlines())
    assert rows["title"] == f"untitled: {facts_copy} has no dataset.yaml"
    assert rows["version"] == "none"
    assert "Russia" not in run("--facts", str(facts_copy), "about").stdout


def test_exports_carry_the_dataset_version(run, with_info, tmp_path):
    doc = json.loads(run("--facts", str(with_info), "export", "--format", "json").stdout)
    assert doc["dataset"]["version"] == "2.1.0" and doc["dataset"]["licence"]["name"] == "CC0-1.0"
    db = tmp_path / "claims.db"
    assert run("--facts", str(with_info), "export", "--format", "sqlite", "--output", str(db)).exit_code == 0
    rows = dict(sqlite3.connect(db).execute("SELECT name, value FROM dataset"))
    assert rows["version"] == "2.1.0" and rows["title"] == "Borduria watch"
    assert json.loads(rows["maintainers"]) == ["Ada", "Grace"]
    assert rows["tool_version"].startswith("alliance-cli ")


def test_the_cache_serves_dataset_yaml_and_sees_it_change(with_info, tmp_path, monkeypatch):
    monkeypatch.delenv("ALLIANCE_NO_CACHE", raising=False)
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SETTLE_NS", 0)
    cache.load(with_info)
    served = cache.load(with_info)
    assert isinstance(served.claims, cache.IndexedClaims) and served.info == load(with_info).info
    time.sleep(0.02)
    path = with_info / "dataset.yaml"
    path.write_text(path.read_text().replace('"2.1.0"', '"2.2.0"'))
    assert cache.load(with_info).info.version == "2.2.0"
    path.unlink()
    assert cache.load(with_info).info is None


def test_schema_of_dataset_yaml(run):
    schema = json.loads(run("schema", "dataset").stdout)
    assert schema["required"] == ["dataset"]
    info = schema["$defs"]["DatasetInfo"]
    assert set(info["required"]) == {"title", "description", "version", "date", "licence", "maintainers"}
