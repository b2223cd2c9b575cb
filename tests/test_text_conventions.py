"""What text output reads like: booleans as true/false, counts that agree with their noun, `about` as data."""

from __future__ import annotations

import json
import re

import pytest

from alliance_cli.words import counted


@pytest.mark.parametrize("n,noun,text", [
    (0, "claim", "0 claims"), (1, "claim", "1 claim"), (2, "claim", "2 claims"), (1, "entity", "1 entity"),
    (34, "entity", "34 entities"), (1, "problem", "1 problem"), (1, "citation check", "1 citation check"),
    (2, "survey", "2 surveys"),
])
def test_counted_agrees_with_its_number(n, noun, text):
    assert counted(n, noun) == text


@pytest.mark.parametrize("fmt,true,false", [
    ("plain", "\ttrue\t", "\tfalse\t"), ("csv", ",true,", ",false,"), ("markdown", "| true |", "| false |"),
])
def test_booleans_read_true_and_false_in_every_text_format(run, fmt, true, false):
    out = run("figures", "--format", fmt).stdout
    assert true in out and false in out  # `approximate`: about 500 troops, and exact figures
    assert "True" not in out and "False" not in out


def test_one_claim_is_a_claim_not_claims(run):
    assert run("claims", "--limit", "1", "--format", "markdown").stdout.startswith("1 claim\n")
    table = run("claims", "--limit", "1", "--format", "table", env={"COLUMNS": "100"}).stdout
    assert table.startswith("1 claim\n") and "1 source" in table and "1 sources" not in table


def test_one_problem_is_a_problem(run, facts_copy):
    path = facts_copy / "claims" / "troops.yaml"
    path.write_text(path.read_text().replace("kind: troops", "kind: troop", 1))
    result = run("validate", str(facts_copy))
    assert result.exit_code == 1
    assert result.stderr.endswith("\n1 problem found\n")


def test_about_json_gives_numbers_and_objects(run):
    about = json.loads(run("about", "--format", "json").stdout)
    assert about["claims"] == {"total": 5, "by_kind": {"trade": 2, "troops": 2, "treaty": 1}}
    assert about["status"] == {"reported": 3, "alleged": 2}
    assert about["citations"] == 6
    assert about["sources"] == {"total": 2, "by_kind": {"article": 1, "podcast": 1}}
    assert about["entities"] == {"total": 5, "by_kind": {"country": 4, "organization": 1}}
    assert about["cite_as"].endswith("Cite the original sources too: `alliance cite CLAIM_ID`.")
    assert json.loads(run("about", "--format", "jsonl").stdout) == about


def test_about_stays_readable_as_text(run):
    # test_cli_views checks the plain rows of counts; a table reads the same.
    assert "\ncitations\t6\n" in run("about").stdout
    table = run("about", "--format", "table", env={"COLUMNS": "80"}).stdout
    assert re.search(r"\nclaims +5 \(trade 2, troops 2, treaty 1\) *\n", table)
    assert re.search(r"\nstatus +reported 3, alleged 2 *\n", table)


def test_the_python_api_counts_grammatically_too():
    import alliance_cli

    claims = alliance_cli.load().claims()
    assert repr(claims[:1]) == "<alliance_cli.Claims: 1 claim>"
    assert repr(claims[:2]) == "<alliance_cli.Claims: 2 claims>"
