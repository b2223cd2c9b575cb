"""Finding one's way: entities, names that are not entities, any-case vocabularies, exit codes, dates."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_cli.errors import closest
from alliance_cli.query import as_written, mentions
from alliance_cli.store import load as load_dataset
from conftest import MINI


def test_entities_lists_every_entity_with_codes_aliases_and_claim_counts(run):
    result = run("entities")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        'borduria\tBorduria\tcountry\tBO\tBOR\t["Bordurian Republic"]\t5\n'
        'north-borduria\tNorth Borduria\tcountry\tNB\tNBR\t["NBR-land"]\t0\n'
        'ruritania\tRuritania\tcountry\tRR\tRRT\t["Kingdom of Ruritania", "Strelsau"]\t5\n'
        'syldavia\tSyldavia\tcountry\tSY\tSYL\t[]\t2\n'
        'zenda-pact\tZenda Pact Organization\torganization\t\t\t["ZPO"]\t0\n'
    )


def test_entities_counts_asserters_and_deniers_once_per_claim(run):
    # Syldavia is party to no claim but alleges two; Ruritania is party to five and denies one of them.
    rows = {r["id"]: r for r in json.loads(run("entities", "-f", "json").stdout)["entities"]}
    assert (rows["syldavia"]["claims"], rows["ruritania"]["claims"]) == (2, 5)
    assert rows["borduria"] == {"id": "borduria", "name": "Borduria", "kind": "country", "iso2": "BO", "iso3": "BOR",
                                "aliases": ["Bordurian Republic"], "claims": 5}


def test_entities_kind_filter_any_case_and_every_format(run):
    assert run("entities", "--kind", "Organization").stdout == 'zenda-pact\tZenda Pact Organization\torganization\t\t\t["ZPO"]\t0\n'
    table = list(csv.reader(io.StringIO(run("entities", "-k", "organization", "-f", "csv").stdout)))
    assert table == [["id", "name", "kind", "iso2", "iso3", "aliases", "claims"],
                     ["zenda-pact", "Zenda Pact Organization", "organization", "", "", '["ZPO"]', "0"]]
    assert run("entities", "-k", "person").stdout == ""  # an empty listing is success
    rendered = run("entities", "-k", "organization", "-f", "table", env={"COLUMNS": "80"}).stdout
    assert "\nzenda-pact " in rendered and " organization " in rendered and ' ["ZPO"] ' in rendered


def test_entities_unknown_kind_is_a_usage_error(run):
    result = run("entities", "--kind", "contry")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("error: --kind: unknown entity kind 'contry'; did you mean 'country'? "
                             "(choose country, organization, armed-group, person)\n")


@pytest.mark.parametrize(
    ("name", "stderr"),
    [
        # Mentioned in claim text: how often, and the command that lists exactly those claims.
        ("syldavian", "error: no entity 'syldavian'; did you mean 'syldavia'? 2 claims mention 'Syldavian': "
                      "alliance claims -s syldavian\n"),
        ("Zenda", "error: no entity 'Zenda'; did you mean 'zenda-pact'? 1 claim mentions 'Zenda': alliance claims -s zenda\n"),
        ("bordura", "error: no entity 'bordura'; did you mean 'borduria'?\n"),
        ("RURITANA", "error: no entity 'RURITANA'; did you mean 'ruritania'?\n"),
        ("nborduria", "error: no entity 'nborduria'; did you mean 'north-borduria'?\n"),
        ("xyz", "error: no entity 'xyz'\n"),
        # Only an alias holds the word (Strelsau), not the text of any claim: no mention hint.
        ("Strelsa", "error: no entity 'Strelsa'; did you mean 'ruritania'?\n"),
    ],
)
def test_show_a_name_that_is_no_entity(run, name, stderr):
    result = run("show", name)
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", stderr)


@pytest.mark.parametrize("word", ["syldavian", "zenda"])
def test_the_mention_hint_names_a_command_listing_that_many_claims(run, word):
    counted = int(run("show", word).stderr.split("? ")[1].split()[0])
    assert counted == len(mentions(load_dataset(MINI), word))
    listed = json.loads(run("claims", "-s", word, "-f", "json").stdout)["claims"]
    assert len(listed) == counted > 0


def test_mentions_are_the_claims_search_lists_and_shown_as_written():
    ds = load_dataset(MINI)
    assert [c.id for c in mentions(ds, "SYLDAVIAN")] == ["borduria-troops-2000", "borduria-troops-500"]
    assert [c.id for c in mentions(ds, "friendship pact")] == ["borduria-pact-2023"]
    assert as_written(mentions(ds, "friendship pact"), "friendship pact") == "friendship pact"
    assert as_written(mentions(ds, "ZENDA"), "ZENDA") == "Zenda"
    assert mentions(ds, "nowhere at all") == []
    assert mentions(ds, "strelsa") == []  # whole words only: not the start of "Strelsau"
    assert len(mentions(ds, "strelsau")) == 5 and as_written(mentions(ds, "strelsau"), "strelsau") is None  # an alias only


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("chinaa", "china"), ("iarn", "iran"), ("russa", "russia"), ("north korae", "north korea"),
        ("serbai", "serbia"), ("treaties", "treaty"), ("chinese", "china"), ("tratey", "treaty"), ("kaz", "kazakhstan"),
        ("france", None), ("persia", None), ("Persia", None), ("ukraine", None), ("xy", None), ("cuban", "cuba"),
        # A two- or three-letter code is no near miss for a word: "oil" is not Israel's "il", "korea" not "kor".
        ("oil", None), ("korea", None), ("rusia", "russia"), ("chn", None),
    ],
)
def test_suggestions_only_when_close(typed, meant):
    candidates = ["china", "iran", "russia", "north korea", "serbia", "treaty", "trade", "kazakhstan", "cuba", "syria",
                  "il", "kor", "irq"]
    assert closest(typed, candidates) == meant


def test_shipped_dataset_suggests_nothing_wrong(run):
    from alliance_cli.store import shipped_facts_dir

    env = {"ALLIANCE_FACTS": str(shipped_facts_dir())}
    assert run("show", "france", env=env).stderr == "error: no entity 'france'\n"
    assert run("show", "Persia", env=env).stderr == "error: no entity 'Persia'\n"
    assert run("show", "chinaa", env=env).stderr == "error: no entity 'chinaa'; did you mean 'china'?\n"
    assert run("show", "nkorea", env=env).stderr == "error: no entity 'nkorea'; did you mean 'north-korea'?\n"
    ukraine = run("show", "ukraine", env=env)
    assert ukraine.exit_code == 3
    assert ukraine.stderr.startswith("error: no entity 'ukraine'; ")
    assert ukraine.stderr.endswith(" claims mention 'Ukraine': alliance claims -s ukraine\n")
    count = int(ukraine.stderr.split("; ")[1].split()[0])
    assert len(json.loads(run("claims", "-s", "ukraine", "-f", "json", env=env).stdout)["claims"]) == count
    for word in ("korea", "west", "oil"):  # not close to any name: no suggestion, and the count is what -s lists
        result = run("show", word, env=env)
        assert "did you mean" not in result.stderr
        count = int(result.stderr.split("; ")[1].split()[0])
        assert len(json.loads(run("claims", "-s", word, "-f", "json", env=env).stdout)["claims"]) == count


@pytest.mark.parametrize(
    "args",
    [
        ["claims", "--kind", "Treaty"], ["claims", "--status", "Alleged"], ["claims", "--source", "ALPHA-REPORT"],
        ["claim", "BORDURIA-PACT-2023"], ["claims", "--count-by", "Kind"], ["schema", "CLAIMS"],
        ["claims", "--format", "JSON"], ["source", "Beta-Bulletin"], ["cite", "Borduria-Pact-2023"],
        ["claims", "--sort", "ID"], ["entities", "--kind", "COUNTRY"], ["show", "BORDURIA"],
        ["export", "--kind", "TROOPS", "-f", "CSV"],
    ],
)
def test_vocabularies_and_ids_match_in_any_case(run, args):
    lower = run(*(a.lower() if i else a for i, a in enumerate(args)))
    given = run(*args)
    assert (given.exit_code, given.stderr) == (0, "")
    assert given.stdout == lower.stdout != ""


# One exit code per kind of mistake, the same on every command: 2 for a bad command line (unknown
# option or vocabulary value, malformed date, impossible window), 3 for a name or id that is not there.
EXIT_CODES = [
    (["claims", "--kind", "tratey"], 2, "error: --kind: unknown kind 'tratey'; did you mean 'treaty'?"),
    (["timeline", "--kind", "nope"], 2, "error: --kind: unknown kind 'nope'"),
    (["figures", "--kind", "nope"], 2, "error: --kind: unknown kind 'nope'"),
    (["export", "--kind", "nope"], 2, "error: --kind: unknown kind 'nope'"),
    (["claims", "--status", "aleged"], 2, "error: --status: unknown status 'aleged'; did you mean 'alleged'?"),
    (["timeline", "--status", "nope"], 2, "error: --status: unknown status 'nope'"),
    (["export", "--status", "nope"], 2, "error: --status: unknown status 'nope'"),
    (["claims", "--count-by", "knd"], 2, "error: --count-by: cannot count by 'knd'; did you mean 'kind'?"),
    (["claims", "--sort", "dat"], 2, "error: --sort: unknown value 'dat'; did you mean 'date'?"),
    (["show", "borduria", "--sort", "nope"], 2, "error: --sort: unknown value 'nope'"),
    (["entities", "--kind", "nope"], 2, "error: --kind: unknown entity kind 'nope'"),
    (["schema", "claim"], 2, "error: no schema for 'claim'"),
    (["claims", "--format", "xml"], 2, "Usage: alliance claims [OPTIONS]"),
    (["show", "borduria", "-f", "xml"], 2, "Usage: alliance show [OPTIONS]"),
    (["claims", "--year", "22"], 2, "error: --year 22: write the full year, e.g. 2022"),
    (["claims", "--year", "99999"], 2, "error: --year 99999: not a year; write four digits, e.g. 2024"),
    (["timeline", "--since", "2024", "--until", "2022"], 2,
     "error: --since 2024 is later than --until 2022: no date can match both"),
    (["treaties", "--year", "2023", "--since", "2024"], 2,
     "error: --since 2024 is later than --year 2023: no date can match both"),
    (["export", "--year", "2025", "--until", "2024-06"], 2,
     "error: --year 2025 is later than --until 2024-06: no date can match both"),
    (["claims", "--count-by", "kind", "--sort", "id"], 2,
     "error: --sort and --reverse order claims; --count-by lists counts, most first"),
    (["show", "nowhere"], 3, "error: no entity 'nowhere'"),
    (["claims", "--party", "nowhere"], 3, "error: no entity 'nowhere'"),
    (["treaties", "--party", "nowhere"], 3, "error: no entity 'nowhere'"),
    (["figures", "--party", "nowhere"], 3, "error: no entity 'nowhere'"),
    (["source", "nope"], 3, "error: no source 'nope'"),
    (["claims", "--source", "nope"], 3, "error: no source 'nope'"),
    (["export", "--source", "nope"], 3, "error: no source 'nope'"),
    (["claim", "nope"], 3, "error: no claim 'nope'"),
    (["cite", "nope"], 3, "error: no claim 'nope'"),
]


@pytest.mark.parametrize(("args", "code", "stderr"), EXIT_CODES, ids=[" ".join(a) for a, _, _ in EXIT_CODES])
def test_one_exit_code_per_kind_of_mistake(run, args, code, stderr):
    result = run(*args)
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr.startswith(stderr)
    assert "Traceback" not in result.stderr


def test_a_date_filter_says_how_many_undated_claims_it_leaves_out(run, facts_copy):
    result = run("claims", "--year", "2024")
    assert (result.exit_code, result.stderr) == (0, "1 undated claim is not matched by date filters\n")
    assert run("claims", "--since", "2023", "--kind", "trade").stderr == ""  # no undated trade claim to leave out
    assert run("claims").stderr == ""
    # Two undated claims: the count is plural.
    (facts_copy / "claims" / "more.yaml").write_text(_undated_claim())
    result = run("--facts", str(facts_copy), "timeline", "--until", "2030")
    assert result.stderr == "2 undated claims are not matched by date filters\n"
    assert run("--facts", str(facts_copy), "export", "--year", "2023", "-f", "jsonl").stderr == (
        "2 undated claims are not matched by date filters\n")


def _undated_claim() -> str:
    return """claims:
  - id: ruritania-undated-summit
    kind: summit
    parties: [ruritania, borduria]
    statement: The two leaders met.
    citations:
      - source: alpha-report
        quote: Trade between them reached $12.5 billion in 2023
"""


def test_claim_output_marks_the_claim_asked_for(run):
    doc = json.loads(run("claim", "borduria-troops-500", "-f", "json").stdout)
    assert (doc["claim"]["id"], [r["id"] for r in doc["related"]]) == ("borduria-troops-500", ["borduria-troops-2000"])
    assert [line.split("\t")[:2] for line in run("claim", "borduria-troops-500").stdout.splitlines()[:2]] == [
        ["claim", "borduria-troops-500"], ["related", "borduria-troops-2000"]]
    rows = list(csv.reader(io.StringIO(run("claim", "borduria-troops-500", "-f", "csv").stdout)))
    assert [r[:2] for r in rows] == [["role", "id"], ["claim", "borduria-troops-500"], ["related", "borduria-troops-2000"]]
    table = run("claim", "borduria-troops-500", "-f", "table", env={"COLUMNS": "80"}).stdout.splitlines()
    assert [line.strip() for line in table if line.strip() in ("claim", "related claims")] == ["claim", "related claims"]
    alone = json.loads(run("claim", "borduria-pact-2023", "-f", "json").stdout)
    assert (alone["claim"]["id"], alone["related"]) == ("borduria-pact-2023", [])
    markdown = run("claim", "borduria-troops-500", "-f", "markdown").stdout
    assert "### claim\n" in markdown and "### related claims\n" in markdown


@pytest.mark.parametrize("option", [["--no-color"], ["--debug"], ["--no-cache"], ["--facts", "{mini}"], ["--facts={mini}"]])
def test_global_options_work_after_the_command(run, option, mini_facts):
    option = [o.format(mini=mini_facts) for o in option]
    before = run(*option, "show", "borduria")
    after = run("show", "borduria", *option)
    between = run("claims", *option, "--kind", "trade")
    assert (after.exit_code, after.stderr) == (0, "")
    assert after.stdout == before.stdout != ""
    assert (between.exit_code, between.stdout) == (0, run("claims", "--kind", "trade").stdout)


def test_a_global_option_after_the_command_takes_effect(run, tmp_path):
    result = run("show", "borduria", "--facts", str(tmp_path / "none"))
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'none'}: facts directory not found\n")
    colour = re.compile(r"\x1b\[(?:\d+;)*3[0-7](?:;\d+)*m")
    assert colour.search(run("show", "borduria", "-f", "table", env={"FORCE_COLOR": "1"}).stdout)
    assert not colour.search(run("show", "borduria", "-f", "table", "--no-color", env={"FORCE_COLOR": "1"}).stdout)


def test_a_global_option_after_the_command_without_its_value(run):
    result = run("show", "borduria", "--facts")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith("Error: Option '--facts' requires an argument.\n")


def test_global_options_after_a_double_dash_stay_where_they_are(run):
    # Everything after `--` is an argument: here a name, which is no entity.
    result = run("show", "--", "--no-color")
    assert (result.exit_code, result.stderr) == (3, "error: no entity '--no-color'\n")


def test_every_command_help_says_global_options_work_there(run):
    from typer.main import get_command

    from alliance_cli.cli import app

    for command in get_command(app).commands:
        out = " ".join(run(command, "--help").stdout.split())
        assert "Global options (--facts DIR, --no-color, --no-cache, --no-pager, --debug) work before or after the command" in out, command


@given(st.lists(st.sampled_from(["show", "claims", "iran", "-s", "x", "--", "--no-color", "--debug", "--no-cache",
                                 "--facts", "--facts=d", "d", "-f", "json"]), max_size=12))
@settings(max_examples=300, deadline=None)
def test_hoisting_global_options_moves_only_them_and_keeps_every_word(args):
    from alliance_cli.cli.common import GLOBAL_OPTIONS, hoist_global_options

    hoisted = hoist_global_options(args, {"show": None, "claims": None})
    assert sorted(hoisted) == sorted(args)  # nothing lost, nothing added
    if "--" in args:
        assert hoisted[hoisted.index("--"):] == args[args.index("--"):]  # the end of options is left alone

    def rest(words):  # the words that are not global options or their values, in order
        out, i = [], 0
        while i < len(words):
            if words[i] in GLOBAL_OPTIONS and i + GLOBAL_OPTIONS[words[i]] < len(words):
                i += 1 + GLOBAL_OPTIONS[words[i]]
            elif words[i].split("=")[0] in GLOBAL_OPTIONS:
                i += 1
            else:
                out.append(words[i])
                i += 1
        return out

    if "--" not in args:
        assert rest(hoisted) == rest(args)
