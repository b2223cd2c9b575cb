"""The dataset that ships in the package: valid, and answering the questions users bring."""

from __future__ import annotations

import json

import pytest

from alliance_cli.store import shipped_facts_dir


@pytest.fixture(autouse=True)
def shipped(monkeypatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))


def test_shipped_dataset_is_valid(run):
    result = run("validate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(": valid\n")


def test_show_iran_lists_the_january_2025_treaty_with_its_quote(run):
    out = run("show", "iran").stdout
    claims, _, citations = out.partition("\n\n")
    first = claims.splitlines()[0].split("\t")
    assert first[:3] == ["russia-iran-treaty-2025", "2025-01-18", "treaty"]
    assert "no mutual defense" in first[-1]
    assert ("[1]\trussia-iran-treaty-2025\trksnews-strategic-partnerships\tStrategic Partnerships: Russia’s Alliances "
            "with Iran, North Korea, and China\tOn January 18, 2025, Putin and Iranian President Masoud Pezeshkian "
            "signed a treaty in Moscow to elevate cooperation in trade, energy, and transportation.") in citations


@pytest.mark.parametrize("name", ["north-korea", "North Korea", "north korea", "dprk", "DPRK", "kp", "prk", "Pyongyang"])
def test_north_korea_by_every_name(run, name):
    doc = json.loads(run("show", name, "-f", "json").stdout)
    assert doc["entity"]["id"] == "north-korea"


def test_allegations_keep_who_asserts_and_who_denies(run):
    doc = json.loads(run("claims", "--party", "north-korea", "--kind", "arms", "-f", "json").stdout)
    (arms,) = doc["claims"]
    assert (arms["status"], arms["asserted_by"], arms["denied_by"]) == (
        "alleged", ["united-states", "south-korea"], ["russia", "north-korea"],
    )


def test_differing_troop_figures_are_separate_and_related(run):
    doc = json.loads(run("claims", "--party", "north-korea", "--kind", "troops", "-f", "json").stdout)
    figures = {c["id"]: c for c in doc["claims"] if c["quantity"]}
    assert {c["quantity"]["amount"] for c in figures.values()} == {1500, 11000}
    assert "north-korea-troops-kursk-11000" in figures["north-korea-troops-training-1500"]["related"]


def test_china_trade_series(run):
    out = run("figures", "--party", "china", "--kind", "trade").stdout
    assert [line.split("\t")[1:4] for line in out.splitlines()] == [
        ["2021", "146.9", "USD billion"], ["2024", "244.8", "USD billion"],
    ]


def test_cite_keys_stay_unique_when_a_source_is_quoted_twice(run):
    items = json.loads(run("cite", "russia-north-korea-treaty-2024", "-f", "csl-json").stdout)
    assert [i["id"] for i in items] == [
        "rksnews-strategic-partnerships:russia-north-korea-treaty-2024",
        "rksnews-strategic-partnerships:russia-north-korea-treaty-2024:2",
        "top-allies-slideshow:russia-north-korea-treaty-2024",
    ]
    assert "Note: Section heading; the source of the treaty's name." in items[1]["note"]
    bib = run("cite", "russia-north-korea-treaty-2024", "-f", "bibtex").stdout
    assert bib.count("@misc{rksnews-strategic-partnerships:russia-north-korea-treaty-2024,") == 1


def test_shipped_dataset_passes_lint_strict(run):
    result = run("lint", "--strict")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "95 claims: no findings\n")


def test_shipped_exceptions_give_their_reasons_and_statuses_follow_the_rule(run):
    doc = json.loads(run("export", "-f", "json").stdout)
    claims = {c["id"]: c for c in doc["claims"]}
    accepted = {cid: c["lint"]["ignore"] for cid, c in claims.items() if c["lint"]}
    assert accepted == {
        "china-official-neutrality": ["hedged-as-reported"], "india-public-neutrality": ["hedged-as-reported"],
        "china-backs-russian-narratives": ["hedged-as-reported"], "warsaw-pact-disbanded-1991": ["unsupported-number"],
    }
    assert all(claims[cid]["lint"]["reason"].strip() for cid in accepted)
    # "Reportedly", unnamed: alleged with no one to name; stated plainly but denied elsewhere: disputed.
    unnamed = claims["russia-advanced-military-technology-to-iran"]
    assert (unnamed["status"], unnamed["asserted_by"]) == ("alleged", [])
    manpower = claims["north-korea-manpower-for-russia"]
    assert (manpower["status"], manpower["denied_by"]) == ("disputed", ["russia", "north-korea"])
    # related has one meaning, both ways.
    assert all(cid in claims[other]["related"] for cid, c in claims.items() for other in c["related"])


def test_every_quote_and_note_round_trips_through_the_csv(run):
    # 14 citations have a `;` of their own: joined with "; " the Iran treaty's four notes read as five.
    import csv
    import io

    from alliance_cli.store import load

    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run("export", "-f", "csv").stdout_bytes.decode(), newline=""))}
    claims = load(shipped_facts_dir()).claims
    assert len(rows) == len(claims)
    for claim in claims:
        row = rows[claim.id]
        assert json.loads(row["quotes"]) == [c.quote for c in claim.citations], claim.id
        assert json.loads(row["notes"]) == [c.note for c in claim.citations], claim.id
        assert json.loads(row["sources"]) == [c.source for c in claim.citations], claim.id
    assert json.loads(rows["russia-iran-treaty-2025"]["notes"]) == [
        None, None, "The text names the agreement only generically; see also its section heading.", "Section heading.",
    ]
    assert sum(";" in c.quote or ";" in (c.note or "") for claim in claims for c in claim.citations) == 18
