"""The Python API: docs/api.md's worked example, and the CLI selecting claims through the same calls."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

import alliance_cli
from alliance_cli.store import load

DOCS = Path(__file__).parents[1] / "docs"


def test_the_worked_example_in_docs_api_runs_as_written(monkeypatch):
    pytest.importorskip("pandas", reason="the example feeds pandas; pandas is in the test extra")
    monkeypatch.delenv("ALLIANCE_FACTS")  # the example is about the shipped dataset
    failures, tried = doctest.testfile(str(DOCS / "api.md"), module_relative=False,
                                       optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tried > 10 and failures == 0


def test_load_reads_alliance_facts_like_the_cli(mini_facts):
    data = alliance_cli.load()
    assert data.facts_dir == mini_facts
    assert tuple(data.dataset.claims) == load(mini_facts).claims


def test_load_a_directory_without_the_cache(facts_copy):
    data = alliance_cli.load(facts_copy, cache=False)
    assert data.claims().ids() == [
        "borduria-trade-2021", "borduria-trade-2023", "borduria-pact-2023", "borduria-troops-500", "borduria-troops-2000",
    ]


@pytest.mark.parametrize(
    ("filters", "argv"),
    [
        ({}, []),
        ({"party": "BOR"}, ["--party", "BOR"]),
        ({"party": ["borduria", "syldavia"]}, ["--party", "borduria", "--party", "syldavia"]),
        ({"kind": ["trade", "treaty"], "year": 2023}, ["--kind", "trade", "--kind", "treaty", "--year", "2023"]),
        ({"contested": True}, ["--contested"]),
        ({"source": "beta-bulletin", "limit": 2}, ["--source", "beta-bulletin", "--limit", "2"]),
        ({"since": "2024-06", "until": "2025"}, ["--since", "2024-06", "--until", "2025"]),
    ],
)
def test_the_api_and_the_cli_list_the_same_claims(run, filters, argv):
    result = run("claims", *argv, "--format", "json")
    assert result.exit_code == 0, result.stderr
    cli_ids = [c["id"] for c in json.loads(result.stdout)["claims"]]
    assert alliance_cli.load().claims(**filters).ids() == cli_ids


def test_records_keep_types_and_every_citation():
    data = alliance_cli.load()
    (record,) = data.claims(kind="treaty").to_records()
    assert record["id"] == "borduria-pact-2023"
    assert record["parties"] == ["ruritania", "borduria"]
    assert record["sources"] == ["alpha-report", "beta-bulletin"]
    assert record["quotes"][1] == "Ruritania's pact with Borduria, signed in 2023, covers defense and trade."
    assert record["notes"] == [None, "The bulletin gives the year only."]
    trade = data.claim("borduria-trade-2023")
    assert alliance_cli.claim_record(trade, data.dataset)["quantity_amount"] == 12.5


def test_unknown_names_and_bad_values_raise_the_cli_errors():
    data = alliance_cli.load()
    with pytest.raises(alliance_cli.NotFoundError, match="no entity 'atlantis'"):
        data.claims(party="atlantis")
    with pytest.raises(alliance_cli.NotFoundError, match="no claim 'nope'"):
        data.claim("nope")
    with pytest.raises(alliance_cli.UsageError, match="--kind: unknown kind 'treatie'"):
        data.claims(kind="treatie")
    with pytest.raises(alliance_cli.UsageError):
        data.claims(sort="colour")


def test_invalid_facts_raise_with_file_and_line(facts_copy):
    path = facts_copy / "claims" / "borduria.yaml"
    path.write_text(path.read_text().replace("kind: trade", "kind: trad", 1))
    with pytest.raises(alliance_cli.AllianceError) as raised:
        alliance_cli.load(facts_copy, cache=False)
    assert "borduria.yaml:20: kind:" in str(raised.value.problems[0]) and "'trad' is not one of" in str(raised.value.problems[0])


def test_the_api_prints_nothing(capsys):
    data = alliance_cli.load()
    data.claims(party="borduria").to_records()
    assert capsys.readouterr() == ("", "")
