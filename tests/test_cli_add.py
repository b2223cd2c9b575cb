"""`alliance add source` and `alliance add claim`: records appended as text, checked before anything is written."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ARCHIVES

from alliance_cli.store import load

GAMMA = "Gamma Gazette\n\nRuritania and Syldavia agreed on “closer ties” — officials said — in May 2025.\n"
GAMMA_SHA = hashlib.sha256(GAMMA.encode()).hexdigest()


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(ARCHIVES, target)
    return target


@pytest.fixture
def gamma(tmp_path: Path) -> Path:
    path = tmp_path / "Gamma.TXT"
    path.write_text(GAMMA, encoding="utf-8")
    return path


def snapshot(*folders: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def add_gamma(run, facts: Path, gamma: Path, archives: Path, *extra: str):
    return run("--facts", str(facts), "add", "source", str(gamma), "--id", "gamma-gazette", "--title",
               "Gamma: the Gazette", "--kind", "article", "--published", "2025-05", "--sources", str(archives), *extra)


def test_add_source_archives_the_text_and_appends_the_record(run, facts_copy, gamma, archives):
    path = facts_copy / "sources.yaml"
    before = "# Sources: one record per archived text.\n" + path.read_text() + "\n# end of sources\n"
    path.write_text(before)
    result = add_gamma(run, facts_copy, gamma, archives, "--outlet", "Gamma #1", "--cites", "no", "--cites", "Wire: X")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"added source gamma-gazette at {path}:20; archived as {archives / 'gamma-gazette.txt'}\n"
    assert path.read_text() == before + (
        "  - id: gamma-gazette\n"
        '    title: "Gamma: the Gazette"\n'
        '    outlet: "Gamma #1"\n'
        "    kind: article\n"
        "    published: 2025-05\n"
        '    cites: ["no", "Wire: X"]\n'
        "    archive: gamma-gazette.txt\n"
        f"    sha256: {GAMMA_SHA}\n"
    )
    assert (archives / "gamma-gazette.txt").read_text(encoding="utf-8") == GAMMA
    source = load(facts_copy).sources["gamma-gazette"]
    assert (source.title, source.outlet, source.cites) == ("Gamma: the Gazette", "Gamma #1", ("no", "Wire: X"))
    assert run("--facts", str(facts_copy), "verify", "--sources", str(archives)).exit_code == 0


def test_add_source_dry_run_prints_the_record_and_writes_nothing(run, facts_copy, gamma, archives):
    before = snapshot(facts_copy, archives)
    result = add_gamma(run, facts_copy, gamma, archives, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == (
        "  - id: gamma-gazette\n"
        '    title: "Gamma: the Gazette"\n'
        "    kind: article\n"
        "    published: 2025-05\n"
        "    archive: gamma-gazette.txt\n"
        f"    sha256: {GAMMA_SHA}\n"
    )
    assert snapshot(facts_copy, archives) == before


def test_add_source_refuses_a_duplicate_id_and_leaves_every_file(run, facts_copy, gamma, archives):
    before = snapshot(facts_copy, archives)
    result = run("--facts", str(facts_copy), "add", "source", str(gamma), "--id", "alpha-report", "--title", "T",
                 "--kind", "article", "--sources", str(archives))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"{facts_copy / 'sources.yaml'}:17: id: duplicate source id 'alpha-report' "
                             f"(first defined at {facts_copy / 'sources.yaml'}:2)\n"
                             "error: nothing was added (line 17 on is the new record, as it would have been appended)\n")
    assert snapshot(facts_copy, archives) == before


def test_add_source_rolls_back_the_archive_when_the_record_cannot_be_written(run, facts_copy, gamma, archives,
                                                                            monkeypatch):
    before = snapshot(facts_copy, archives)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "sources.yaml":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = add_gamma(run, facts_copy, gamma, archives)
    assert result.exit_code == 1
    assert result.stderr == f"{facts_copy / 'sources.yaml'}: cannot write: No space left on device\n"
    assert snapshot(facts_copy, archives) == before


def test_add_source_refuses_bad_values_on_the_command_line(run, facts_copy, gamma, archives, tmp_path):
    base = ("--facts", str(facts_copy), "add", "source", str(gamma), "--title", "T", "--sources", str(archives))
    result = run(*base, "--id", "Gamma", "--kind", "article")
    assert (result.exit_code, result.stderr) == (
        2, "error: --id: 'Gamma' is not a slug (lowercase letters, digits and single hyphens)\n")
    result = run(*base, "--id", "gamma", "--kind", "artcle")
    assert (result.exit_code, result.stderr) == (
        2, "error: --kind: 'artcle' is not one of: article, blog-post, essay, slideshow, podcast, report; "
           "did you mean 'article'?\n")
    result = run(*base, "--id", "gamma", "--kind", "article", "--published", "2025-13")
    assert (result.exit_code, result.stderr) == (2, "error: --published: '2025-13' has no month 13\n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café".encode("latin-1"))
    result = run("--facts", str(facts_copy), "add", "source", str(latin1), "--id", "gamma", "--title", "T",
                 "--kind", "article", "--sources", str(archives))
    assert (result.exit_code, result.stderr) == (
        1, f"{latin1}: not UTF-8 text (byte 3): save the source as UTF-8 first\n")


def test_add_source_refuses_to_overwrite_another_archive(run, facts_copy, gamma, archives):
    (archives / "gamma-gazette.txt").write_text("something else")
    result = add_gamma(run, facts_copy, gamma, archives)
    assert (result.exit_code, result.stderr) == (
        1, f"{archives / 'gamma-gazette.txt'}: already exists with other content: choose another --id or remove it\n")
    assert (archives / "gamma-gazette.txt").read_text() == "something else"


def claim_args(facts: Path, archives: Path, *extra: str, file: str = "claims/borduria.yaml") -> list[str]:
    return ["--facts", str(facts), "add", "claim", "--file", file, "--id", "borduria-ports-2024", "--kind", "trade",
            "--party", "Ruritania", "--party", "borduria", "--date", "2024", "--source", "alpha-report",
            "--quote", "trade between them reached 12.5 billion in 2023", "--sources", str(archives), *extra]


def test_add_claim_stores_the_archived_passage_and_keeps_the_file_as_it_was(run, facts_copy, archives):
    path = facts_copy / "claims" / "borduria.yaml"
    before = "# Borduria: trade and treaties.\n\n" + path.read_text().replace("\n  - id: borduria-trade-2023",
                                                                           "\n\n  # trade\n  - id: borduria-trade-2023")
    path.write_text(before.rstrip("\n"))  # no newline at the end: one is added before the record
    result = run(*claim_args(facts_copy, archives, "--statement", "Trade grew.", "--note", "Figures: in USD"))
    assert result.exit_code == 0
    assert result.stdout == f"added claim borduria-ports-2024 at {path}:43\n"
    assert len(before.rstrip("\n").splitlines()) == 42
    assert result.stderr == ("quote: “Trade between them reached $12.5 billion in 2023” (alpha.txt:4; differs from "
                             "--quote: '12' -> '$12')\n")
    assert path.read_text() == before.rstrip("\n") + "\n" + (
        "  - id: borduria-ports-2024\n"
        "    kind: trade\n"
        "    parties: [ruritania, borduria]\n"
        "    date: 2024\n"
        "    statement: Trade grew.\n"
        "    citations:\n"
        "      - source: alpha-report\n"
        "        quote: Trade between them reached $12.5 billion in 2023\n"
        '        note: "Figures: in USD"\n'
    )
    assert run("--facts", str(facts_copy), "verify", "--sources", str(archives)).exit_code == 0


HOSTILE = [
    "Ruritania: 2,000 troops", 'He said "yes"', "Item #3 of 5", "- leading dash", "two\nlines", "[bold]red[/bold]",
    "no", "NO", "on", "123", "1e3", "null", "~", "  spaced  ", "it's", "tab\there", "ends with colon:", "{braces}",
    "&anchor", "*alias", "!tag", "%directive", "@at", "`tick`", "|", ">", "'single'", "\u2028sep", "\x85nel",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_add_claim_writes_hostile_text_that_reads_back_exactly(run, facts_copy, archives, text):
    result = run(*claim_args(facts_copy, archives, "--statement", text, "--note", text, "--status", "alleged",
                             "--asserted-by", "Syldavia", "--denied-by", "ruritania", file="claims/new.yaml"))
    assert result.exit_code == 0, result.stderr
    claim = load(facts_copy).claims_by_id["borduria-ports-2024"]
    assert (claim.statement, claim.citations[0].note) == (text, text)
    assert (claim.status, claim.asserted_by, claim.denied_by) == ("alleged", ("syldavia",), ("ruritania",))


def test_add_claim_creates_a_new_file(run, facts_copy, archives):
    result = run(*claim_args(facts_copy, archives, "--statement", "Trade grew.", file="claims/ports.yaml"))
    assert result.exit_code == 0
    assert (facts_copy / "claims" / "ports.yaml").read_text() == (
        "claims:\n"
        "  - id: borduria-ports-2024\n"
        "    kind: trade\n"
        "    parties: [ruritania, borduria]\n"
        "    date: 2024\n"
        "    statement: Trade grew.\n"
        "    citations:\n"
        "      - source: alpha-report\n"
        "        quote: Trade between them reached $12.5 billion in 2023\n"
    )


def test_add_claim_keeps_the_curly_quotes_of_the_archive(run, facts_copy, archives):
    result = run("--facts", str(facts_copy), "add", "claim", "--file", "claims/x.yaml", "--id", "x", "--kind",
                 "treaty", "--party", "ruritania", "--statement", "A pact.", "--source", "alpha-report", "--quote",
                 'signed a "friendship pact" in zenda', "--sources", str(archives))
    assert result.exit_code == 0
    assert "        quote: \"signed a “friendship pact” in Zenda\"\n" in (facts_copy / "claims" / "x.yaml").read_text()


def test_add_claim_refuses_a_quote_it_cannot_find(run, facts_copy, archives):
    before = snapshot(facts_copy)
    args = claim_args(facts_copy, archives, "--statement", "S.")
    args[args.index("--quote") + 1] = "the moon is made of green cheese"
    result = run(*args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: --quote: quote not found in alpha.txt; nothing was added\n"
        "error: closest passage at alpha.txt:3 differs: 'the moon is made of green cheese' -> "
        "'with a mutual defense clause': “with a mutual defense clause”\n"
    )
    assert snapshot(facts_copy) == before


def test_add_claim_refuses_a_duplicate_id_with_file_and_line(run, facts_copy, archives):
    before = snapshot(facts_copy)
    args = claim_args(facts_copy, archives, "--statement", "S.", file="claims/troops.yaml")
    args[args.index("--id") + 1] = "borduria-trade-2023"
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr == (f"{facts_copy / 'claims' / 'troops.yaml'}:27: id: duplicate claim id "
                             f"'borduria-trade-2023' (first defined at {facts_copy / 'claims' / 'borduria.yaml'}:19)\n"
                             "error: nothing was added (line 27 on is the new record, as it would have been appended)\n")
    assert snapshot(facts_copy) == before


@pytest.mark.parametrize("name", ["../x.yaml", "/etc/x.yaml", "claims/../../x.yaml", "claims/sub/x.yaml",
                                  "claims/x.txt", "sources.yaml", "x.yaml"])
def test_add_claim_refuses_a_file_outside_the_claims_folder(run, facts_copy, archives, name):
    before = snapshot(facts_copy)
    result = run(*claim_args(facts_copy, archives, "--statement", "S.", file=name))
    assert (result.exit_code, result.stderr) == (
        2, f"error: --file: {name!r} must name a .yaml file directly in claims/ of the facts directory, "
           "like claims/iran.yaml\n")
    assert snapshot(facts_copy) == before


def test_add_claim_refuses_a_link_that_leads_outside(run, facts_copy, archives, tmp_path):
    (facts_copy / "claims" / "link.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = run(*claim_args(facts_copy, archives, "--statement", "S.", file="claims/link.yaml"))
    assert (result.exit_code, result.stderr) == (
        2, "error: --file: 'claims/link.yaml' leads outside claims/ of the facts directory\n")
    assert not (tmp_path / "elsewhere.yaml").exists()


def test_add_claim_unknown_party_or_source_exits_3(run, facts_copy, archives):
    args = claim_args(facts_copy, archives, "--statement", "S.")
    args[args.index("Ruritania")] = "Ruritanai"
    result = run(*args)
    assert (result.exit_code, result.stderr) == (3, "error: no entity 'Ruritanai'; did you mean 'ruritania'?\n")
    args = claim_args(facts_copy, archives, "--statement", "S.")
    args[args.index("alpha-report")] = "gamma"
    assert run(*args).exit_code == 3


def test_add_claim_refuses_a_list_written_in_brackets(run, facts_copy, archives):
    (facts_copy / "claims" / "flow.yaml").write_text("claims: []\n")
    result = run(*claim_args(facts_copy, archives, "--statement", "S.", file="claims/flow.yaml"))
    assert result.exit_code == 1
    assert result.stderr == (f"{facts_copy / 'claims' / 'flow.yaml'}:1: expected a block list under 'claims:' "
                             "to append to\n")


def test_bare_add_prints_help_and_succeeds(run):
    result = run("add")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: alliance add [OPTIONS] COMMAND [ARGS]...\n")
    assert "  source  " in result.stdout and "  claim   " in result.stdout


def test_add_to_a_broken_or_missing_facts_directory_is_refused(run, facts_copy, gamma, archives, tmp_path):
    path = facts_copy / "claims" / "troops.yaml"
    path.write_text(path.read_text().replace("status: alleged\n    asserted_by: [syldavia]\n    denied_by",
                                             "status: rumoured\n    asserted_by: [syldavia]\n    denied_by"))
    before = snapshot(facts_copy, archives)
    result = add_gamma(run, facts_copy, gamma, archives)
    assert (result.exit_code, result.stderr) == (
        1, f"{path}:7: status: 'rumoured' is not one of: reported, alleged, denied, disputed\n")
    assert snapshot(facts_copy, archives) == before
    result = add_gamma(run, tmp_path / "absent", gamma, archives)
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'absent'}: facts directory not found\n")


def test_add_claim_that_would_not_validate_names_the_line_it_would_have(run, facts_copy, archives):
    before = snapshot(facts_copy)
    result = run(*claim_args(facts_copy, archives, "--statement", "S.", "--status", "disputed"))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"{facts_copy / 'claims' / 'borduria.yaml'}:44: denied_by: a disputed claim must name who denies it\n"
        "error: nothing was added (line 39 on is the new record, as it would have been appended)\n")
    assert snapshot(facts_copy) == before


def test_add_claim_refuses_text_that_is_not_utf8(run, facts_copy, archives):
    before = snapshot(facts_copy)
    result = run(*claim_args(facts_copy, archives, "--statement", "caf\udce9"))
    assert (result.exit_code, result.stderr) == (2, "error: 'caf\\udce9' is not UTF-8 text\n")
    assert snapshot(facts_copy) == before


@settings(max_examples=int(os.environ.get("ALLIANCE_FUZZ_EXAMPLES", "200")), deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40))
def test_any_text_is_written_so_that_it_reads_back_exactly(text):
    from alliance_cli.curate.edit import record, scalar
    from alliance_cli.yamlfile import read_yaml

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.yaml"
        path.write_text("claims:\n" + record([("id", "x"), ("statement", scalar(text))]), encoding="utf-8")
        assert read_yaml(path)["claims"][0]["statement"] == text


def test_add_with_a_missing_file_or_archive_fails_cleanly(run, facts_copy, archives, tmp_path):
    result = run("--facts", str(facts_copy), "add", "source", str(tmp_path / "absent.txt"), "--id", "gamma",
                 "--title", "T", "--kind", "article", "--sources", str(archives))
    assert (result.exit_code, result.stderr) == (
        1, f"{tmp_path / 'absent.txt'}: cannot read the source: No such file or directory\n")
    os.mkfifo(tmp_path / "pipe")
    result = run("--facts", str(facts_copy), "add", "source", str(tmp_path / "pipe"), "--id", "gamma",
                 "--title", "T", "--kind", "article", "--sources", str(archives))
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'pipe'}: cannot read the source: not a regular file\n")
    (archives / "alpha.txt").unlink()
    before = snapshot(facts_copy)
    result = run(*claim_args(facts_copy, archives, "--statement", "S."))
    assert (result.exit_code, result.stderr) == (
        1, f"{archives / 'alpha.txt'}: cannot read the archive of 'alpha-report': No such file or directory\n")
    assert snapshot(facts_copy) == before


@pytest.mark.parametrize("name,archived", [("notes.MD", "gamma.md"), ("odd.t x", "gamma.txt"), ("noext", "gamma.txt"),
                                           ("a.b\\c", "gamma.txt")])
def test_add_source_names_the_archive_after_the_id(run, facts_copy, archives, tmp_path, name, archived):
    path = tmp_path / name
    path.write_text(GAMMA, encoding="utf-8")
    result = run("--facts", str(facts_copy), "add", "source", str(path), "--id", "gamma", "--title", "T",
                 "--kind", "article", "--sources", str(archives))
    assert result.exit_code == 0, result.stderr
    assert (archives / archived).read_text(encoding="utf-8") == GAMMA
    assert load(facts_copy).sources["gamma"].archive == archived


def test_add_claim_keeps_crlf_line_ends_and_a_byte_order_mark(run, facts_copy, archives):
    path = facts_copy / "claims" / "borduria.yaml"
    before = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(before)
    result = run(*claim_args(facts_copy, archives, "--statement", "Trade grew."))
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(before)
    assert after[len(before):] == (
        b"  - id: borduria-ports-2024\r\n    kind: trade\r\n    parties: [ruritania, borduria]\r\n    date: 2024\r\n"
        b"    statement: Trade grew.\r\n    citations:\r\n      - source: alpha-report\r\n"
        b"        quote: Trade between them reached $12.5 billion in 2023\r\n")
    assert load(facts_copy).claims_by_id["borduria-ports-2024"].statement == "Trade grew."


def test_add_claim_refuses_an_archive_that_is_a_link_out_of_the_sources_folder(run, facts_copy, archives, tmp_path):
    (tmp_path / "secret.txt").write_text("the secret password is hunter2\n", encoding="utf-8")
    (archives / "alpha.txt").unlink()
    (archives / "alpha.txt").symlink_to(tmp_path / "secret.txt")
    before = snapshot(facts_copy)
    args = claim_args(facts_copy, archives, "--statement", "S.")
    args[args.index("--quote") + 1] = "the secret password"
    result = run(*args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"{archives / 'alpha.txt'}: cannot read the archive of 'alpha-report': a link that "
                             f"leads out of {archives}; only files inside it are read\n")
    assert snapshot(facts_copy) == before


@pytest.mark.parametrize("kind", ["fifo", "device", "link out"])
def test_add_source_reads_an_archive_already_there_safely(run, facts_copy, gamma, archives, tmp_path, kind):
    # The archive it would write is there already: compared with the text, it is read as any archive is.
    existing = archives / "gamma-gazette.txt"
    if kind == "fifo":
        os.mkfifo(existing)
        reason = "not a regular file"
    else:
        existing.symlink_to("/dev/zero" if kind == "device" else tmp_path / "Gamma.TXT")
        reason = f"a link that leads out of {archives}; only files inside it are read"
    before = snapshot(facts_copy)
    result = add_gamma(run, facts_copy, gamma, archives)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"{existing}: cannot read the archive: {reason}\n"
    assert snapshot(facts_copy) == before


def test_add_claim_copies_only_facts_files_to_check_the_change(run, facts_copy, archives, monkeypatch):
    # A backup of gigabytes beside the facts is not copied on every `add`: validation never reads it.
    with open(facts_copy / "backup.tar", "wb") as f:
        f.truncate(1 << 30)  # sparse: no disk used
    copied = []
    copyfile = shutil.copyfile

    def recorded(src, dst):
        copied.append(Path(src).name)
        return copyfile(src, dst)

    monkeypatch.setattr(shutil, "copyfile", recorded)
    result = run(*claim_args(facts_copy, archives, "--statement", "S.", "--dry-run"))
    assert result.exit_code == 0, result.stderr
    assert sorted(copied) == ["borduria.yaml", "entities.yaml", "sources.yaml", "troops.yaml"]


def test_add_source_from_standard_input_is_refused_as_a_usage_error(run, facts_copy, archives):
    result = run("--facts", str(facts_copy), "add", "source", "-", "--id", "gamma-gazette", "--title", "G",
                 "--kind", "article", "--sources", str(archives), input="Gamma\n")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: FILE: standard input ('-') is not read; save the source's text to a file and give its name\n"


@pytest.mark.parametrize(("option", "value"), [
    ("--published", ""), ("--outlet", ""), ("--url", ""), ("--byline", ""), ("--title", " "), ("--cites", " "),
])
def test_add_source_refuses_an_empty_value_rather_than_store_an_empty_field(run, option, value, tmp_path):
    text = tmp_path / "art.txt"
    text.write_text("An archived text.\n")
    args = {"--id": "new-source", "--title": "T", "--kind": "article", option: value}
    result = run("add", "source", str(text), *(x for pair in args.items() for x in pair), "--sources", str(tmp_path),
                 "--dry-run")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {option}: the value is empty or only white space (is a shell variable unset?)\n"


@pytest.mark.parametrize("option", ["--statement", "--date", "--note", "--quote", "--asserted-by", "--file"])
def test_add_claim_refuses_an_empty_value_rather_than_store_an_empty_field(run, option, tmp_path):
    args = {"--file": "claims/new.yaml", "--id": "new-claim", "--kind": "trade", "--party": "borduria",
            "--statement": "Borduria traded.", "--source": "alpha-report", "--quote": "trade"}
    args[option] = ""
    result = run("add", "claim", *(x for pair in args.items() for x in pair), "--sources", str(tmp_path), "--dry-run")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {option}: the value is empty or only white space (is a shell variable unset?)\n"


def test_diff_refuses_an_empty_version_rather_than_read_the_current_folder(run, mini_facts):
    for args in (["", str(mini_facts)], [str(mini_facts), " "]):
        result = run("diff", *args)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.endswith(": the value is empty or only white space (is a shell variable unset?)\n")
