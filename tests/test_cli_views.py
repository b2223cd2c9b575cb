"""treaties, timeline, sources, source, claim, cite, about and figures."""

from __future__ import annotations

import json


def test_treaties_grouped_by_year_newest_first(run):
    result = run("treaties", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "## Treaties and agreements\n\n"
        "### 2023\n\n"
        "| Date | Kind | Statement | Status | Sources |\n|---|---|---|---|---|\n"
        "| 2023-03-03 | treaty | Ruritania and Borduria signed a friendship pact in Zenda with a mutual defense clause. "
        "| reported | [^1][^2] |\n\n"
        '[^1]: Alpha Report — Alpha News (article, 2024-11): “On March 3, 2023, Ruritania and Borduria signed a "friendship pact" in Zenda”\n'
        "[^2]: Beta Bulletin (podcast): “Ruritania's pact with Borduria, signed in 2023, covers defense and trade.” "
        "(The bulletin gives the year only.)\n"
    )


def test_treaties_year_without_any(run):
    result = run("treaties", "--year", "2024")
    assert (result.exit_code, result.stdout) == (0, "")


def test_treaties_json_carries_the_treaty_block(run):
    doc = json.loads(run("treaties", "--party", "ruritania", "-f", "json").stdout)
    assert [c["treaty"] for c in doc["claims"]] == [
        {"name": "Friendship Pact", "signed": "2023-03-03", "place": "Zenda", "obligations": ["defense"],
         "mutual_defense": True}
    ]


def test_timeline_groups_by_year_oldest_first(run):
    out = run("timeline", "-f", "markdown").stdout
    headings = [line for line in out.splitlines() if line.startswith("### ")]
    assert headings == ["### 2021", "### 2023", "### 2024", "### undated"]


def test_sources_lists_claim_counts(run):
    assert run("sources").stdout == (
        "alpha-report\tAlpha Report\tAlpha News\tarticle\t4\nbeta-bulletin\tBeta Bulletin\t\tpodcast\t2\n"
    )


def test_source_shows_metadata_and_its_claims(run):
    result = run("source", "beta-bulletin", "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["source"]["archive"] == "beta.txt"
    assert [c["id"] for c in doc["claims"]] == ["borduria-pact-2023", "borduria-troops-500"]


def test_source_unknown_suggests(run):
    result = run("source", "beta")
    assert (result.exit_code, result.stderr) == (3, "error: no source 'beta'; did you mean 'beta-bulletin'?\n")


def test_claim_shows_all_fields_then_related(run):
    result = run("claim", "borduria-troops-500", "-f", "json")
    doc = json.loads(result.stdout)
    assert [k for k in doc if k in ("claim", "related", "claims")] == ["claim", "related"]
    assert [c["id"] for c in doc["related"]] == ["borduria-troops-2000"]
    assert doc["claim"] == {
        "id": "borduria-troops-500", "kind": "troops", "parties": ["ruritania", "borduria"],
        "statement": "Syldavian intelligence says about 500 troops were sent.",
        "citations": [{"source": "beta-bulletin",
                       "quote": "Syldavian intelligence says about 500 troops were sent in October 2024.", "note": None}],
        "date": "2024-10", "end": None, "status": "alleged", "asserted_by": ["syldavia"], "denied_by": [],
        "quantity": {"amount": 500.0, "unit": "troops", "lower": None, "upper": None, "approximate": True},
        "treaty": None, "related": ["borduria-troops-2000"],
    }


def test_claim_unknown_suggests(run):
    result = run("claim", "borduria-pact")
    assert (result.exit_code, result.stderr) == (3, "error: no claim 'borduria-pact'; did you mean 'borduria-pact-2023'?\n")


def test_cite_text(run):
    assert run("cite", "borduria-troops-500").stdout == (
        "Syldavian intelligence says about 500 troops were sent. (claim borduria-troops-500, alleged by Syldavia)\n\n"
        "[1] “Beta Bulletin” (podcast, n.d.).\n"
        "    “Syldavian intelligence says about 500 troops were sent in October 2024.”\n"
    )


def test_cite_csl_json_is_valid_csl(run):
    items = json.loads(run("cite", "borduria-pact-2023", "--format", "csl-json").stdout)
    assert [i["id"] for i in items] == ["alpha-report:borduria-pact-2023", "beta-bulletin:borduria-pact-2023"]
    first = items[0]
    assert first["type"] == "article-newspaper"
    assert first["container-title"] == "Alpha News"
    assert first["author"] == [{"literal": "A. Writer"}]
    assert first["issued"] == {"date-parts": [[2024, 11]]}
    assert "“On March 3, 2023" in first["note"]
    assert items[1]["type"] == "broadcast" and "issued" not in items[1]


def test_cite_bibtex(run):
    out = run("cite", "borduria-troops-500", "-f", "bibtex").stdout
    assert out.startswith("@misc{beta-bulletin:borduria-troops-500,\n  title = {{Beta Bulletin}},\n  note = {Quoted: “Syldavian")
    assert out.endswith("}\n")


def test_about_counts_by_kind(run):
    rows = dict(line.split("\t", 1) for line in run("about").stdout.splitlines())
    assert rows["claims"] == "5 (trade 2, troops 2, treaty 1)"
    assert rows["status"] == "reported 3, alleged 2"
    assert rows["sources"] == "2 (article 1, podcast 1)"
    assert rows["entities"] == "5 (country 4, organization 1)"
    from conftest import MINI

    assert rows["cite as"].startswith(f"Facts directory {MINI} (")


def test_figures_rows_keep_units_dates_sources_and_quotes(run):
    assert run("figures", "--kind", "trade").stdout == (
        "Borduria–Ruritania trade\t2021\t9\tUSD billion\t\t\tfalse\treported\tborduria-trade-2021\talpha-report"
        "\tup from $9 billion in 2021\n"
        "Borduria–Ruritania trade\t2023\t12.5\tUSD billion\t\t\tfalse\treported\tborduria-trade-2023\talpha-report"
        "\tTrade between them reached $12.5 billion in 2023\n"
    )


def test_figures_rows_say_who_alleges_and_who_denies(run):
    rows = [line.split("\t") for line in run("figures", "--kind", "troops").stdout.splitlines()]
    assert [(r[2], r[7]) for r in rows] == [
        ("500", "alleged by Syldavia"), ("2000", "alleged by Syldavia; denied by Ruritania"),
    ]


def test_figures_bar_chart_on_a_terminal(run):
    import io

    from rich.console import Console

    from alliance_cli.formats import OutputFormat, render
    from alliance_cli.query import series
    from alliance_cli.store import load
    from conftest import MINI

    ds = load(MINI)
    console = Console(file=io.StringIO(), width=100, color_system=None)
    for r in render(series(ds, [c for c in ds.claims if c.kind == "trade"]), OutputFormat.table):
        console.print(r)
    lines = [line.rstrip() for line in console.file.getvalue().splitlines()]
    assert lines[:3] == [
        "Borduria–Ruritania trade (USD billion)",
        "2021  █████████████████████████████                9 USD billion  [1]",
        "2023  ████████████████████████████████████████  12.5 USD billion  [2]",
    ]
    assert "[1]  Alpha Report — Alpha News (article, 2024-11)" in lines


def test_large_figures_keep_every_digit(run, facts_copy):
    path = facts_copy / "claims" / "troops.yaml"
    path.write_text(path.read_text().replace(
        "quantity: {amount: 2000, unit: troops}", "quantity: {amount: 1234567, unit: troops, lower: 1234000, upper: 12345678.9}"))
    out = run("--facts", str(facts_copy), "claims", "--search", "2,000").stdout
    assert out.splitlines()[0].endswith("\t1,234,567 troops (1,234,000–12,345,678.9)")


def test_notes_reach_plain_csv_and_cite(run):
    note = "The bulletin gives the year only."
    assert run("claim", "borduria-pact-2023").stdout.splitlines()[-1].endswith(f"\t{note}")
    import csv as csv_module
    import io

    rows = {r["id"]: r for r in csv_module.DictReader(io.StringIO(run("export", "-f", "csv").stdout))}
    assert rows["borduria-pact-2023"]["notes"] == f"; {note}"
    assert rows["borduria-trade-2021"]["notes"] == ""
    assert f"    Note: {note}" in run("cite", "borduria-pact-2023").stdout.splitlines()


def test_treaties_number_citations_down_the_page_with_undated_last(run, facts_copy):
    path = facts_copy / "claims" / "borduria.yaml"
    path.write_text(path.read_text() + """\
  - id: borduria-undated-accord
    kind: treaty
    parties: [ruritania, borduria]
    statement: Ruritania and Borduria have an accord.
    citations:
      - source: alpha-report
        quote: Trade between them
""")
    out = run("--facts", str(facts_copy), "treaties", "-f", "markdown").stdout
    assert [line for line in out.splitlines() if line.startswith(("### ", "| 20", "| undated"))] == [
        "### 2023",
        "| 2023-03-03 | treaty | Ruritania and Borduria signed a friendship pact in Zenda with a mutual defense clause. "
        "| reported | [^1][^2] |",
        "### undated",
        "| undated | treaty | Ruritania and Borduria have an accord. | reported | [^3] |",
    ]
    assert [line.split("\t")[0] for line in run("--facts", str(facts_copy), "treaties").stdout.splitlines()[:2]] == [
        "borduria-pact-2023", "borduria-undated-accord",
    ]


def test_count_by_with_limit_counts_everything_then_keeps_the_top_rows(run):
    assert run("claims", "--count-by", "kind", "--limit", "2").stdout == "trade\t2\ntroops\t2\n"


def test_claims_in_a_subfolder_are_refused_not_skipped(run, facts_copy, monkeypatch):
    (facts_copy / "claims" / "more").mkdir()
    (facts_copy / "claims" / "more" / "extra.yaml").write_text("claims: []\n")
    monkeypatch.chdir(facts_copy.parent)
    result = run("--facts", "facts", "validate")
    assert (result.exit_code, result.stderr) == (
        1, "facts/claims/more: claims files in a subfolder are not read: move them into facts/claims\n",
    )


def test_export_to_a_folder_path_is_refused(run, tmp_path):
    result = run("export", "-f", "csv", "-o", f"{tmp_path}/new/")
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path}/new/: is a folder: give a file name to write to\n")
    assert not (tmp_path / "new").exists()
    result = run("export", "-f", "csv", "-o", str(tmp_path))
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path}: is a folder: give a file name to write to\n")


def test_sqlite_export_gets_the_same_permissions_as_csv(run, tmp_path):
    run("export", "-f", "csv", "-o", str(tmp_path / "a.csv"))
    run("export", "-f", "sqlite", "-o", str(tmp_path / "a.db"))
    assert (tmp_path / "a.db").stat().st_mode == (tmp_path / "a.csv").stat().st_mode


def test_a_stdout_that_cannot_encode_gets_escapes_not_a_crash(mini_facts):
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "from alliance_cli.cli import main; main()", "sources"],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": "ascii"}, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"alpha-report\tAlpha Report" in proc.stdout
