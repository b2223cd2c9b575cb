"""`alliance quote`: a loosely typed passage found verbatim in an archive, with its line and context."""

from __future__ import annotations


import os

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ARCHIVES

from alliance_cli.curate.matcher import Archive, differences, fold


def test_quote_finds_a_passage_typed_loosely(run):
    result = run("quote", "alpha-report", "trade between them reached 12.5 billion", "--sources", str(ARCHIVES))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "Trade between them reached $12.5 billion\n"
        "at alpha.txt:4; differs from TEXT: '12' -> '$12'\n"
        "\n"
        "  3 | On March 3, 2023, Ruritania and Borduria signed a “friendship pact” in Zenda, with a mutual defense clause.\n"
        "> 4 | Trade between them reached $12.5 billion in 2023, up from $9 billion in 2021.\n"
        "  5 | Officials in Syldavia allege that Ruritania sent 2,000 troops to Borduria; Ruritania denies it.\n"
        "\n"
        "occurs once\n"
    )


def test_quote_across_a_line_break_with_straight_apostrophe_and_a_word_changed(run):
    result = run("quote", "beta-bulletin", "Ruritania's pact with Borduria, signed in 2023, covers defence and trade",
                 "--sources", str(ARCHIVES))
    assert result.exit_code == 0
    assert result.stdout == (
        "Ruritania’s pact with Borduria, signed in 2023, covers defense and trade\n"
        "at beta.txt:3; differs from TEXT: 'defence' -> 'defense'\n"
        "\n"
        "  2 |\n"
        "> 3 | Ruritania’s  pact with Borduria, signed in 2023, covers\n"
        "> 4 | defense and trade.\n"
        "  5 | Syldavian intelligence says about 500 troops were sent in October 2024.\n"
        "\n"
        "occurs once\n"
    )


def test_quote_says_where_else_it_occurs(run):
    result = run("quote", "alpha-report", "in 2023", "--sources", str(ARCHIVES))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == ["in 2023", "at alpha.txt:4; matches TEXT"]
    assert result.stdout.splitlines()[-1] == "occurs once"
    result = run("quote", "alpha-report", "2023", "--sources", str(ARCHIVES))
    assert result.stdout.splitlines()[-1] == "occurs 2 times: alpha.txt:3, alpha.txt:4"


def test_quote_not_found_shows_the_closest_passage_and_fails(run):
    result = run("quote", "alpha-report", "the moon is made of green cheese", "--sources", str(ARCHIVES))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: alpha-report: quote not found in alpha.txt\n"
        "error: closest passage at alpha.txt:3 differs: 'the moon is made of green cheese' -> "
        "'with a mutual defense clause': “with a mutual defense clause”\n"
    )


def test_quote_unknown_source_suggests_and_exits_3(run):
    result = run("quote", "alpha", "pact", "--sources", str(ARCHIVES))
    assert (result.exit_code, result.stderr) == (3, "error: no source 'alpha'; did you mean 'alpha-report'?\n")


def test_quote_missing_archive_or_folder_exits_1(run, tmp_path):
    result = run("quote", "alpha-report", "pact", "--sources", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'alpha.txt'}: cannot read the archive of 'alpha-report': ")
    result = run("quote", "alpha-report", "pact", "--sources", str(tmp_path / "absent"))
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'absent'}: sources folder not found\n")


def test_quote_empty_text_is_a_usage_error(run):
    result = run("quote", "alpha-report", "  ", "--sources", str(ARCHIVES))
    assert (result.exit_code, result.stderr) == (2, "error: TEXT is empty: give the words to look for\n")


def test_quote_text_from_the_archive_is_inert_on_output(run, tmp_path, facts_copy):
    (tmp_path / "alpha.txt").write_text("A [bold]pact[/bold] with \x1b[31mred\x1b[0m ink.\n", encoding="utf-8")
    # The checksum no longer matches, which `quote` does not need: it reads whatever text is there.
    result = run("--facts", str(facts_copy), "quote", "alpha-report", "a [bold]pact[/bold] with", "--sources", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:4] == [
        "A [bold]pact[/bold] with", "at alpha.txt:1; matches TEXT", "",
        "> 1 | A [bold]pact[/bold] with \\x1b[31mred\\x1b[0m ink.",
    ]


def test_matcher_maps_offsets_back_through_collapsed_space():
    archive = Archive("one  two\n\n\tthree   four five")
    found = archive.find("TWO three four")
    assert found.exact and found.best.text == "two three four"
    assert archive.text[found.best.start:found.best.end] == "two\n\n\tthree   four"
    assert found.best.line == 1


def test_differences_attach_punctuation_to_its_word():
    assert differences('signed a friendship pact', "signed a “friendship pact”") == (
        ("friendship pact", "“friendship pact”"),
    )
    assert differences("a very big deal", "a big deal") == (("a very", "a"),)


def test_quote_counts_places_past_twenty(run, tmp_path, facts_copy):
    (tmp_path / "alpha.txt").write_text("".join(f"pact number {n}\n" for n in range(1, 26)))
    result = run("--facts", str(facts_copy), "quote", "alpha-report", "PACT", "--sources", str(tmp_path))
    assert result.exit_code == 0
    places = ", ".join(f"alpha.txt:{n}" for n in range(1, 21))
    assert result.stdout.splitlines()[-1] == f"occurs 25 times: {places}, and 5 more"


@settings(max_examples=int(os.environ.get("ALLIANCE_FUZZ_EXAMPLES", "200")), deadline=None)
@given(st.text(st.sampled_from("ab C’'“\"—- \n\t\u00a0x.İ"), min_size=1, max_size=60), st.data())
def test_any_stretch_of_a_text_is_found_exactly_where_it_is(text, data):
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    wanted = text[i:j]
    found = Archive(text).find(wanted)
    if not fold(wanted):
        return  # only white space: nothing to look for
    assert found.exact and found.good
    for passage in found.passages:
        assert fold(text[passage.start:passage.end]) == fold(wanted)
        assert passage.line == text.count("\n", 0, passage.start) + 1
    assert any(p.start <= i + (len(wanted) - len(wanted.lstrip())) < p.end for p in found.passages)


def test_quote_refuses_an_archive_that_is_a_pipe_or_a_folder_without_waiting(run, tmp_path):
    os.mkfifo(tmp_path / "alpha.txt")
    (tmp_path / "beta.txt").mkdir()
    result = run("quote", "alpha-report", "pact", "--sources", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        1, f"{tmp_path / 'alpha.txt'}: cannot read the archive of 'alpha-report': not a regular file\n")
    result = run("quote", "beta-bulletin", "pact", "--sources", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'beta.txt'}: cannot read the archive of 'beta-bulletin': ")


def test_quote_refuses_an_archive_that_is_a_link_out_of_the_sources_folder(run, tmp_path):
    # verify refuses it; quote must too, or it would print passages of any file on the machine.
    (tmp_path / "secret.txt").write_text("the secret password is hunter2\n", encoding="utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "alpha.txt").symlink_to(tmp_path / "secret.txt")
    result = run("quote", "alpha-report", "secret password", "--sources", str(sources))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"{sources / 'alpha.txt'}: cannot read the archive of 'alpha-report': a link that "
                             f"leads out of {sources}; only files inside it are read\n")
