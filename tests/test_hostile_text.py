"""Hostile text in valid data is shown as the text it is: never run as markup, escapes or formulas."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from alliance_cli import cli
from alliance_cli.formats import OutputFormat, render
from alliance_cli.formats.csv import CLAIM_COLUMNS, write
from alliance_cli.formats.view import UNSAFE, Listing, terminal_safe, visible
from alliance_cli.store import load
from conftest import FIXTURES

HOSTILE = FIXTURES / "hostile"
STATEMENT = ("Red \x1b[31mtext\x1b[0m, bell \x07, erase \x1b[2J, CSI \x9b31m, carriage\rreturn, "
             "RLO \u202eevil\u202c, NUL \x00 end")


@pytest.fixture(autouse=True)
def hostile_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_FACTS", str(HOSTILE))


def test_fixture_holds_the_raw_characters():
    # Guards the rest: the YAML escapes really did become control characters.
    assert load(HOSTILE).claims_by_id["hostile-controls"].statement == STATEMENT


PLAIN = (
    'hostile-markup\t2024\tdiplomacy\truritania,hostilia\treported\t[bold red]Alliance[/] signed [link=https://evil.example]here[/link] :warning:\t[1]\t\n'
    'hostile-controls\t2024-05\ttrade\thostilia\treported\tRed \\x1b[31mtext\\x1b[0m, bell \\x07, erase \\x1b[2J, CSI \\x9b31m, carriage\\x0dreturn, RLO \\u202eevil\\u202c, NUL \\x00 end\t[2]\tabout 5 -5+cmd\n'
    "hostile-quote\t2024-06-01\ttrade\thostilia\treported\t'already quoted\t[3]\t\n"
    '\n'
    '[1]\thostile-markup\tevil-source\t=HYPERLINK("https://evil.example","Click")\t@SUM(1+1)*cmd|\' /C calc\'!A0'
    '\t<img src=x onerror=alert(1)> *bold* `code` $x$ [a](javascript:alert(1))\n'
    '[2]\thostile-controls\tevil-source\t=HYPERLINK("https://evil.example","Click")\t+1 tab\\x09and newline\\nsecond line\t\n'
    '[3]\thostile-quote\tevil-source\t=HYPERLINK("https://evil.example","Click")\t-2\t\n'
)


def test_show_in_a_pipe_escapes_controls_and_keeps_markup_literal(run):
    result = run("show", "hostilia")
    assert (result.exit_code, result.stdout) == (0, PLAIN)


TABLE = r"""
Hostilia [bold red]Republic[/] (country, HO/HOS)
3 claims

Date         Kind        Statement                                               Status     Sources 
────────────────────────────────────────────────────────────────────────────────────────────────────
2024         diplomacy   [bold red]Alliance[/] signed                            reported   [1]     
                         [link=https://evil.example]here[/link] :warning:                   1 source
                         hostile-markup                                                             
2024-05      trade       Red \x1b[31mtext\x1b[0m, bell \x07, erase \x1b[2J,      reported   [2]     
                         CSI \x9b31m, carriage\x0dreturn, RLO                               1 source
                         \u202eevil\u202c, NUL \x00 end                                             
                         about 5 -5+cmd                                                             
                         hostile-controls                                                           
2024-06-01   trade       'already quoted                                         reported   [3]     
                         hostile-quote                                                      1 source

Citations                                                                                           
[1]  =HYPERLINK("https://evil.example","Click") — \x1b]8;;https://evil.example\x07Outlet\x1b]8;;\x07
     (article)                                                                                      
     “@SUM(1+1)*cmd|' /C calc'!A0”                                                                  
     note: <img src=x onerror=alert(1)> *bold* `code` $x$ [a](javascript:alert(1))                  
[2]  =HYPERLINK("https://evil.example","Click") — \x1b]8;;https://evil.example\x07Outlet\x1b]8;;\x07
     (article)                                                                                      
     “+1 tab\x09and newline                                                                         
     second line”                                                                                   
[3]  =HYPERLINK("https://evil.example","Click") — \x1b]8;;https://evil.example\x07Outlet\x1b]8;;\x07
     (article)                                                                                      
     “-2”                                                                                           
"""[1:]


def test_table_shows_markup_literally_and_controls_escaped():
    ds = load(HOSTILE)
    console = Console(file=io.StringIO(), width=100, color_system=None)
    for renderable in render(Listing(ds, list(ds.claims), "Hostilia [bold red]Republic[/] (country, HO/HOS)", "3 claims"),
                             OutputFormat.table):
        console.print(renderable)
    assert console.file.getvalue() == TABLE


def test_table_in_colour_sends_only_its_own_styles():
    ds = load(HOSTILE)
    console = Console(file=io.StringIO(), width=100, color_system="truecolor", force_terminal=True)
    for renderable in render(Listing(ds, list(ds.claims)), OutputFormat.table):
        console.print(renderable)
    shown = console.file.getvalue()
    assert "[bold red]Alliance[/]" in shown and "[link=https://evil.example]here[/link]" in shown
    assert "\x1b]8;" not in shown  # no hyperlink was made from the data
    # Every escape left is a style rich chose (SGR); none came from the data.
    assert "\x1b" not in re.sub("\x1b\\[[0-9;]*m", "", shown)


MARKDOWN = r"""
| Date | Kind | Statement | Status | Sources |
|---|---|---|---|---|
| 2024 | diplomacy | \[bold red\]Alliance\[/\] signed \[link=https\://evil.example\]here\[/link\] :<!-- -->warning: | reported | [^1] |
| 2024-05 | trade | Red \\x1b\[31mtext\\x1b\[0m, bell \\x07, erase \\x1b\[2J, CSI \\x9b31m, carriage\\x0dreturn, RLO \\u202eevil\\u202c, NUL \\x00 end | reported | [^2] |
| 2024-06-01 | trade | 'already quoted | reported | [^3] |

[^1]: \=HYPERLINK("https\://evil.example","Click") — \\x1b\]8;;https\://evil.example\\x07Outlet\\x1b\]8;;\\x07 (article): “<!-- -->@<!-- -->SUM(1+1)\*cmd\|' /C calc'!A0” (\<img src=x onerror=alert(1)\> \*bold\* \`code\` \$x\$ \[a\](javascript:alert(1)))
[^2]: \=HYPERLINK("https\://evil.example","Click") — \\x1b\]8;;https\://evil.example\\x07Outlet\\x1b\]8;;\\x07 (article): “+1 tab\\x09and newline<br>second line”
[^3]: \=HYPERLINK("https\://evil.example","Click") — \\x1b\]8;;https\://evil.example\\x07Outlet\\x1b\]8;;\\x07 (article): “-2”
"""[1:]


def test_markdown_escapes_what_a_renderer_would_act_on(run):
    result = run("export", "--format", "markdown")
    assert (result.exit_code, result.stdout) == (0, MARKDOWN)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_is_exact_and_sends_no_raw_controls(run, fmt):
    result = run("export", "--format", fmt)
    assert result.exit_code == 0
    assert UNSAFE.search(result.stdout) is None
    if fmt == "json":
        claims = json.loads(result.stdout)["claims"]
    else:
        claims = [json.loads(line) for line in result.stdout.splitlines()]
    ds = load(HOSTILE)
    assert [(c["id"], c["statement"], [(q["quote"], q["note"]) for q in c["citations"]]) for c in claims] == [
        (c.id, c.statement, [(q.quote, q.note) for q in c.citations]) for c in ds.claims
    ]


def test_json_document_carries_hostile_names_and_titles_exactly(run):
    document = json.loads(run("export").stdout)
    assert document["entities"][1]["name"] == "Hostilia [bold red]Republic[/]"
    assert document["entities"][1]["aliases"] == ["\x1b[31mred alias", "[link=https://evil.example]Hostile link[/link]",
                                                  INVISIBLE_ALIAS]
    assert document["sources"][0]["outlet"] == "\x1b]8;;https://evil.example\x07Outlet\x1b]8;;\x07"


# Line separators and characters that show as nothing: each would let text look other than it is.
INVISIBLE_ALIAS = "Line\u2028Para\u2029Zero\u200bJoiner\u2060Bom\ufeffTag\U000e0041"
INVISIBLE_SHOWN = "Line\\u2028Para\\u2029Zero\\u200bJoiner\\u2060Bom\\ufeffTag\\U000e0041"


@pytest.mark.parametrize("fmt", ["plain", "markdown", "html"])
def test_line_separators_and_invisible_characters_are_shown_as_escapes(run, fmt):
    result = run("entities", "--format", fmt)
    assert result.exit_code == 0
    assert (INVISIBLE_SHOWN.replace("\\", "\\\\") if fmt == "markdown" else INVISIBLE_SHOWN) in result.stdout
    # One line per entity in plain text: a U+2028 would have split it for str.splitlines().
    if fmt == "plain":
        assert len(result.stdout.splitlines()) == 2


def test_json_escapes_line_separators_and_tag_characters_and_reads_back(run):
    result = run("export", "--format", "json")
    assert "Line\\u2028Para\\u2029Zero\\u200bJoiner\\u2060Bom\\ufeffTag\\udb40\\udc41" in result.stdout
    assert json.loads(result.stdout)["entities"][1]["aliases"][2] == INVISIBLE_ALIAS


def test_completion_offers_no_candidate_that_would_reach_the_terminal_raw():
    # bash lists candidates as they are: an alias with ESC in it would colour (or clear) the screen,
    # and one with a line separator in it is no word to insert. The entity's id still completes.
    import os
    import subprocess

    env = {**os.environ, "_ALLIANCE_COMPLETE": "complete_bash", "COMP_WORDS": "alliance show ", "COMP_CWORD": "2",
           "ALLIANCE_FACTS": str(HOSTILE)}
    proc = subprocess.run([sys.executable, "-m", "alliance_cli"], env=env, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == ["\\[link=https://evil.example\\]Hostile\\ link\\[/link\\]", "hostilia", "ruritania"]


def _unneutralize(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def test_csv_neutralizes_every_formula_and_gives_the_text_back(run):
    result = run("export", "--format", "csv")
    assert result.exit_code == 0
    header, *rows = csv.reader(io.StringIO(result.stdout_bytes.decode(), newline=""))  # .stdout folds CRLF
    assert tuple(header) == CLAIM_COLUMNS
    cells = {row[0]: dict(zip(header, row)) for row in rows}
    assert cells["hostile-markup"]["quotes"] == '["@SUM(1+1)*cmd|\' /C calc\'!A0"]'
    assert cells["hostile-controls"]["quantity_unit"] == "'-5+cmd"
    assert cells["hostile-controls"]["quotes"] == '["+1 tab\\tand newline\\nsecond line"]'
    assert cells["hostile-quote"]["statement"] == "''already quoted"
    assert cells["hostile-quote"]["quotes"] == '["-2"]'
    for claim in load(HOSTILE).claims:
        row = cells[claim.id]
        assert _unneutralize(row["statement"]) == claim.statement
        assert json.loads(row["quotes"]) == [c.quote for c in claim.citations]
    for row in cells.values():
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


def test_csv_header_row_is_neutralized_too():
    assert write(["=cmd()", "@sum", "plain"], [["+1", -1, "ok"]]) == "'=cmd(),'@sum,plain\r\n'+1,-1,ok\r\n"


@pytest.mark.parametrize("cell", [" =1+1", "  @SUM(A1)", "\n-2+3", "\u00a0+cmd", "\u3000=1", "\uff1dSUM(1)",
                                  "\uff0b1", "\uff0d1", "\uff20A1", " \uff1d1"])
def test_csv_neutralizes_a_formula_after_white_space_or_in_full_width(cell):
    # A spreadsheet that trims cells on import would find `=` first; an East Asian input method may
    # read a full-width sign as the ASCII one. Each gets the same leading quote, and gives the text back.
    written = write([cell], [[cell]])
    assert written == f"{_csv_cell(chr(39) + cell)}\r\n{_csv_cell(chr(39) + cell)}\r\n"
    assert [_unneutralize(c) for row in csv.reader(io.StringIO(written, newline="")) for c in row] == [cell, cell]


def test_csv_leaves_white_space_and_signs_inside_text_alone():
    assert write(["a = b"], [[" ", "", "x - y", " plain", "\uff21"]]) == "a = b\r\n ,,x - y, plain,\uff21\r\n"


def _csv_cell(text: str) -> str:
    return f'"{text}"' if any(ch in text for ch in '\r\n",') else text


def test_sources_csv_neutralizes_titles(run):
    result = run("sources", "--format", "csv")
    assert result.stdout.splitlines()[1].startswith("evil-source,\"'=HYPERLINK(")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_csv_on_a_terminal_shows_controls_escaped(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    ds = load(HOSTILE)
    cli.emit(Listing(ds, [ds.claims_by_id["hostile-controls"]], everything=True), OutputFormat.csv)
    shown = terminal.getvalue()
    assert UNSAFE.search(shown.replace("\r\n", "\n").replace("\t", " ")) is None
    assert "Red \\x1b[31mtext\\x1b[0m, bell \\x07" in shown and "RLO \\u202eevil\\u202c" in shown
    assert shown.endswith("\r\n")  # the layout is left alone


def test_visible_keeps_the_joiners_scripts_need():
    # Persian (ZWNJ) and emoji sequences (ZWJ) are text, not tricks.
    assert visible("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f468\u200d\U0001f469") == \
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f468\u200d\U0001f469"


def test_terminal_safe_keeps_tabs_and_line_ends_only():
    assert terminal_safe("a\tb\r\nc\rd\x1b[0m\u202e\n") == "a\tb\r\nc\\x0dd\\x1b[0m\\u202e\n"


def test_visible_leaves_nothing_unsafe():
    text = "".join(chr(i) for i in range(0x20)) + "\x7f\x85\x9f\u061c\u200e\u200f\u202a\u202e\u2066\u2069"
    text += "\u200b\u2028\u2029\u2060\u2064\u206a\u206f\ufeff\ufff9\ufffb\U000e0001\U000e0041\U000e007f"
    assert UNSAFE.search(visible(text).replace("\n", "")) is None


def test_error_messages_keep_markup_and_controls_inert(run, tmp_path, monkeypatch):
    facts = tmp_path / "facts"
    shutil.copytree(HOSTILE, facts)
    monkeypatch.chdir(tmp_path)
    path = facts / "claims" / "hostile.yaml"
    text = path.read_text().replace("parties: [ruritania, hostilia]", 'parties: ["[bold red]x[/]\\e[2J"]')
    path.write_text(text.replace("date: 2024-06-01", 'date: 2024-06-01\n    "[blink]\\e]0;title\\a": 1'))
    result = run("--facts", "facts", "validate")
    assert result.exit_code == 1
    assert result.stderr == (
        "facts/claims/hostile.yaml:24: [blink]\\x1b]0;title\\x07: unknown key\n"
        "facts/claims/hostile.yaml:4: parties[0]: unknown entity '[bold red]x[/]\\x1b[2J'\n"
        "2 problems found\n"
    )


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=" \t\r\n\u00a0\u3000=+-@'\uff1d\uff0b\uff0d\uff20ab1", max_size=6))
def test_csv_guard_is_the_stated_rule(text):
    # The rule (docs/bad-input.md): a cell starting with = + - @ tab CR or ', or whose first sign after
    # white space is = + - @ or one of their full-width forms, gets a leading quote; no other cell does.
    from alliance_cli.formats.csv import neutralize

    first_sign = text.lstrip()[:1]
    guarded = text[:1] in {"=", "+", "-", "@", "\t", "\r", "'"} or (first_sign != "" and first_sign in "=+-@\uff1d\uff0b\uff0d\uff20")
    assert neutralize(text) == ("'" + text if guarded else text)
