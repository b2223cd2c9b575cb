"""--sort and --reverse on every listing of claims, and --limit after them."""

from __future__ import annotations

import json

import pytest


def ids(result) -> list[str]:
    assert (result.exit_code, result.stderr) == (0, "")
    return [line.split("\t")[0] for line in result.stdout.splitlines() if line and not line.startswith("[")]


# The mini dataset: trade-2021 (2021), trade-2023 (2023), pact-2023 (2023-03-03, two sources),
# troops-500 (2024-10, alleged), troops-2000 (undated, alleged; related to troops-500).
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["trade-2021", "trade-2023", "pact-2023", "troops-500", "troops-2000"]),
        (["--sort", "date"], ["trade-2021", "trade-2023", "pact-2023", "troops-500", "troops-2000"]),
        # Newest first; the undated claim stays last.
        (["--reverse"], ["troops-500", "pact-2023", "trade-2023", "trade-2021", "troops-2000"]),
        (["--sort", "date", "-r"], ["troops-500", "pact-2023", "trade-2023", "trade-2021", "troops-2000"]),
        (["--sort", "kind"], ["trade-2021", "trade-2023", "pact-2023", "troops-500", "troops-2000"]),
        (["--sort", "kind", "--reverse"], ["troops-2000", "troops-500", "pact-2023", "trade-2023", "trade-2021"]),
        (["--sort", "status"], ["trade-2021", "trade-2023", "pact-2023", "troops-500", "troops-2000"]),
        (["--sort", "status", "--reverse"], ["troops-2000", "troops-500", "pact-2023", "trade-2023", "trade-2021"]),
        # Most distinct sources first, ties in date order.
        (["--sort", "sources"], ["pact-2023", "trade-2021", "trade-2023", "troops-500", "troops-2000"]),
        (["--sort", "id"], ["pact-2023", "trade-2021", "trade-2023", "troops-2000", "troops-500"]),
        # --limit keeps the first N after sorting.
        (["--sort", "sources", "--limit", "2"], ["pact-2023", "trade-2021"]),
        (["--reverse", "-n", "1"], ["troops-500"]),
    ],
)
def test_claims_sort(run, args, expected):
    assert ids(run("claims", *args)) == [f"borduria-{i}" for i in expected]


def test_export_keeps_file_order_unless_asked(run):
    def exported(*args):
        return [json.loads(line)["id"] for line in run("export", "-f", "jsonl", *args).stdout.splitlines()]

    assert exported() == ["borduria-pact-2023", "borduria-trade-2023", "borduria-trade-2021",
                          "borduria-troops-2000", "borduria-troops-500"]  # as in the facts files
    assert exported("--reverse", "--limit", "2") == ["borduria-troops-500", "borduria-pact-2023"]
    assert exported("--sort", "id", "--limit", "1") == ["borduria-pact-2023"]


def test_show_and_source_keep_related_claims_together(run):
    # troops-2000 is related to troops-500: it follows it whichever way the groups are ordered.
    assert ids(run("show", "borduria", "--reverse")) == [
        "borduria-troops-500", "borduria-troops-2000", "borduria-pact-2023", "borduria-trade-2023", "borduria-trade-2021"]
    assert ids(run("show", "borduria", "--sort", "sources")) == [
        "borduria-pact-2023", "borduria-trade-2021", "borduria-trade-2023", "borduria-troops-500", "borduria-troops-2000"]
    assert ids(run("source", "alpha-report", "--sort", "id", "--reverse")) == [
        "borduria-troops-2000", "borduria-trade-2023", "borduria-trade-2021", "borduria-pact-2023"]


def test_timeline_reverse_turns_the_year_headings_round(run):
    markdown = run("timeline", "--reverse", "-f", "markdown").stdout
    assert [line for line in markdown.splitlines() if line.startswith("### ")] == [
        "### 2024", "### 2023", "### 2021", "### undated"]
    # --sort orders claims within each year; the years keep their order.
    assert ids(run("timeline", "--sort", "id")) == [
        "borduria-trade-2021", "borduria-pact-2023", "borduria-trade-2023", "borduria-troops-500", "borduria-troops-2000"]
    # Citation marks number down the page, in the order shown.
    assert ids(run("timeline", "--reverse"))[0] == "borduria-troops-500"
    assert run("timeline", "--reverse").stdout.split("\n\n")[1].startswith("[1]\tborduria-troops-500\t")


def test_treaties_newest_first_and_reverse_oldest_first(run, facts_copy):
    (facts_copy / "claims" / "old.yaml").write_text("""claims:
  - id: ruritania-old-treaty-1990
    kind: treaty
    date: "1990"
    parties: [ruritania, syldavia]
    statement: Ruritania and Syldavia signed an old treaty.
    citations:
      - source: alpha-report
        quote: Trade between them reached $12.5 billion in 2023
""")
    assert ids(run("--facts", str(facts_copy), "treaties")) == ["borduria-pact-2023", "ruritania-old-treaty-1990"]
    assert ids(run("--facts", str(facts_copy), "treaties", "--reverse")) == ["ruritania-old-treaty-1990", "borduria-pact-2023"]


def test_sort_with_count_by_is_contradictory(run):
    result = run("claims", "--count-by", "kind", "--reverse")
    assert (result.exit_code, result.stderr) == (
        2, "error: --sort and --reverse order claims; --count-by lists counts, most first\n")


def test_sort_is_in_help(run):
    for command in ("claims", "show", "timeline", "treaties", "source", "export"):
        out = run(command, "--help", env={"COLUMNS": "200"}).stdout
        assert "--sort date|kind|status|sources|id" in out and "--reverse" in out, command


def test_the_python_api_sorts_as_the_command_does(run, mini_facts):
    import alliance_cli

    data = alliance_cli.load(mini_facts, cache=False)
    for sort in ("date", "kind", "status", "sources", "id"):
        for reverse in (False, True):
            args = ["--sort", sort] + (["--reverse"] if reverse else [])
            assert data.claims(sort=sort, reverse=reverse).ids() == ids(run("claims", *args)), args
    assert data.claims(sort=None, reverse=True).ids() == data.claims(sort=None).ids()[::-1]
