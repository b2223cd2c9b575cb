"""`alliance validate` and the refusal of `show`/`export` on an invalid dataset: every problem, file:line."""

from __future__ import annotations

from pathlib import Path

import pytest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_validate_shipped_style_summary(run):
    result = run("validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "5 claims, 2 sources, 5 entities: valid\n", "")


def test_validate_a_directory_argument(run, facts_copy):
    assert run("validate", str(facts_copy)).exit_code == 0


CASES = {
    "bad-yaml": (
        "claims/borduria.yaml", "    kind: treaty\n", "    kind: 'treaty\n",
        "{f}:17: YAML syntax: did not find expected key (while parsing a block mapping at line 2)",
    ),
    "missing-field": (
        "claims/troops.yaml", "    statement: Syldavian intelligence says about 500 troops were sent.\n", "",
        "{f}:15: statement: required field is missing",
    ),
    "unknown-key": (
        "claims/borduria.yaml", "    date: 2021\n", "    date: 2021\n    confidence: high\n",
        "{f}:33: confidence: unknown key",
    ),
    "dangling-entity": (
        "claims/troops.yaml", "asserted_by: [syldavia]\n    denied_by", "asserted_by: [sildavia]\n    denied_by",
        "{f}:8: asserted_by[0]: unknown entity 'sildavia'; did you mean 'syldavia'?",
    ),
    "dangling-source": (
        "claims/troops.yaml", "      - source: beta-bulletin", "      - source: gamma-gazette",
        "{f}:25: citations[0].source: unknown source 'gamma-gazette'",
    ),
    "dangling-related": (
        "claims/borduria.yaml", "related: [borduria-trade-2021]", "related: [borduria-trade-2020]",
        "{f}:25: related[0]: unknown claim 'borduria-trade-2020'; did you mean 'borduria-trade-2021'?",
    ),
    "bad-date": (
        "claims/troops.yaml", "date: 2024-10", "date: 2024-13",
        "{f}:18: date: '2024-13' has no month 13",
    ),
    "impossible-date": (
        "claims/troops.yaml", "date: 2024-10", "date: 2024-02-30",
        "{f}:18: date: '2024-02-30' is not a day of the calendar",
    ),
    "no-citation": (
        "claims/troops.yaml",
        "    citations:\n      - source: beta-bulletin\n        quote: Syldavian intelligence says about 500 troops were sent in October 2024.\n",
        "    citations: []\n",
        "{f}:24: citations: must not be empty",
    ),
    "end-without-date": (
        "claims/troops.yaml", "    date: null\n", "    date: null\n    end: 2024\n",
        "{f}:6: end: an end date needs a start date: every listing and date filter goes by `date`",
    ),
    "party-listed-twice": (
        "claims/troops.yaml", "parties: [ruritania, borduria]\n    date: 2024-10", "parties: [ruritania, ruritania]\n    date: 2024-10",
        "{f}:17: parties[1]: 'ruritania' is listed twice",
    ),
    "related-listed-twice": (
        "claims/borduria.yaml", "related: [borduria-trade-2021]", "related: [borduria-trade-2021, borduria-trade-2021]",
        "{f}:25: related[1]: 'borduria-trade-2021' is listed twice",
    ),
    "signed-without-date": (
        "claims/borduria.yaml", "    date: 2023-03-03\n", "    date: null\n",
        "{f}:9: treaty.signed: signed 2023-03-03 but the claim has no date; give it date: 2023-03-03",
    ),
    "alias-clashes-once-hyphens-fold": (
        "entities.yaml", "aliases: [Bordurian Republic]", "aliases: [Bordurian Republic, Kingdom-of-Ruritania]",
        "{f}:13: aliases[1]: 'Kingdom-of-Ruritania' already names entity 'ruritania'",
    ),
    "empty-quote": (
        "claims/borduria.yaml", "quote: up from $9 billion in 2021", "quote: '  '",
        "{f}:38: citations[0].quote: quote is empty",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_reports_file_line_field(run, facts_copy, monkeypatch, case):
    name, old, new, expected = CASES[case]
    edit(facts_copy / name, old, new)
    monkeypatch.chdir(facts_copy.parent)
    message = expected.format(f=f"facts/{name}")
    for args in (["validate"], ["show", "borduria"], ["export", "-f", "csv"]):
        result = run("--facts", "facts", *args)
        assert result.exit_code == 1, args
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0] == message, args
    assert run("--facts", "facts", "validate").stderr.splitlines()[-1] == "1 problem found"


def test_duplicate_id_across_files(run, facts_copy, monkeypatch):
    edit(facts_copy / "claims" / "troops.yaml", "  - id: borduria-troops-500", "  - id: borduria-trade-2021")
    edit(facts_copy / "claims" / "troops.yaml", "related: [borduria-troops-500]", "related: [borduria-trade-2023]")
    monkeypatch.chdir(facts_copy.parent)
    result = run("--facts", "facts", "validate")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "facts/claims/troops.yaml:15: id: duplicate claim id 'borduria-trade-2021' "
        "(first defined at facts/claims/borduria.yaml:29)",
        "1 problem found",
    ]


def test_every_problem_is_reported_not_just_the_first(run, facts_copy, monkeypatch):
    edit(facts_copy / "claims" / "troops.yaml", "date: 2024-10", "date: 2024-13")
    edit(facts_copy / "claims" / "borduria.yaml", "    date: 2021\n", "    date: 2021\n    confidence: high\n")
    edit(facts_copy / "entities.yaml", "iso3: SYL", "iso3: syl")
    monkeypatch.chdir(facts_copy.parent)
    result = run("--facts", "facts", "validate")
    assert result.stderr.splitlines() == [
        "facts/entities.yaml:24: iso3: 'syl' is not an upper-case ISO 3166 alpha-3 code",
        "facts/claims/borduria.yaml:33: confidence: unknown key",
        "facts/claims/troops.yaml:18: date: '2024-13' has no month 13",
        "3 problems found",
    ]


def test_missing_facts_directory(run, tmp_path):
    result = run("--facts", str(tmp_path / "nope"), "show", "iran")
    assert result.exit_code in (1, 2)
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_facts_env_var_and_option(run, facts_copy, monkeypatch):
    edit(facts_copy / "entities.yaml", "name: Borduria\n", "name: Borduria Prime\n")
    monkeypatch.setenv("ALLIANCE_FACTS", str(facts_copy))
    assert run("claims", "--format", "json").exit_code == 0
    assert "Borduria Prime" in run("show", "borduria", "-f", "json").stdout
    monkeypatch.delenv("ALLIANCE_FACTS")
    from conftest import MINI

    assert "Borduria Prime" not in run("--facts", str(MINI), "show", "borduria", "-f", "json").stdout
    assert "Borduria Prime" in run("--facts", str(facts_copy), "show", "borduria", "-f", "json").stdout
