"""`alliance lint`: every rule on a small fixture, output formats, exit codes, rule selection and
accepted exceptions; the rules' written forms of numbers and names; the Python interface."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alliance_cli import model
from alliance_cli.curate.lint import RULES, Finding, lint
from alliance_cli.store import load

from conftest import FIXTURES

LINT = FIXTURES / "lint"
FILE = "tests/fixtures/lint/claims/lint.yaml"

EXPECTED = f"""\
{FILE}:13: rifles-reported: hedged-as-reported: status is reported, but a quote attributes or hedges it: consider alleged or disputed ('reportedly' in beta-bulletin: “Ruritania has reportedly sold rifles to Borduria.”)
{FILE}:22: trade-2023: unsupported-number: statement: no quote of the claim gives this figure in any written form (13 billion)
{FILE}:32: troops-500: near-copy: the statement repeats 8 of its 8 words in order from a quote in beta-bulletin, 8 in a row; say it in our own words (“Syldavian intelligence says about 500 troops were sent”)
{FILE}:44: drills-north: unlisted-party: the statement names entity 'ruritania', which is not in parties, asserted_by or denied_by ('Strelsau')
{FILE}:52: troops-2000: one-way-related: lists 'troops-500' in related, but 'troops-500' does not list it back
{FILE}:52: troops-2000: unlinked-denial: cites the same denial as 'tanks-alleged' but neither lists the other in related (alpha-report: “Ruritania denies it.”)
{FILE}:67: tanks-alleged: unlinked-denial: cites the same denial as 'troops-2000' but neither lists the other in related (alpha-report: “Ruritania denies it.”)
{FILE}:78: troops-border: denied-elsewhere: reported, but 'troops-2000' (same kind and parties) cites a denial; relate the two or change the status (alpha-report: “Ruritania denies it.”)
"""


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])  # findings name files relative to the working directory


def test_lint_reports_each_rule_once_sorted_by_file_and_line(run, in_repo):
    result = run("lint", str(LINT))
    assert (result.exit_code, result.stdout, result.stderr) == (0, EXPECTED, "8 findings in 7 claims\n")


def test_lint_strict_fails_on_any_finding_and_passes_without(run, in_repo):
    assert run("lint", str(LINT), "--strict").exit_code == 1
    clean = run("lint", str(LINT), "--strict", "--rule", "near-copy", "--ignore", "near-copy")
    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "", "9 claims: no findings\n")


def test_lint_uses_the_facts_in_use_without_a_directory(run, in_repo, monkeypatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(LINT))
    assert run("lint").stdout == EXPECTED


def test_lint_rule_and_ignore_choose_rules(run, in_repo):
    only = run("lint", str(LINT), "--rule", "unlinked-denial", "--rule", "one-way-related")
    assert only.stdout == "".join(line + "\n" for line in EXPECTED.splitlines()[4:7])
    rest = run("lint", str(LINT), "--ignore", "unlinked-denial", "--ignore", "one-way-related", "--ignore", "near-copy")
    assert [line.split(": ")[2] for line in rest.stdout.splitlines()] == [
        "hedged-as-reported", "unsupported-number", "unlisted-party", "denied-elsewhere"]


@pytest.mark.parametrize("option", ["--rule", "--ignore"])
def test_lint_unknown_rule_is_a_usage_error_with_a_suggestion(run, option):
    result = run("lint", str(LINT), option, "near-copies")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {option}: unknown rule 'near-copies'; did you mean 'near-copy'?; rules: hedged-as-reported, "
        "unsupported-number, near-copy, unlisted-party, one-way-related, unlinked-denial, denied-elsewhere\n")


def test_lint_json_has_every_field_of_every_finding(run, in_repo):
    result = run("lint", str(LINT), "--format", "json", "--rule", "unlisted-party")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"schema_version": "2.0", "findings": [{
        "file": FILE, "line": 44, "claim": "drills-north", "rule": "unlisted-party",
        "message": "the statement names entity 'ruritania', which is not in parties, asserted_by or denied_by",
        "evidence": "'Strelsau'",
    }]}


def test_lint_on_invalid_data_reports_the_problem_and_exits_1(run, tmp_path):
    facts = tmp_path / "facts"
    shutil.copytree(LINT, facts)
    path = facts / "claims" / "lint.yaml"
    path.write_text(path.read_text().replace("kind: trade", "kind: trades"))
    result = run("lint", str(facts))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:23: kind: 'trades' is not one of: treaty, trade, energy, economic-support, arms, "
        "technology, troops, military-cooperation, military-presence, membership, vote, diplomacy, summit, sanctions, "
        "defense-policy; did you mean 'trade'?",
        "error: invalid data: fix what validate reports before linting",
    ]


# ---- accepted exceptions ------------------------------------------------------------------


def test_an_accepted_exception_silences_only_its_rule_and_shows_in_claim(run, monkeypatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(LINT))
    assert "envoys-exchanged" not in run("lint").stdout
    accepted = "lint accepted: near-copy (reason: Four words; any rewording would say more or less than the source.)"
    plain = run("claim", "envoys-exchanged", "-f", "plain").stdout.splitlines()[0].split("\t")
    assert (plain[0], plain[5], plain[8]) == ("claim", "reported", accepted)  # role first: the claim asked for
    doc = json.loads(run("claim", "envoys-exchanged", "-f", "json").stdout)
    assert doc["claim"]["lint"] == {
        "ignore": ["near-copy"], "reason": "Four words; any rewording would say more or less than the source."}
    assert json.loads(run("claim", "envoys-exchanged", "-f", "jsonl").stdout)["lint"]["ignore"] == ["near-copy"]
    csv_text = run("claim", "envoys-exchanged", "-f", "csv").stdout
    assert csv_text.splitlines()[0].endswith(",notes,lint")
    assert csv_text.splitlines()[1].endswith(  # the cell is JSON, as every cell of several values in CSV
        ',"{""ignore"": [""near-copy""], ""reason"": ""Four words; any rewording would say more or less than the source.""}"')
    assert f"| reported; {accepted} |" in run("claim", "envoys-exchanged", "-f", "markdown").stdout


def test_an_accepted_exception_is_exported_to_sqlite(run, monkeypatch, tmp_path):
    import sqlite3

    monkeypatch.setenv("ALLIANCE_FACTS", str(LINT))
    assert run("export", "-f", "sqlite", "-o", str(tmp_path / "claims.db")).exit_code == 0
    rows = sqlite3.connect(tmp_path / "claims.db").execute("SELECT * FROM lint_exceptions").fetchall()
    assert rows == [("envoys-exchanged", "near-copy", 0, "Four words; any rewording would say more or less than the source.")]


@pytest.mark.parametrize("width", [60, 80])
def test_an_accepted_exception_shows_whole_in_a_narrow_terminal(run, monkeypatch, width):
    monkeypatch.setenv("ALLIANCE_FACTS", str(LINT))
    result = run("claim", "envoys-exchanged", "-f", "table", env={"COLUMNS": str(width)})
    text = " ".join(result.stdout.split())
    assert "lint accepted: near-copy" in text
    assert "any rewording would say more or less than the source." in text


@pytest.mark.parametrize("block,message", [
    ("lint: {ignore: [near-copy]}", "lint.reason: required field is missing"),
    ('lint: {ignore: [near-copy], reason: "  "}', "lint.reason: an accepted lint exception needs its reason"),
    ("lint: {ignore: [], reason: Short.}", "lint.ignore: must not be empty"),
    ("lint: {ignore: [near-cop], reason: Short.}",
     "lint.ignore[0]: 'near-cop' is not one of: hedged-as-reported, unsupported-number, near-copy, "
     "unlisted-party, one-way-related, unlinked-denial, denied-elsewhere; did you mean 'near-copy'?"),
    ("lint: {ignore: [near-copy, near-copy], reason: Short.}", "lint.ignore[1]: 'near-copy' is listed twice"),
])
def test_an_exception_needs_a_reason_and_known_rules(run, tmp_path, block, message):
    facts = tmp_path / "facts"
    shutil.copytree(LINT, facts)
    path = facts / "claims" / "lint.yaml"
    text = path.read_text()
    path.write_text(text.replace("    kind: treaty\n", f"    kind: treaty\n    {block}\n", 1))
    result = run("validate", str(facts))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{path}:5: {message}"


# ---- the rules, one at a time ---------------------------------------------------------------


def _claim(statement: str, *quotes: str, **fields) -> model.Claim:
    return model.Claim(id="c", kind=fields.pop("kind", "trade"), parties=fields.pop("parties", ("ruritania",)),
                       statement=statement, citations=tuple(model.Citation("alpha-report", q) for q in quotes),
                       **fields)


def _findings(*claims: model.Claim, rule: str) -> list[str]:
    base = load(LINT)
    ds = model.Dataset.of(claims, base.sources, base.entities)
    return [f"{f.claim}: {f.message} ({f.evidence})" for f in lint(ds, LINT, rules=[rule], places={})]


@pytest.mark.parametrize("statement,quote,fields", [
    ("Trade reached 244.8 billion US dollars.", "Trade surged to $244.8 billion in 2024", {}),
    ("Trade reached $244.8 billion.", "trade of 244,800 million dollars", {}),
    ("They sent 1,500,000 shells.", "about 1.5 million shells", {}),
    ("They sent 1.5 million shells.", "some 1500000 shells", {}),
    ("Eight states signed.", "8 states signed", {}),
    ("8 states signed.", "eight states signed", {}),
    ("One source says so; the two countries agree.", "they agree", {}),  # numbers in words are language
    ("Signed in 2024.", "On June 19, 2024, they signed", {"treaty": model.Treaty(signed="2024-06-19")}),
    ("Signed in June 2024.", "signed on 19 June 2024", {"treaty": model.Treaty(signed="2024-06")}),
    ("Signed in 1971.", "In 1971, they signed", {"treaty": model.Treaty(signed="1971")}),
    ("Trade fell.", "fell to $9 billion", {"quantity": model.Quantity(9, "USD billion")}),
    ("Trade fell.", "fell to $9.0 billion", {"quantity": model.Quantity(9, "USD billion")}),
])
def test_unsupported_number_accepts_every_written_form(statement, quote, fields):
    assert _findings(_claim(statement, quote, **fields), rule="unsupported-number") == []


@pytest.mark.parametrize("statement,quote,fields,evidence", [
    ("Trade reached 244.9 billion US dollars.", "Trade surged to $244.8 billion", {}, "244.9 billion"),
    ("They signed on June 19, 2024.", "They signed in June 2024", {}, "2024-06-19"),
    ("They signed.", "On June 19, 2024, they signed", {"treaty": model.Treaty(signed="2024-06-18")}, "2024-06-18"),
    ("Trade fell.", "fell to $9 billion", {"quantity": model.Quantity(9, "USD billion", upper=10)}, "10"),
    ("A treaty.", "signed in 2023", {"treaty": model.Treaty(name="Pact of 2022")}, "2022"),
])
def test_unsupported_number_names_the_figure_no_quote_gives(statement, quote, fields, evidence):
    assert [f.rsplit(" (", 1)[1] for f in _findings(_claim(statement, quote, **fields), rule="unsupported-number")] \
        == [evidence + ")"]


def test_near_copy_shows_the_shared_words_as_the_statement_writes_them():
    quote = "On March 3, 2023, Ruritania and Borduria signed a “friendship pact” in Zenda, with a mutual defense clause."
    copied = _claim("Ruritania and Borduria signed a friendship pact in Zenda, with a defense clause.", quote)
    own = _claim("A pact of friendship agreed in Zenda binds Ruritania and Borduria to defend each other.", quote)
    assert _findings(copied, own, rule="near-copy") == [
        "c: the statement repeats 13 of its 13 words in order from a quote in alpha-report, 11 in a row; say it in "
        "our own words (“Ruritania and Borduria signed a friendship pact in Zenda, with a … defense clause”)"]


@pytest.mark.parametrize("statement,quote,flagged", [
    # one word dropped from the middle: no long run, but 8 of 8 words in the quote's order
    ("China and Russia have strengthened their military cooperation.",
     "China and Russia have also strengthened their military cooperation.", True),
    # the same words reordered a little: 9 of 11 in order
    ("China has become the largest buyer of Russia's oil and gas.",
     "China has become Russia’s largest buyer of oil and gas", True),
    # a whole clause copied into a longer statement: 12 words in a row, though under 80% of it
    ("Officials say, without giving a source or a date for any of it, that the two states have "
     "conducted high-level joint military drills in recent years near the border.",
     "the two nations have conducted high-level joint military drills in recent years near the border", True),
    ("Military ties between China and Russia have grown stronger.",
     "China and Russia have also strengthened their military cooperation.", False),
    ("Armenia hosts a Russian military base.", "Russia has a military base in the country.", False),
    ("Russia has bases.", "Russia has bases.", False),  # under four words: little else to say
])
def test_near_copy_flags_nearly_word_for_word_statements_only(statement, quote, flagged):
    assert bool(_findings(_claim(statement, quote), rule="near-copy")) is flagged


def test_unlisted_party_matches_whole_names_and_aliases_only():
    claims = [
        _claim("Ruritania trades with the Bordurian Republic.", "q", parties=("ruritania",)),  # alias
        _claim("Ruritania trades with Borduria.", "q", parties=("ruritania", "borduria")),  # listed
        _claim("Ruritania trades with Bordurians and ZPOs.", "q", parties=("ruritania",)),  # not whole words
        _claim("Ruritania trades with North Borduria.", "q", parties=("ruritania",)),  # the longer name wins
    ]
    claims = [model.Claim(**{**{f: getattr(c, f) for f in c.__slots__}, "id": f"c{i}"}) for i, c in enumerate(claims)]
    assert _findings(*claims, rule="unlisted-party") == [
        "c0: the statement names entity 'borduria', which is not in parties, asserted_by or denied_by ('Bordurian Republic')",
        "c3: the statement names entity 'north-borduria', which is not in parties, asserted_by or denied_by ('North Borduria')",
    ]


def test_unlisted_party_skips_names_inside_other_place_names():
    base = load(LINT)
    america = model.Entity(id="united-states", name="United States", kind="country", iso2="US", iso3="USA",
                           aliases=("America",))
    ds = model.Dataset.of((_claim("Ruritania courts Latin America, and America notices.", "q"),), base.sources,
                          {**base.entities, "united-states": america})
    assert [f.evidence for f in lint(ds, LINT, rules=["unlisted-party"], places={})] == ["'America'"]


def test_the_rule_table_and_the_model_name_the_same_rules():
    assert tuple(RULES) == model.LINT_RULES


def test_lint_api_filters_claims_and_reads_places_itself(in_repo):
    findings = lint(load(LINT), LINT, claim_ids=["troops-2000"], ignore=["one-way-related"])
    assert [str(f) for f in findings] == [EXPECTED.splitlines()[5].replace(f"{FILE}", str(LINT / "claims" / "lint.yaml").replace(str(Path.cwd()) + "/", ""))]
    assert isinstance(findings[0], Finding)
    with pytest.raises(AttributeError):
        findings[0].rule = "x"  # frozen


def test_schema_of_claims_describes_the_lint_exception(run):
    schema = json.loads(run("schema", "claims").stdout)
    exception = schema["$defs"]["LintException"]
    assert exception["required"] == ["ignore", "reason"]
    assert exception["properties"]["ignore"]["items"]["enum"] == list(model.LINT_RULES)


def test_claim_places_reads_lines_without_validating(tmp_path):
    from alliance_cli.store import claim_places

    facts = tmp_path / "facts"
    shutil.copytree(LINT, facts)
    path = facts / "claims" / "lint.yaml"
    path.write_text(path.read_text().replace("kind: trade", "kind: trades"))  # invalid, yet placed
    places = claim_places(facts)
    assert places["pact-2023"] == (str(path), 3)
    assert places["trade-2023"] == (str(path), 22)
    assert len(places) == 9


def test_the_guide_shows_real_findings_for_every_rule(run, in_repo):
    guide = (Path(__file__).resolve().parents[1] / "docs" / "curation.md").read_text(encoding="utf-8")
    shown = [line for line in guide.splitlines() if line.startswith(f"{FILE}:")]
    assert sorted({line.split(": ")[2] for line in shown}) == sorted(RULES)
    assert set(shown) <= set(EXPECTED.splitlines())
