"""`export --format sqlite` in the real Datasette: full-text search, facets, views and metadata.

The test starts `datasette` on 127.0.0.1 on a free port, asks it over HTTP, and stops it.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from datasette.utils import detect_fts

from alliance_cli.store import load, shipped_facts_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def shipped_db(run, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    db = tmp_path / "claims.db"
    result = run("export", "--format", "sqlite", "--output", str(db))
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", f"wrote {len(load(shipped_facts_dir()).claims)} claims to {db}, and Datasette's metadata to {tmp_path / 'claims.metadata.json'}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.db", "claims.metadata.json"]
    return db


@pytest.fixture
def datasette(shipped_db):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(shipped_db), "-m", str(shipped_db.with_name("claims.metadata.json")),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/-/versions.json")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"datasette did not start: {server.stdout.read().decode() if server.stdout else ''}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_datasette_searches_facets_and_shows_the_metadata(datasette, run, monkeypatch):
    found = _get(f"{datasette}/claims/claims.json?_search=drone&_shape=objects&_col=statement")
    assert found["rows"] == [
        {"id": "iran-ammunition-to-russia",
         "statement": "Since Russia's invasion of Ukraine, Iran has supplied Russia with ammunition as well as drones."},
        {"id": "iran-drones-to-russia", "statement": "Iran has supplied Russia with drones used in its war in Ukraine."},
    ]
    quotes = _get(f"{datasette}/claims/citations.json?_search=shahed&_shape=array")
    assert [(r["claim_id"], r["quote"]) for r in quotes] == [
        ("iran-drones-to-russia",
         "provided vital military technology, most notably the Shahed drones that have reshaped the battlefield"),
    ]

    facet = _get(f"{datasette}/claims/claims.json?_facet=kind&_size=0")["facet_results"]["kind"]["results"]
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    counts = [line.split("\t") for line in run("claims", "--count-by", "kind").stdout.splitlines()]
    assert sorted((r["value"], r["count"]) for r in facet) == sorted((kind, int(n)) for kind, n in counts)

    view = _get(f"{datasette}/claims/claims_with_parties.json?id=russia-north-korea-treaty-2024&_shape=array")
    assert [(r["parties"], r["citations"]) for r in view] == [('["Russia","North Korea"]', 3)]
    alleged = _get(f"{datasette}/claims/claims_with_parties.json?status=alleged&_shape=array&_sort=id")
    # Named where the sources name who alleges it; two rest on unnamed reports ("reportedly", "reports claim").
    assert [r["id"] for r in alleged if not json.loads(r["asserted_by"])] == [
        "north-korea-troops-kursk-11000", "russia-advanced-military-technology-to-iran"]
    assert len(alleged) == 6

    metadata = _get(f"{datasette}/-/metadata.json")
    assert metadata["databases"]["claims"]["tables"]["claims"]["fts_table"] == "claims_fts"
    info = load(shipped_facts_dir()).info
    assert (metadata["title"], metadata["description"]) == (info.title, info.description)
    assert (metadata["license"], metadata["license_url"]) == (
        "Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/")
    with urllib.request.urlopen(f"{datasette}/claims/claims", timeout=10) as response:
        page = response.read().decode()
    assert 'name="_search"' in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/">Creative Commons Attribution 4.0 International</a>' in page
    assert 'data-column-description="The claim in the curators&#39; words; the quotes in citations support it."' in page


def test_datasette_finds_the_search_index_without_the_metadata(shipped_db):
    db = sqlite3.connect(shipped_db)
    assert detect_fts(db, "claims") == "claims_fts"
    assert detect_fts(db, "citations") == "citations_fts"
    ids = db.execute("SELECT id FROM claims WHERE rowid IN "
                     "(SELECT rowid FROM claims_fts WHERE claims_fts MATCH 'drone') ORDER BY id").fetchall()
    assert ids == [("iran-ammunition-to-russia",), ("iran-drones-to-russia",)]


def test_metadata_sits_beside_the_database_named_after_it(run, tmp_path):
    db = tmp_path / "my.data.db"
    assert run("export", "-f", "sqlite", "-o", str(db)).exit_code == 0
    metadata = json.loads((tmp_path / "my.data.metadata.json").read_text())
    assert list(metadata["databases"]) == ["my.data"]
    tables = metadata["databases"]["my.data"]["tables"]
    assert tables["citations"]["columns"]["quote"].startswith("Verbatim words from the source")
    assert tables["claims_fts"] == {"hidden": True}
    columns = {t: {r[1] for r in sqlite3.connect(db).execute(f"PRAGMA table_info({t})")} for t in tables}
    for table, described in tables.items():
        assert set(described.get("columns", {})) <= columns[table], table  # no description of a column that is not there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my.data.db", "my.data.metadata.json"]
