"""`alliance search` and -s/--search: the query language, ranking, suggestions, highlights, and the same
answers with and without the cache."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_cli import cache, search, store
from alliance_cli.errors import UsageError
from alliance_cli.query import COUNT_BY, Filters, sort_key

from conftest import FIXTURES

SEARCH = FIXTURES / "search"


@pytest.fixture
def facts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(SEARCH))
    return SEARCH


def ids(result, code: int = 0) -> list[str]:
    assert result.exit_code == code, result.stderr
    claims, _, _ = result.stdout.partition("\n\n")
    return [line.split("\t")[0] for line in claims.splitlines()]


# ---- the query language --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("query", "fts"),
    [
        ("drones iran", '("drones") AND ("iran")'),
        ("Kim Jong-un", '("Kim") AND ("Jong-un")'),
        ('"Kim Jong Un" visit', '("Kim Jong Un") AND ("visit")'),
        ("“Kim Jong Un”", '("Kim Jong Un")'),  # curly quotes fold to straight ones
        ("Moscow’s", '''("Moscow's")'''),  # and curly apostrophes to straight ones
        ("drones OR shells iran", '("drones" OR "shells") AND ("iran")'),
        ("a OR b OR c", '("a" OR "b" OR "c")'),
        ("drones -iran -\"gas hub\"", '(("drones")) NOT ("iran" OR "gas hub")'),
        ("dron*", '("dron"*)'),
        ('"kim jong"*', '("kim jong"*)'),
        ("or and not near", '("or") AND ("and") AND ("not") AND ("near")'),  # words, not operators
        ('"OR"', '("OR")'),
        ('x" AND "y', '("x") AND (" AND ") AND ("y")'),
        ("col:umn ^start NEAR(a b)", '("col:umn") AND ("^start") AND ("NEAR(a") AND ("b)")'),
        ("tab\there\x00nul", '("tab") AND ("here") AND ("nul")'),
    ],
)
def test_queries_become_fts5_strings(query, fts):
    assert search.parse(query).fts == fts


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "search: the query is empty: give a word to look for"),
        ("   ", "search: the query is empty: give a word to look for"),
        ('"drones iran', "search: unclosed quote in '\"drones iran': end the phrase with \""),
        ("drones “iran", "search: unclosed quote in '\"iran': end the phrase with \""),
        ("OR", "search: OR needs a word or phrase before it (drones OR missiles)"),
        ("OR drones", "search: OR needs a word or phrase before it (drones OR missiles)"),
        ("drones OR", "search: OR needs a word or phrase after it (drones OR missiles)"),
        ("drones OR OR iran", "search: OR needs a word or phrase after it (drones OR missiles)"),
        ("drones OR -iran", "search: an excluded word cannot be one side of OR; put -word on its own"),
        ("-", "search: '-' on its own: put it right before the word to exclude (-word)"),
        ("drones - iran", "search: '-' on its own: put it right before the word to exclude (-word)"),
        ("-iran", "search: the query only excludes: give a word to look for as well"),
        ("*", "search: '*' needs the start of a word before it (dron*)"),
        ("drones !!!", "search: '!!!' has no letters or digits to look for"),
        ('""', "search: '\"\"' has no letters or digits to look for"),
        ("drones \udcff", "search: the query holds bytes that are not UTF-8 text"),
    ],
)
def test_malformed_queries_are_usage_errors_naming_the_problem(query, message):
    with pytest.raises(UsageError) as e:
        search.parse(query)
    assert str(e.value) == message


def test_a_malformed_query_exits_2_with_one_line(run, facts):
    for args in (["search", '"drones'], ["claims", "-s", "drones OR"], ["show", "iran", "-s", "-"],
                 ["treaties", "-s", ""], ["timeline", "-s", "*"], ["figures", "-s", '"'], ["export", "-s", "OR"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: search: "), result.stderr


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('ab -*"“”\'’()^:.,\x00\t\u00e9\u0301') + ["OR", "NOT", "NEAR", "drones"]),
                max_size=20).map("".join) | st.text(max_size=20))
def test_any_text_gives_results_or_a_usage_error(text):
    dataset = store.load(SEARCH)
    try:
        found = search.matching_ids(dataset, text)
    except UsageError as e:
        assert str(e).startswith("search: ")
        return
    assert set(found) <= set(dataset.claims_by_id)


# ---- what matches, on the search fixtures --------------------------------------------------------

@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("drones iran", ["tehran-drones"]),  # all words, in any order, in any field
        ("iran drones", ["tehran-drones"]),  # the claim says Tehran; Iran is its party
        ("IRN", ["tehran-drones"]),  # an ISO code
        ("Islamic Republic", ["tehran-drones"]),  # an alias
        ("drones", ["drone-factory", "tehran-drones"]),  # best first: drone(s) twice, and a unit
        ("drone", ["drone-factory", "tehran-drones"]),  # stems: drone = drones
        ("Kim Jong-un", ["kim-visit"]),  # hyphen = space
        ('"Kim Jong Un"', ["kim-visit"]),
        ('"Jong Kim"', []),  # a phrase keeps its order
        ("xi", ["xi-visit"]),  # whole words: not the "xi" in "complexity"
        ("complexity", ["sanctions-layer"]),
        ("CNN", ["shells-supplied", "xi-visit", "friendship-treaty"]),  # an outlet the source cites
        ("Gazette", ["xi-visit", "friendship-treaty", "shells-supplied"]),  # the source's outlet
        ("supply", ["shells-supplied"]),  # supply = supplied
        ("Turkiye", ["gas-hub"]),  # diacritics fold
        ("TÜRKIYE", ["gas-hub"]),
        ("moscow's plan", ["gas-hub"]),  # a straight apostrophe finds a curly one
        ("good neighbourliness", ["friendship-treaty"]),  # a treaty's name
        ("drones -iran", ["drone-factory"]),
        ("drones OR shells", ["shells-supplied", "drone-factory", "tehran-drones"]),
        ("dron*", ["drone-factory", "tehran-drones"]),
        ("DPRK", ["kim-visit", "shells-supplied"]),
        ("United States", ["shells-supplied"]),  # who alleges it
    ],
)
def test_search_finds_what_people_type(run, facts, query, expected):
    assert ids(run("search", query), 0 if expected else 3) == expected


def test_no_match_suggests_a_word_from_the_dataset_and_exits_3(run, facts):
    result = run("search", "dornes")
    assert (result.exit_code, result.stdout, result.stderr) == (
        3, "", "error: no claims match 'dornes'; did you mean 'drones'?\n")
    result = run("search", "iran dornes")
    assert result.stderr == "error: no claims match 'iran dornes'; did you mean 'iran drones'?\n"
    result = run("search", "Moscow’s dorne")  # the word itself, not the same letters inside another one
    assert result.stderr == "error: no claims match 'Moscow’s dorne'; did you mean \"Moscow's drone\"?\n"
    result = run("search", "drones shells")  # both words are known: nothing to suggest
    assert (result.exit_code, result.stderr) == (3, "error: no claims match 'drones shells'\n")


def test_no_match_under_filters_says_how_many_match_without_them(run, facts):
    result = run("search", "drones", "--kind", "summit")
    assert (result.exit_code, result.stderr) == (3, "error: no claims match 'drones' with these filters (2 without them)\n")


def test_listings_with_no_match_exit_0_and_suggest_on_stderr(run, facts):
    for command in (["claims"], ["timeline"], ["treaties"], ["show", "iran"], ["figures"], ["export", "-f", "csv"]):
        result = run(*command, "-s", "dornes")
        assert result.exit_code == 0, command
        assert result.stderr == "no claims match 'dornes'; did you mean 'drones'?\n", command


def test_search_takes_the_filters_of_claims_and_a_limit(run, facts):
    assert ids(run("search", "drones OR shells", "--status", "alleged")) == ["shells-supplied"]
    assert ids(run("search", "drones OR shells", "--party", "iran")) == ["tehran-drones"]
    assert ids(run("search", "drones OR shells", "--kind", "arms", "--year", "2022")) == ["tehran-drones"]
    assert ids(run("search", "drones OR shells", "--source", "wire-digest")) == ["shells-supplied"]
    assert ids(run("search", "drones OR shells", "--contested")) == ["shells-supplied"]
    assert ids(run("search", "drones OR shells", "--single-source", "--since", "2023")) == ["drone-factory"]
    assert ids(run("search", "drones OR shells", "-n", "2")) == ["shells-supplied", "drone-factory"]
    assert run("search", "drones", "-n", "0").exit_code == 0


def test_listings_keep_their_own_order(run, facts):
    assert ids(run("claims", "-s", "drones OR shells")) == ["tehran-drones", "drone-factory", "shells-supplied"]
    assert ids(run("timeline", "-s", "moscow", "-n", "2")) == ["friendship-treaty", "gas-hub"]
    assert ids(run("treaties", "-s", "moscow")) == ["friendship-treaty"]
    assert ids(run("show", "russia", "-s", "visit")) == ["xi-visit", "kim-visit"]
    assert ids(run("export", "-f", "plain", "-s", "drones OR shells")) == ["tehran-drones", "drone-factory",
                                                                             "shells-supplied"]
    assert run("figures", "-s", "yelabuga").stdout.startswith("Russia technology\t2023\t6000\tdrones\t")


def test_search_output_in_every_format(run, facts):
    plain = run("search", "iran drones").stdout
    assert plain == (
        "tehran-drones\t2022-10\tarms\tiran,russia\treported\tTehran delivered Shahed drones to Moscow.\t[1]\t\n"
        "\n"
        "[1]\ttehran-drones\tfield-notes\tField Notes on Partnerships\tTehran delivered Shahed drones to Moscow in "
        "October.\t\n"
    )
    assert run("search", "iran drones", "-f", "csv").stdout.splitlines()[1].startswith("tehran-drones,2022-10,")
    assert '"id": "tehran-drones"' in run("search", "iran drones", "-f", "json").stdout
    assert run("search", "iran drones", "-f", "markdown").stdout.startswith("1 claim matching 'iran drones', best first")


def test_search_on_a_terminal_at_80_columns(run, facts):
    result = run("search", "iran drones", "-f", "table", env={"COLUMNS": "80"})
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "1 claim matching 'iran drones', best first",
        "",
        "Date      Kind   Statement                                   Status     Sources",
        "─" * 80,
        "2022-10   arms   Tehran delivered Shahed drones to Moscow.   reported   [1]",
        "                 tehran-drones                                          1 source",
        "",
        "Citations",
        "[1]  Field Notes on Partnerships (essay)",
        "     “Tehran delivered Shahed drones to Moscow in October.”",
    ]


def test_matched_words_are_highlighted_on_a_terminal(run, facts):
    result = run("search", "iran drones", "-f", "table", env={"COLUMNS": "60", "FORCE_COLOR": "1"})
    highlighted = re.findall(r"\x1b\[1;(?:3;)?7m([^\x1b]*)\x1b\[0m", result.stdout)
    # Tehran is a name of Iran, the party the query names: it is highlighted too.
    assert highlighted == ["Tehran", "drones", "Tehran", "drones"]


def test_highlighting_is_styling_only(facts):
    import dataclasses
    import io

    from rich.console import Console

    from alliance_cli.formats import table
    from alliance_cli.formats.view import Listing

    dataset = store.load(SEARCH)
    assert search.Highlighter(dataset, "drones OR [bold]").spans("[bold]x[/bold] drones, Drönes; drone") == [
        (1, 5), (9, 13), (15, 21), (23, 29), (31, 36)]
    claim = dataclasses.replace(dataset.claims_by_id["drone-factory"], statement="[bold]drones[/bold] \x1b[31m")
    console = Console(file=io.StringIO(), width=80, color_system=None)
    for renderable in table.listing(Listing(dataset, [claim], search="drones bold")):
        console.print(renderable)
    assert "[bold]drones[/bold] \\x1b[31m" in console.file.getvalue()  # shown as written, escapes escaped


def test_highlight_spans_of_phrases_and_prefixes(facts):
    dataset = store.load(SEARCH)
    hl = search.Highlighter(dataset, '"Kim Jong-un" cosmo* -iran')
    assert hl.spans("Kim Jong Un toured the cosmodrome. Kim met Jong.") == [(0, 11), (23, 33)]


# ---- counts --------------------------------------------------------------------------------------

def test_count_by_an_empty_facet_is_a_usage_error(run, facts):
    result = run("claims", "--count-by", "")
    assert (result.exit_code, result.stderr) == (
        2, "error: --count-by: cannot count by '' (choose kind, party, status, source, year)\n")


def test_count_by_with_a_search(run, facts):
    assert run("claims", "-s", "moscow", "--count-by", "party").stdout == "russia\t4\nchina\t2\niran\t1\n"


# ---- cached and uncached runs agree --------------------------------------------------------------

@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """The search fixtures loaded from the cache and from the files."""
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SETTLE_NS", 0)
    monkeypatch.delenv("ALLIANCE_NO_CACHE")
    cache.load(SEARCH)
    cached = cache.load(SEARCH)
    assert isinstance(cached.claims, cache.IndexedClaims)
    return cached, store.load(SEARCH)


WORDS = ["drones", "drone", "iran", "tehran", "moscow", "kim", "jong", "un", "xi", "cnn", "supply", "turkiye", "gas",
         "treaty", "shells", "russia", "visit", "dron*", "mosc*", '"kim jong"', '"gas hub"', "visited", "dornes"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    joins=st.lists(st.sampled_from([" ", " OR ", " -"]), min_size=3, max_size=3),
    kinds=st.lists(st.sampled_from(["arms", "summit", "treaty", "energy"]), max_size=2, unique=True),
    status=st.sampled_from([None, "reported", "alleged"]),
    year=st.sampled_from([None, 2022, 2023]),
    limit=st.sampled_from([None, 0, 1, 3]),
)
def test_cached_and_uncached_runs_give_the_same_results(both, words, joins, kinds, status, year, limit):
    cached, files = both
    query = words[0] + "".join(j + w for j, w in zip(joins, words[1:]))
    try:
        expected = search.matching_ids(files, query)
    except UsageError:
        with pytest.raises(UsageError):
            search.matching_ids(cached, query)
        return
    assert search.matching_ids(cached, query) == expected
    filters = Filters(kinds=tuple(kinds), status=status, year=year, search=query)
    assert filters.ranked(cached, limit) == filters.ranked(files, limit)
    assert filters.apply(cached) == filters.apply(files)
    assert filters.in_date_order(cached, limit) == filters.in_date_order(files, limit)
    assert filters.in_date_order(cached, limit) == sorted(filters.apply(files), key=sort_key)[:limit]
    assert search.count(cached, query) == search.count(files, query) == len(expected)
    for facet in COUNT_BY:
        assert filters.count(cached, facet) == filters.count(files, facet)
    if not expected:
        assert search.no_match(cached, query) == search.no_match(files, query)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parties=st.lists(st.sampled_from(["russia", "iran", "china", "north-korea"]), max_size=2, unique=True),
    kinds=st.lists(st.sampled_from(["arms", "summit", "treaty", "energy", "sanctions"]), max_size=2, unique=True),
    status=st.sampled_from([None, "reported", "alleged"]),
    source=st.sampled_from([None, "wire-digest", "field-notes"]),
    since=st.sampled_from([None, "2001", "2022-10", "2023-03-31"]),
    until=st.sampled_from([None, "2022", "2023-09"]),
    year=st.sampled_from([None, 2022, 2023]),
    contested=st.booleans(),
    single_source=st.booleans(),
)
def test_counts_in_sql_are_the_counts_in_python(both, parties, kinds, status, source, since, until, year, contested,
                                               single_source):
    cached, files = both
    filters = Filters(tuple(parties), tuple(kinds), status, source, since, until, year, None, contested, single_source)
    for facet in COUNT_BY:
        assert filters.count(cached, facet) == filters.count(files, facet), facet
    assert filters.apply(cached) == filters.apply(files)
    assert filters.in_date_order(cached, 2) == filters.in_date_order(files, 2)


def test_a_cache_that_fails_is_searched_from_the_files(both, monkeypatch):
    cached, files = both
    monkeypatch.setattr(cached.claims, "_con", sqlite3.connect(":memory:"))  # as if its tables were gone
    assert search.matching_ids(cached, "drones") == ["drone-factory", "tehran-drones"]


def test_without_fts5_search_says_so(run, facts, monkeypatch):
    monkeypatch.setattr(cache, "fts5_available", lambda: False)
    search._tokenizer.cache_clear()
    search.parse.cache_clear()
    try:
        result = run("search", "drones")
        assert result.exit_code == 1
        assert result.stderr.startswith("error: search needs SQLite's FTS5 extension, which this Python's sqlite3 ")
        assert run("claims", "--count-by", "kind").exit_code == 0  # everything else works
    finally:
        search._tokenizer.cache_clear()
        search.parse.cache_clear()


# ---- the shipped dataset -------------------------------------------------------------------------

@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(store.shipped_facts_dir()))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("drones Iran", ["iran-drones-to-russia", "iran-ammunition-to-russia"]),
        ("Kim Jong-un", ["russia-north-korea-satellite-cooperation", "north-korea-unconditional-support",
                         "russia-north-korea-treaty-2024", "beijing-summit-and-parade"]),
        ("Xi", ["xi-jinping-visit-to-russia", "beijing-summit-and-parade", "russia-china-no-limits-partnership-2022"]),
        ("supplied", None),
    ],
)
def test_the_issues_examples_on_the_shipped_dataset(run, shipped, query, expected):
    found = ids(run("search", query))
    if expected is not None:
        assert found == expected
    else:
        assert found == ids(run("search", "supply"))


def test_xi_does_not_match_complexity_on_the_shipped_dataset(run, shipped):
    assert "western-sanctions-2022" in ids(run("search", "complexity"))
    assert "western-sanctions-2022" not in ids(run("search", "xi"))


def test_cnn_is_found_through_the_sources_that_cite_it(run, shipped):
    found = ids(run("search", "CNN"))
    cited = ids(run("claims", "--source", "top-allies-slideshow"))  # the source whose `cites` names CNN
    assert sorted(found) == sorted(cited) and len(found) == 46


def test_a_typo_on_the_shipped_dataset(run, shipped):
    result = run("search", "dornes")
    assert (result.exit_code, result.stderr) == (3, "error: no claims match 'dornes'; did you mean 'drones'?\n")


def test_a_cached_search_or_count_imports_nothing_only_validation_needs(tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    import time

    env = {**os.environ, "ALLIANCE_CACHE_DIR": str(tmp_path / "cache"), "ALLIANCE_FACTS": str(tmp_path / "facts")}
    env.pop("ALLIANCE_NO_CACHE", None)
    shutil.copytree(SEARCH, tmp_path / "facts")
    time.sleep(cache.SETTLE_NS / 1e9 + 0.1)  # files this young are not trusted to a cache
    code = (
        "import sys\n"
        "from alliance_cli.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('yaml', 'pydantic', 'pydantic_core', 'annotated_types', 'rich.table') if m in sys.modules)\n"
        "print(f'imported {heavy}' if heavy else 'imported nothing heavy', file=sys.stderr)\n"
    )
    for args in (["search", "drones"], ["claims", "-s", "iran drones", "-n", "1"], ["claims", "--count-by", "party"],
                 ["search", "dornes"]):
        first = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
        assert list((tmp_path / "cache").glob("*.sqlite")), first.stderr  # the first run wrote the cache
        result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
        assert result.stdout == first.stdout
        assert result.stderr.endswith("imported nothing heavy\n"), (args, result.stderr)
    assert result.stderr == "error: no claims match 'dornes'; did you mean 'drones'?\nimported nothing heavy\n"


def test_the_python_api_searches_and_counts_as_the_cli_does(run, facts):
    import alliance_cli

    data = alliance_cli.load(SEARCH, cache=False)
    assert data.search("drones OR shells", limit=2).ids() == ids(run("search", "drones OR shells", "-n", "2"))
    assert data.claims(search="drones OR shells").ids() == ids(run("claims", "-s", "drones OR shells"))
    assert data.count("party", search="moscow") == [("russia", 4), ("china", 2), ("iran", 1)]
    with pytest.raises(UsageError):
        data.search('"drones')


def test_a_query_is_shown_as_text_never_as_markup_or_escapes(run, facts):
    result = run("search", "[bold]zz\x1b[31m", "-f", "table")
    assert (result.exit_code, result.stderr) == (3, "error: no claims match '[bold]zz\\x1b[31m'\n")
    result = run("search", "drones OR [red]", "-f", "table", env={"COLUMNS": "80"})
    assert result.exit_code == 0 and result.stdout.startswith("2 claims matching 'drones OR [red]', best first\n")


def test_a_long_query_is_quoted_short_in_messages(run):
    query = " ".join(["dornes"] * 2000)
    for args in (["search", query], ["claims", "-s", query], ["search", '"' + query], ["search", "!" * 5000]):
        result = run(*args)
        assert result.exit_code in (0, 2, 3) and len(result.stderr) < 200, (args[:1], result.stderr[:300])
        assert result.stderr == "" or (result.stderr.count("\n") == 1 and "…" in result.stderr)
    assert run("search", query).stderr == "error: no claims match 'dornes dornes dornes dornes dornes dor…\n"


def test_a_query_that_starts_with_a_dash_is_told_to_follow_two_dashes(run):
    result = run("search", "-borduria trade")
    assert result.exit_code == 2
    assert "No such option: -b; a value that starts with '-' goes after '--': alliance search -- '-borduria trade'" \
        in result.stderr
    assert run("search", "--", "-borduria trade").exit_code in (0, 3)


@pytest.mark.parametrize(("args", "hint"), [
    (["search", "trade", "-borduria"], "alliance search -- 'trade -borduria'"),  # the whole query, not its last word
    (["search", "-n", "1", "-borduria", "trade"], "alliance search -n 1 -- '-borduria trade'"),
    (["search", "--limit=1", "trade", "-borduria"], "alliance search --limit=1 -- 'trade -borduria'"),
])
def test_the_two_dashes_hint_is_a_command_line_that_works(run, args, hint):
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.rstrip().endswith(f"goes after '--': {hint}"), result.stderr
    import shlex

    assert run(*shlex.split(hint)[1:]).exit_code in (0, 3)  # runs: a search, not a bad command line


def test_a_short_option_written_with_an_equals_sign_is_not_taken_as_words(run):
    # `-s=-iran` gives -s the value `=-iran`; read as words it would look for iran instead of leaving it out.
    result = run("claims", "-s=-borduria", "-n", "1")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("error: search: the query '=-borduria' starts with '=': a short option takes its value "
                             "after a space (-s '-iran'), a long one after '=' (--search=-iran)\n")
