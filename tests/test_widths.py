"""Every table view of the shipped dataset, at every width, shows every id, status, mark and statement whole.

The plain output of the same command says what must be there; the table output at 40 to 200
columns is then read back as a person would: a table column by column, a stacked block as text.
To cover a new view, add its command line to VIEWS.
"""

from __future__ import annotations

import functools
import re

import pytest
from typer.testing import CliRunner

from alliance_cli.cli import app
from alliance_cli.store import shipped_facts_dir

WIDTHS = (40, 60, 80, 100, 200)
# Command lines whose table view lists claims (plain: claim lines, a blank line, citation lines).
LISTINGS = [
    ["show", "iran"],
    ["show", "north-korea"],
    ["show", "china"],
    ["show", "csto"],
    ["claims"],
    ["claims", "--contested"],
    ["timeline"],
    ["treaties"],
    ["claim", "north-korea-arms-to-russia-alleged"],
    ["claim", "russia-china-no-limits-partnership-2022"],
    ["claim", "syria-assad-relied-on-russian-military-support"],  # the longest id: 46 characters
    *(["source", s] for s in ("beijing-summit-blog", "rksnews-strategic-partnerships", "top-allies-slideshow",
                              "allies-scrutiny-essay", "4min-eastern-axis-podcast")),
]
# Command lines whose table view is rows of fields (plain: one tab-separated row per line).
ROWS = [["sources"], ["entities"], ["claims", "--count-by", "kind"], ["claims", "--count-by", "party"], ["about"]]
RULE = re.compile(r"^─+$")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def shipped(monkeypatch, cache):
    # Over a hundred runs of the same dataset: read it from a cache of this module's own.
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    monkeypatch.setenv("ALLIANCE_NO_CACHE", "0")
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(cache))


def run(argv: list[str], fmt: str, width: int = 80) -> str:
    return _run(tuple(argv), fmt, width)


@functools.lru_cache(maxsize=None)
def _run(argv: tuple[str, ...], fmt: str, width: int) -> str:
    # Plain output does not depend on the width: each command's is read once for all widths.
    result = CliRunner().invoke(app, [*argv, "--format", fmt], env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def words(text: str) -> str:
    return " ".join(text.split())


def read(output: str) -> tuple[dict[str, str], str]:
    """What a reader sees: each table column's text (its lines joined), and the text outside tables."""
    lines = output.split("\n")
    columns: dict[str, list[str]] = {}
    outside: list[str] = []
    starts: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        header = [(m.group(), m.start()) for m in re.finditer(r"\S+(?: \S+)*", line)]
        if i + 1 < len(lines) and RULE.match(lines[i + 1].strip()) and len(header) > 1:
            starts = header  # a table's header (a heading over stacked blocks has one part)
            continue
        if RULE.match(line.strip()):
            continue
        if not line.strip():
            starts = []  # a table ends at its blank line
        if not starts:
            outside.append(line)
            continue
        for n, (name, start) in enumerate(starts):
            end = starts[n + 1][1] if n + 1 < len(starts) else None
            columns.setdefault(name, []).append(line[start:end])
    return {name: words(" ".join(parts)) for name, parts in columns.items()}, words(" ".join(outside))


def whole_on_a_line(word: str, output: str) -> bool:
    pattern = re.compile(rf"(?<![\w\-\[\]]){re.escape(word)}(?![\w\-\[\]])")
    return any(pattern.search(line) for line in output.split("\n"))


def assert_no_id_folded(ids: set[str], output: str, plain: str) -> None:
    # A folded id leaves a piece of itself on a line: a word that begins an id but is not a word of the data.
    data_words = set(plain.split())
    pieces = {w for w in output.split() if len(w) >= 8 and w not in data_words and any(i.startswith(w) for i in ids)}
    assert not pieces, f"ids folded: {sorted(pieces)}"


def assert_no_line_wider_than(output: str, width: int) -> None:
    # The only line wider than the terminal is one word longer than it (an id, a URL), alone on its
    # line for the terminal to wrap: never folded by us into pieces that cannot be copied.
    for line in output.split("\n"):
        assert len(line.rstrip()) <= width or len(line.split()) == 1, f"wider than {width}: {line!r}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("argv", LISTINGS, ids=" ".join)
def test_every_claim_shows_whole_at_every_width(argv, width):
    plain = run(argv, "plain")
    claim_lines, _, citation_lines = plain.partition("\n\n")
    claims = [line.split("\t") for line in claim_lines.splitlines()]
    if argv[0] == "claim":  # `claim ID` says in a first field which claim was asked for and which are related
        claims = [fields[1:] for fields in claims]
    assert claims, "the view lists no claims: choose a command line that does"
    out = run(argv, "table", width)
    columns, outside = read(out)
    assert "…" not in out.replace("…)", ""), "rich ellipsized something"  # `source` abbreviates a sha256 on purpose
    for cid, _date, _kind, _parties, status, statement, marks, *_ in claims:
        assert whole_on_a_line(cid, out), f"{cid} is not whole on one line at {width}"
        assert whole_on_a_line(marks, out), f"{cid}: marks {marks} are split at {width}"
        assert words(status) in columns.get("Status", "") or words(status) in outside, f"{cid}: status cut at {width}"
        assert words(statement) in columns.get("Statement", "") or words(statement) in outside, f"{cid}: statement cut"
    numbered = [line.split("\t")[0] for line in citation_lines.splitlines()]
    shown = [line.split()[0] for line in out.split("\n") if re.match(r"\[\d+\]  ", line)]
    assert shown == numbered, f"citations list at {width}"
    assert_no_id_folded({c[0] for c in claims}, out, plain)
    assert_no_line_wider_than(out, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("argv", ROWS, ids=" ".join)
def test_every_row_shows_whole_at_every_width(argv, width):
    rows = [line.split("\t") for line in run(argv, "plain").splitlines()]
    out = run(argv, "table", width)
    columns, outside = read(out)
    for row in rows:
        if " " not in row[0]:  # an id or a name: on one line (a label such as `facts directory` may wrap)
            assert whole_on_a_line(row[0], out), f"{row[0]} is not whole on one line at {width}"
        for value in row:
            assert not value or words(value) in outside or any(words(value) in c for c in columns.values()), (
                f"{row[0]}: {value!r} cut at {width}")
    assert_no_line_wider_than(out, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_figures_show_every_mark_and_status_at_every_width(width):
    rows = [line.split("\t") for line in run(["figures"], "plain").splitlines()]
    out = run(["figures"], "table", width)
    chart, _, citations = out.partition("\nCitations")
    columns, outside = read(chart)
    n = 0
    for row in rows:
        status, cited = row[7], len(row[9].split("; "))
        marks = "".join(f"[{n + k}]" for k in range(1, cited + 1))
        n += cited
        assert whole_on_a_line(marks, chart), f"{row[8]}: marks {marks} split at {width}"
        assert status == "reported" or words(status) in outside, f"{row[8]}: status cut at {width}"
    assert [f"[{k}]" for k in range(1, n + 1)] == [line.split()[0] for line in citations.split("\n")
                                                  if re.match(r"\[\d+\]  ", line)]
    assert_no_line_wider_than(out, width)


@pytest.mark.parametrize("columns", ["0", "abc", "-5", "", " 80 "])
def test_a_nonsense_width_falls_back_to_80(columns):
    result = CliRunner().invoke(app, ["claims", "--contested", "--format", "table"], env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert result.stdout == run(["claims", "--contested"], "table", 80)
    assert max(len(line) for line in result.stdout.split("\n")) == 80


def test_fit_stacks_only_when_the_narrowest_columns_do_not_fit():
    from alliance_cli.formats.table import GAP, fit

    columns = [(10, 10), (11, 20), (46, 250), (8, 68), (12, 12)]  # date, kind, statement, status, sources
    least = sum(lo for lo, _ in columns) + GAP * 4
    assert fit(least - 1, columns) is None
    assert fit(least, columns) == [lo for lo, _ in columns]
    assert fit(10_000, columns) == [hi for _, hi in columns]
    widths = fit(120, columns)
    assert sum(widths) + GAP * 4 == 120  # every cell of the width used, none more
    assert all(lo <= w <= hi for w, (lo, hi) in zip(widths, columns))
    assert widths[2] - 46 > widths[3] - 8 > widths[1] - 11  # the room shared by what each could use


def test_a_word_wider_than_the_terminal_is_never_cut(facts_copy):
    # A note with a long URL, and a statement with one: at 40 columns neither may lose a character.
    url = "https://example.org/archive/2023/ruritania-borduria-friendship-pact-full-text"
    path = facts_copy / "claims" / "borduria.yaml"
    path.write_text(path.read_text()
                    .replace("note: The bulletin gives the year only.", f"note: The bulletin gives the year only; {url}")
                    .replace("with a mutual defense clause.", f"with a mutual defense clause ({url})."))
    result = CliRunner().invoke(app, ["--facts", str(facts_copy), "claim", "borduria-pact-2023", "--format", "table"],
                                env={"COLUMNS": "40", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    assert f"({url})." in result.stdout.split("\n")  # in the block: whole, on a line of its own
    assert url in "".join(line.strip() for line in result.stdout.split("\n"))  # in the citations: folded, all there
