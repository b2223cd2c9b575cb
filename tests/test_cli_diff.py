"""`alliance diff OLD NEW`: what changed between two facts directories or two git revisions of one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import MINI


def git(repo: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def second_version(facts: Path) -> None:
    """Status and statement changed, a note dropped, a quote changed, a claim removed, one added, an alias
    added, a source retitled, and the dataset's version and date bumped."""
    troops = facts / "claims" / "troops.yaml"
    edit(troops, "statement: Syldavian intelligence says about 500 troops were sent.\n    status: alleged\n",
         "statement: About 500 troops were sent, Syldavian intelligence says.\n    status: reported\n")
    edit(troops, "quote: Syldavian intelligence says about 500 troops were sent in October 2024.",
         "quote: about 500 troops were sent in October 2024.")
    borduria = facts / "claims" / "borduria.yaml"
    edit(borduria, "        note: The bulletin gives the year only.\n", "")
    text = borduria.read_text()
    borduria.write_text(text[:text.index("  - id: borduria-trade-2021")].replace(
        "    related: [borduria-trade-2021]\n", "") + (
        "  - id: borduria-zenda-visit-2023\n"
        "    kind: diplomacy\n"
        "    parties: [ruritania, borduria]\n"
        "    date: 2023-03-03\n"
        "    statement: Ruritania's and Borduria's leaders met in Zenda.\n"
        "    citations:\n"
        "      - source: alpha-report\n"
        "        quote: Ruritania and Borduria signed\n"))
    edit(facts / "entities.yaml", "aliases: [Bordurian Republic]", "aliases: [Bordurian Republic, Bordurie]")
    edit(facts / "sources.yaml", "title: Beta Bulletin", "title: The Beta Bulletin")
    edit(facts / "dataset.yaml", 'version: "0.1.0"\n  date: 2026-11-01', 'version: "0.2.0"\n  date: 2026-11-22')


DATASET = """\
dataset:
  title: Mini
  description: A small dataset for tests.
  version: "0.1.0"
  date: 2026-11-01
  licence: {name: CC0-1.0, url: "https://creativecommons.org/publicdomain/zero/1.0/"}
  maintainers: [Tests]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the mini dataset in facts/, committed twice: as it is, then edited."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: diff reads revisions with it")
    root = tmp_path / "repo"
    shutil.copytree(MINI, root / "facts")
    (root / "facts" / "dataset.yaml").write_text(DATASET)
    (root / "README").write_text("not facts\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "v0.1.0")
    second_version(root / "facts")
    git(root, "commit", "-q", "-a", "-m", "second")
    return root


PLAIN = (
    "changed\tdataset\tdataset\tversion\t0.1.0\t0.2.0\n"
    "changed\tdataset\tdataset\tdate\t2026-11-01\t2026-11-22\n"
    "added\tclaim\tborduria-zenda-visit-2023\t\t\tRuritania's and Borduria's leaders met in Zenda.\n"
    "removed\tclaim\tborduria-trade-2021\t\tTrade between Ruritania and Borduria was 9 billion US dollars in 2021.\t\n"
    "changed\tclaim\tborduria-pact-2023\tcitations[beta-bulletin].note\tThe bulletin gives the year only.\t-\n"
    "changed\tclaim\tborduria-trade-2023\trelated\tborduria-trade-2021\t-\n"
    "changed\tclaim\tborduria-troops-500\tstatement\tSyldavian intelligence says about 500 troops were sent.\t"
    "About 500 troops were sent, Syldavian intelligence says.\n"
    "changed\tclaim\tborduria-troops-500\tstatus\talleged\treported\n"
    "changed\tclaim\tborduria-troops-500\tcitations[beta-bulletin].quote\t"
    "Syldavian intelligence says about 500 troops were sent in October 2024.\t"
    "about 500 troops were sent in October 2024.\n"
    "changed\tsource\tbeta-bulletin\ttitle\tBeta Bulletin\tThe Beta Bulletin\n"
    "changed\tentity\tborduria\taliases\tBordurian Republic\tBordurian Republic, Bordurie\n"
)


def test_diff_of_two_revisions_lists_every_change(run, repo):
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == PLAIN


def test_diff_of_two_directories_is_the_same_as_of_their_revisions(run, repo, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(MINI, old)
    (old / "dataset.yaml").write_text(DATASET)
    assert run("diff", str(old), str(repo / "facts")).stdout == PLAIN


def test_diff_rev_colon_path_reads_from_the_repository_of_the_working_directory(run, repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = run("diff", "v0.1.0:facts", "main:facts")
    assert (result.exit_code, result.stdout) == (0, PLAIN)


def test_diff_as_markdown_reads_as_a_changelog_entry(run, repo):
    result = run("--facts", str(repo / "facts"), "diff", "v0.1.0", "HEAD", "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout == (
        "## 0.2.0 (2026-11-22)\n"
        "\n"
        "Since 0.1.0 (v0.1.0 → HEAD): dataset.yaml changed; 1 claim added, 1 removed, 3 changed "
        "(1 status change); 1 source changed; 1 entity changed.\n"
        "\n"
        "### Dataset record changed\n"
        "\n"
        "- `dataset`\n"
        "  - `version`: 0.1.0 → 0.2.0\n"
        "  - `date`: 2026-11-01 → 2026-11-22\n"
        "\n"
        "### Claims added\n"
        "\n"
        "- `borduria-zenda-visit-2023`: Ruritania's and Borduria's leaders met in Zenda.\n"
        "\n"
        "### Claims removed\n"
        "\n"
        "- `borduria-trade-2021`: Trade between Ruritania and Borduria was 9 billion US dollars in 2021.\n"
        "\n"
        "### Claims changed\n"
        "\n"
        "- `borduria-pact-2023`\n"
        "  - citation beta-bulletin, note: “The bulletin gives the year only.” → -\n"
        "- `borduria-trade-2023`\n"
        "  - `related`: borduria-trade-2021 → -\n"
        "- `borduria-troops-500`\n"
        "  - `statement`: Syldavian intelligence says about 500 troops were sent. → "
        "About 500 troops were sent, Syldavian intelligence says.\n"
        "  - **status: alleged → reported**\n"
        "  - citation beta-bulletin, quote: “Syldavian intelligence says about 500 troops were sent in October 2024.” "
        "→ “about 500 troops were sent in October 2024.”\n"
        "\n"
        "### Sources changed\n"
        "\n"
        "- `beta-bulletin`\n"
        "  - `title`: Beta Bulletin → The Beta Bulletin\n"
        "\n"
        "### Entities changed\n"
        "\n"
        "- `borduria`\n"
        "  - `aliases`: Bordurian Republic → Bordurian Republic, Bordurie\n"
    )


def test_diff_as_json_carries_whole_records_and_each_field(run, repo):
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert (doc["old"], doc["new"]) == ("HEAD~1", "HEAD")
    assert [c["id"] for c in doc["claims"]["added"]] == ["borduria-zenda-visit-2023"]
    assert doc["claims"]["added"][0]["citations"] == [
        {"source": "alpha-report", "quote": "Ruritania and Borduria signed", "note": None}]
    assert [c["id"] for c in doc["claims"]["removed"]] == ["borduria-trade-2021"]
    assert doc["dataset"]["changed"] == [{"id": "dataset", "changes": [
        {"field": "version", "old": "0.1.0", "new": "0.2.0"}, {"field": "date", "old": "2026-11-01", "new": "2026-11-22"}]}]
    assert doc["claims"]["changed"][1] == {
        "id": "borduria-trade-2023", "changes": [{"field": "related", "old": ["borduria-trade-2021"], "new": []}]}
    assert doc["entities"]["changed"] == [{"id": "borduria", "changes": [
        {"field": "aliases", "old": ["Bordurian Republic"], "new": ["Bordurian Republic", "Bordurie"]}]}]
    assert doc["sources"] == {"added": [], "removed": [], "changed": [
        {"id": "beta-bulletin", "changes": [{"field": "title", "old": "Beta Bulletin", "new": "The Beta Bulletin"}]}]}


@pytest.mark.parametrize("width", [80, 40])
def test_diff_as_a_table_wraps_values_and_never_cuts_an_id(run, repo, width):
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD", "--format", "table",
                 env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert (result.exit_code, result.stderr) == (0, "")
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    ids = ["borduria-zenda-visit-2023", "borduria-trade-2021", "borduria-pact-2023", "borduria-trade-2023",
           "borduria-troops-500", "citations[beta-bulletin].quote"]
    assert all(any(i in line.split() for line in lines) for i in ids)
    assert width == 40 or [line for line in lines if not line.startswith(" ")] == [
        "changed dataset dataset", "added claim borduria-zenda-visit-2023", "removed claim borduria-trade-2021",
        "changed claim borduria-pact-2023", "changed claim borduria-trade-2023", "changed claim borduria-troops-500",
        "changed source beta-bulletin", "changed entity borduria",
        "dataset.yaml changed; 1 claim added, 1 removed, 3 changed (1 status change); 1",
        "source changed; 1 entity changed",
    ]
    if width == 80:
        assert lines[lines.index("changed claim borduria-troops-500") + 1:][:5] == [
            "  statement                       Syldavian intelligence says about 500 troops",
            "                                  were sent. → About 500 troops were sent,",
            "                                  Syldavian intelligence says.",
            "  status                          alleged → reported",
            "  citations[beta-bulletin].quote  Syldavian intelligence says about 500 troops",
        ]
    squeezed = "".join(result.stdout.split())
    assert "Syldavianintelligencesaysabout500troopsweresentinOctober2024.→about500troopsweresentinOctober2024." \
        in squeezed


def test_diff_with_no_changes_prints_nothing_and_succeeds(run, repo):
    result = run("--facts", str(repo / "facts"), "diff", "HEAD", str(repo / "facts"))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    result = run("--facts", str(repo / "facts"), "diff", "HEAD", "HEAD", "-f", "markdown")
    assert result.stdout == "## HEAD → HEAD\n\nNo changes.\n"


def test_diff_unknown_revision_or_directory_exits_3(run, repo, tmp_path):
    result = run("--facts", str(repo / "facts"), "diff", "nope", "HEAD")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"error: 'nope' is neither a directory nor a revision of the repository at {repo}\n"
    outside = tmp_path / "plain"
    shutil.copytree(MINI, outside)
    result = run("--facts", str(outside), "diff", "HEAD~1", str(outside))
    assert (result.exit_code, result.stderr) == (
        3, f"error: 'HEAD~1' is not a directory, and the facts directory {outside} is not in a git repository "
           "to read it as a revision from\n")


def test_diff_revision_without_the_facts_directory_exits_3(run, repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = run("diff", "HEAD:data", "HEAD:facts")
    assert (result.exit_code, result.stderr) == (
        3, f"error: 'HEAD:data': the revision has no facts directory at data of {repo}\n")


def test_diff_bad_colon_spec_or_an_option_for_git_is_a_usage_error(run, repo):
    result = run("--facts", str(repo / "facts"), "diff", ":facts", "HEAD")
    assert (result.exit_code, result.stderr) == (2, "error: ':facts': give a revision before the colon, "
                                                    "as in HEAD~1:facts\n")
    result = run("--facts", str(repo / "facts"), "diff", "--", "--output=x", "HEAD")
    assert (result.exit_code, result.stderr) == (2, "error: '--output=x' is neither a directory nor a revision: "
                                                    "a revision does not start with '-'\n")
    assert not (repo / "facts" / "x").exists() and not Path("x").exists()


def test_diff_invalid_data_at_a_revision_names_the_revision_file_and_line(run, repo):
    edit(repo / "facts" / "claims" / "troops.yaml", "status: reported", "status: rumoured")
    git(repo, "commit", "-q", "-a", "-m", "broken")
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD")
    assert result.exit_code == 1
    assert result.stderr == ("HEAD:facts/claims/troops.yaml:20: status: 'rumoured' is not one of: reported, "
                             "alleged, denied, disputed\n")


def test_diff_as_csv_and_json_lines_has_a_row_per_change(run, repo):
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD", "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "change,record,id,field,old,new"
    assert lines[8] == "changed,claim,borduria-troops-500,status,alleged,reported"
    assert len(lines) == 1 + len(PLAIN.splitlines())
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD", "--format", "jsonl")
    assert json.loads(result.stdout.splitlines()[7]) == {
        "change": "changed", "record": "claim", "id": "borduria-troops-500", "field": "status", "old": "alleged",
        "new": "reported"}


def test_diff_without_dataset_yaml_is_headed_by_the_two_names(run, facts_copy):
    edit(facts_copy / "claims" / "troops.yaml", "status: alleged\n    asserted_by: [syldavia]\n    quantity: {amount: 500",
         "status: reported\n    asserted_by: [syldavia]\n    quantity: {amount: 500")
    result = run("diff", str(MINI), str(facts_copy), "--format", "markdown")
    assert result.exit_code == 0
    heading = f"## {MINI} → {facts_copy}\n".replace("_", "\\_")  # as Markdown text: `_` escaped
    assert result.stdout == (
        heading +
        "\n"
        "1 claim changed (1 status change).\n"
        "\n"
        "### Claims changed\n"
        "\n"
        "- `borduria-troops-500`\n"
        "  - **status: alleged → reported**\n"
    )


def test_diff_rev_colon_path_outside_any_repository_exits_3(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run("diff", "HEAD:facts", str(MINI))
    assert (result.exit_code, result.stderr) == (
        3, "error: 'HEAD:facts' is not a directory, and the working directory is not in a git repository to read "
           "it as a revision from\n")


def test_diff_of_directories_reads_them_through_the_cache_alike(run, facts_copy, tmp_path, monkeypatch):
    edit(facts_copy / "entities.yaml", "aliases: [Bordurian Republic]", "aliases: [Bordurie]")
    uncached = run("diff", str(MINI), str(facts_copy))
    monkeypatch.delenv("ALLIANCE_NO_CACHE")
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    first, second = run("diff", str(MINI), str(facts_copy)), run("diff", str(MINI), str(facts_copy))
    assert any((tmp_path / "cache").iterdir())  # the mini set's files are old enough to be cached
    assert uncached.stdout == first.stdout == second.stdout == (
        "changed\tentity\tborduria\taliases\tBordurian Republic\tBordurie\n")


# ---- a revision is read as a checkout would be, and no more --------------------------------------

def commit_and_diff(run, repo: Path, message: str):
    """Commit the working tree as it is, and diff it with the commit before."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD")


def test_diff_revision_with_a_link_out_of_the_facts_directory_refuses_it_unread(run, repo):
    # A link in the repository was once written out as a file holding its target's name; now it is a
    # link, refused as one on disk is, and the message names the revision, not a temporary folder.
    (repo / "facts" / "claims" / "passwd.yaml").symlink_to("/etc/passwd")
    result = commit_and_diff(run, repo, "link out")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("HEAD:facts/claims/passwd.yaml: a link that leads out of the facts directory; "
                             "only files inside it are read\n")


def test_diff_revision_with_a_link_inside_reads_what_it_leads_to(run, repo):
    (repo / "facts" / "claims" / "troops.yaml").rename(repo / "facts" / "troops-file")
    (repo / "facts" / "claims" / "troops.yaml").symlink_to("../troops-file")
    result = commit_and_diff(run, repo, "moved behind a link")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_diff_revision_names_a_file_that_is_not_utf8_as_it_is_on_disk(run, repo):
    name = b"\xff.yaml"
    (repo / "facts" / "claims" / os.fsdecode(name)).write_text("claims: {}\n")
    result = commit_and_diff(run, repo, "odd name")
    assert result.exit_code == 1
    assert result.stderr == "HEAD:facts/claims/\\udcff.yaml:1: claims: expected a list of records, found a mapping\n"


def test_diff_revision_with_a_huge_file_refuses_it_without_reading_it(run, repo):
    with open(repo / "facts" / "claims" / "huge.yaml", "wb") as f:
        f.write(b"claims:\n" + b"#" * (5 << 20) + b"\n")
    result = commit_and_diff(run, repo, "huge")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("HEAD:facts/claims/huge.yaml: file is too large (5,242,889 bytes; "
                             "the limit is 4,194,304 bytes per file)\n")


def test_diff_revision_without_claims_names_the_revision(run, repo):
    git(repo, "rm", "-r", "-q", "facts/claims")
    git(repo, "commit", "-q", "-m", "no claims")
    result = run("--facts", str(repo / "facts"), "diff", "HEAD~1", "HEAD")
    assert (result.exit_code, result.stderr) == (1, "HEAD:facts/claims: missing from the facts directory\n")


def test_diff_shows_a_figure_as_the_facts_file_writes_it(run, facts_copy, tmp_path):
    # Not Python's `1e-07`, which a facts file would refuse as text: the changelog quotes the data.
    new = tmp_path / "new"
    shutil.copytree(facts_copy, new)
    edit(new / "claims" / "troops.yaml", "{amount: 2000, unit: troops}", "{amount: 6.02e+23, unit: troops, lower: 1.0e-7}")
    result = run("--facts", str(facts_copy), "diff", str(facts_copy), str(new))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == ("changed\tclaim\tborduria-troops-2000\tquantity.amount\t2000\t6.02e+23\n"
                             "changed\tclaim\tborduria-troops-2000\tquantity.lower\t-\t1.0e-7\n")
    markdown = run("--facts", str(facts_copy), "diff", str(facts_copy), str(new), "--format", "markdown").stdout
    assert "  - `quantity.lower`: - → 1.0e-7\n" in markdown
