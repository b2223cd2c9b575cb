"""`alliance export`: CSV, JSON, JSON Lines and SQLite, parsed back and compared."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import asdict

from pydantic import TypeAdapter

from alliance_cli.formats.csv import CLAIM_COLUMNS
from alliance_cli.model import Claim
from alliance_cli.store import load
from conftest import MINI


def test_export_json_has_claims_sources_entities_with_every_field(run):
    result = run("export", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert list(doc) == ["dataset", "claims", "sources", "entities"]
    assert doc["dataset"] is None  # the mini dataset has no dataset.yaml
    ds = load(MINI)
    assert doc["claims"] == json.loads(json.dumps([asdict(c) for c in ds.claims]))
    assert [s["id"] for s in doc["sources"]] == ["alpha-report", "beta-bulletin"]
    assert len(doc["entities"]) == 5  # every entity, also the ones no claim names
    pact = next(c for c in doc["claims"] if c["id"] == "borduria-pact-2023")
    assert pact["citations"][1] == {
        "source": "beta-bulletin",
        "quote": "Ruritania's pact with Borduria, signed in 2023, covers defense and trade.",
        "note": "The bulletin gives the year only.",
    }


def test_export_json_claims_validate_against_the_model(run):
    doc = json.loads(run("export", "-f", "json").stdout)
    claims = TypeAdapter(list[Claim]).validate_python(doc["claims"])
    assert tuple(claims) == load(MINI).claims


def test_export_jsonl_one_claim_per_line(run):
    lines = run("export", "-f", "jsonl").stdout.splitlines()
    claim = TypeAdapter(Claim)
    assert tuple(claim.validate_python(json.loads(line)) for line in lines) == load(MINI).claims


def test_export_csv_parses_back_with_fixed_header(run):
    result = run("export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == CLAIM_COLUMNS
    assert len(rows) == 5
    pact = next(r for r in rows if r["id"] == "borduria-pact-2023")
    assert pact["parties"] == "ruritania; borduria"
    assert pact["treaty_obligations"] == "defense"
    assert pact["treaty_mutual_defense"] == "true"
    assert pact["source_count"] == "2"
    assert pact["sources"] == "alpha-report; beta-bulletin"
    troops = next(r for r in rows if r["id"] == "borduria-troops-500")
    assert (troops["date"], troops["quantity_amount"], troops["quantity_unit"], troops["quantity_approximate"]) == (
        "2024-10", "500", "troops", "true",
    )
    assert next(r for r in rows if r["id"] == "borduria-trade-2023")["quantity_amount"] == "12.5"


def test_export_csv_neutralizes_formulas_but_not_numbers(run, facts_copy):
    path = facts_copy / "claims" / "borduria.yaml"
    text = path.read_text().replace(
        "statement: Trade between Ruritania and Borduria reached 12.5 billion US dollars in 2023.",
        'statement: "=HYPERLINK(\\"http://evil\\")"',
    ).replace("quote: up from $9 billion in 2021", 'quote: "@SUM(A1)"')
    path.write_text(text)
    result = run("--facts", str(facts_copy), "export", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["borduria-trade-2023"]["statement"] == "'=HYPERLINK(\"http://evil\")"
    assert rows["borduria-trade-2021"]["quotes"] == "'@SUM(A1)"
    assert rows["borduria-trade-2023"]["quantity_amount"] == "12.5"


def test_export_to_file_and_dash_means_stdout(run, tmp_path):
    out = tmp_path / "claims.csv"
    result = run("export", "-f", "csv", "--output", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    assert out.read_bytes().startswith(b"id,date,end,kind,")
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind
    assert run("export", "-f", "csv", "-o", "-").stdout_bytes == out.read_bytes()


def test_export_excel_writes_a_bom(run, tmp_path):
    out = tmp_path / "claims.csv"
    run("export", "-f", "csv", "--excel", "-o", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,date,")


def test_export_takes_the_claim_filters(run):
    rows = list(csv.DictReader(io.StringIO(run("export", "-f", "csv", "--kind", "trade", "--year", "2023").stdout)))
    assert [r["id"] for r in rows] == ["borduria-trade-2023"]


def test_export_sqlite_matches_the_json_export(run, tmp_path):
    db_path = tmp_path / "claims.db"
    result = run("export", "--format", "sqlite", "--output", str(db_path))
    assert (result.exit_code, result.stdout) == (0, "")
    doc = json.loads(run("export", "-f", "json").stdout)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA foreign_keys = ON")
    count = lambda table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
    assert count("claims") == len(doc["claims"])
    assert count("sources") == len(doc["sources"])
    assert count("entities") == len(doc["entities"])
    assert count("citations") == sum(len(c["citations"]) for c in doc["claims"])
    assert count("claim_parties") == sum(len(c["parties"]) + len(c["asserted_by"]) + len(c["denied_by"]) for c in doc["claims"])
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("SELECT date, quantity_amount FROM claims WHERE id='borduria-troops-500'").fetchone() == ("2024-10", 500.0)
    quote = db.execute(
        "SELECT quote FROM citations JOIN sources ON sources.id = citations.source_id "
        "WHERE claim_id = 'borduria-pact-2023' AND sources.kind = 'podcast'"
    ).fetchone()[0]
    assert quote == "Ruritania's pact with Borduria, signed in 2023, covers defense and trade."


def test_export_sqlite_needs_an_output_file(run):
    result = run("export", "-f", "sqlite")
    assert (result.exit_code, result.stderr) == (2, "error: --format sqlite writes a database file: give --output FILE\n")


def test_export_refuses_table_format(run):
    result = run("export", "-f", "table")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--format' / '-f': 'table' is not one of "
        "'plain', 'csv', 'json', 'jsonl', 'markdown', 'sqlite'.\n")


def test_sqlite_format_elsewhere_is_a_usage_error(run):
    result = run("claims", "-f", "sqlite")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--format' / '-f': 'sqlite' is not one of "
        "'table', 'plain', 'csv', 'json', 'jsonl', 'markdown'.\n")


def test_export_markdown_footnotes(run):
    out = run("export", "-f", "markdown", "--kind", "treaty").stdout
    assert "| 2023-03-03 | treaty | Ruritania and Borduria signed a friendship pact in Zenda with a mutual defense clause. | reported | [^1][^2] |" in out
    assert "[^2]: Beta Bulletin (podcast): “Ruritania's pact with Borduria, signed in 2023, covers defense and trade.”" in out


def test_schema_describes_the_claims_file(run):
    schema = json.loads(run("schema", "claims").stdout)
    claim = schema["$defs"]["Claim"]
    assert schema["required"] == ["claims"]
    assert claim["additionalProperties"] is False
    assert {"id", "kind", "parties", "statement", "citations"} <= set(claim["required"])
    assert {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"} in claim["properties"]["date"]["anyOf"]
    assert "treaty" in claim["properties"]["kind"]["enum"]


def test_schema_of_an_unknown_file_kind(run):
    result = run("schema", "claim")
    assert (result.exit_code, result.stderr) == (2, "error: no schema for 'claim'; choose claims, sources, entities, dataset\n")
