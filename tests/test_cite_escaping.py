"""`cite`: hostile source fields come out of BibTeX, CSL-JSON and text exactly as data, checked
by parsing the BibTeX back with a real parser (pybtex) and comparing every field with the input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pybtex.database import parse_string

from alliance_cli.formats import cite
from alliance_cli.formats.view import visible, web_address
from alliance_cli.model import Citation, Claim, Dataset, Source
from test_properties import FUZZ

HOSTILE = [
    "https://x.example/}, publisher = {Evil Press}, x = {",
    r"\input /etc/hostname",
    "a lone { brace",
    "a lone } brace",
    "}{ reversed",
    r"\{ escaped \} braces \\ and \\\\",
    "100% & $5 #1 under_score ~tilde^caret",
    '"quoted" @misc{x, title={y}}',
    "Red \x1b[31mtext\x1b[0m, bell \x07, RLO \u202eevil\u202c, NUL \x00, CR \r end",
    "line one\nline two",
    "café Ünïcödé 日本語",
]
# The LaTeX commands bibtex_text writes, back to the characters they print.
_LATEX = {r"\textbackslash{}": "\\", r"\textbraceleft{}": "{", r"\textbraceright{}": "}",
          r"\textasciitilde{}": "~", r"\textasciicircum{}": "^", r"\textless{}": "<", r"\textgreater{}": ">",
          r"\textbar{}": "|", "{}": "", **{"\\" + ch: ch for ch in "&%$#_"}}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in sorted(_LATEX, key=len, reverse=True)))


def _printed(latex: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX[m.group()], latex)


def _spaced(text: str) -> str:
    """Text as BibTeX reads it: any run of white space is one space."""
    return " ".join(text.split())


def _dataset(text: str, url: str | None = None) -> tuple[Dataset, Claim]:
    source = Source(id="evil-source", title=text, kind="article", archive="evil.txt", sha256="0" * 64,
                    outlet=text, byline=text, published="2024-06", url=url if url is not None else text)
    claim = Claim(id="evil-claim", kind="trade", parties=("ruritania",), statement=text,
                  citations=(Citation("evil-source", text, text),))
    return Dataset.of((claim,), {source.id: source}, {}), claim


def _parsed_fields(bib: str) -> dict[str, str]:
    entries = parse_string(bib, "bibtex").entries
    assert list(entries) == ["evil-source:evil-claim"]  # one entry: nothing was injected before or after
    entry = entries["evil-source:evil-claim"]
    fields = {name.lower(): value for name, value in entry.fields.items()}
    fields.update({role.lower(): " and ".join(str(p) for p in people) for role, people in entry.persons.items()})
    return fields


def _check(text: str, url: str) -> None:
    ds, claim = _dataset(text, url)
    fields = _parsed_fields(cite.bibtex(ds, claim))
    linked = web_address(url)
    assert sorted(fields) == ["author", "howpublished", "month", "note", "title", *(["url"] if linked else []), "year"]
    shown = _spaced(visible(text))
    assert _spaced(_printed(fields["title"].removeprefix("{").removesuffix("}"))) == shown
    assert _spaced(_printed(fields["author"].removeprefix("{").removesuffix("}"))) == shown
    assert _spaced(_printed(fields["howpublished"])) == shown
    note = cite._quoted(claim.citations[0], ds.sources["evil-source"])
    assert _spaced(_printed(fields["note"])) == _spaced(visible(note))
    if linked:
        assert unquote(fields["url"]) == url and not re.search(r"[{}\\\s]", fields["url"])
    else:  # not a web address: given as text, never as a link
        assert f" Address (not a web link): {url}." in note
    assert (fields["year"], fields["month"]) == ("2024", "6")


@pytest.mark.parametrize("text", HOSTILE)
def test_bibtex_keeps_hostile_text_as_data(text):
    _check(text, url=text)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                                 "data:text/html,x", "file:///etc/passwd", "https://news.example@evil.example/"])
def test_an_address_that_is_no_web_link_is_given_as_text(url):
    ds, claim = _dataset("Title", url)
    item = json.loads(cite.csl_json(ds, claim))[0]  # pandoc and Zotero would link a URL too
    assert "URL" not in item and f" Address (not a web link): {url}." in item["note"]
    fields = _parsed_fields(cite.bibtex(ds, claim))
    assert "url" not in fields
    assert _spaced(f"Address (not a web link): {url}.") in _spaced(_printed(fields["note"]))


@pytest.mark.parametrize(("text", "latex"), [
    ("a--b---c", "a-{}-b-{}-{}-c"), ("``q'' !`x ?`y ,,z", "`{}`q'{}' !{}`x ?{}`y ,{},z"),
    ('<<"a"|b>>', r'\textless{}\textless{}"a"\textbar{}b\textgreater{}\textgreater{}'),
])
def test_bibtex_prints_what_latex_fonts_would_turn_into_other_characters(text, latex):
    # In OT1, LaTeX's default encoding, `<` prints ¡ and `|` an em dash; `--` joins into an en dash.
    assert cite.bibtex_text(text) == latex


def test_a_url_cannot_add_a_field():
    ds, claim = _dataset("Title", "https://x.example/},publisher={Evil-Press},x={%}")
    bib = cite.bibtex(ds, claim)
    assert "  url = {https://x.example/%7D,publisher=%7BEvil-Press%7D,x=%7B%%7D},\n" in bib
    assert "publisher" not in _parsed_fields(bib)


def test_a_url_with_white_space_in_it_is_given_as_text():
    # No web address has a raw space in it; as text it cannot add a field either.
    ds, claim = _dataset("Title", "https://x.example/}, publisher = {Evil Press}, x = {")
    fields = _parsed_fields(cite.bibtex(ds, claim))
    assert "publisher" not in fields and "url" not in fields
    assert "Address (not a web link): https://x.example/\\textbraceright{}, publisher" in fields["note"]


def test_a_backslash_never_reaches_latex_as_a_command():
    ds, claim = _dataset(r"\input /etc/hostname")
    bib = cite.bibtex(ds, claim)
    assert "  title = {{\\textbackslash{}input /etc/hostname}},\n" in bib
    assert "\\input" not in bib


@FUZZ
@given(text=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
       url=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40))
def test_bibtex_of_any_text_parses_back_to_that_text(text, url):
    _check(text, url)


@pytest.mark.parametrize("text", HOSTILE)
def test_csl_json_is_exact_and_inert(text):
    ds, claim = _dataset(text)
    out = cite.csl_json(ds, claim)
    item = json.loads(out)[0]
    assert (item["title"], item["container-title"], item["author"]) == (text, text, [{"literal": text}])
    assert item.get("URL") == (text if web_address(text) else None)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


def test_cite_text_shows_controls_as_escapes(run, monkeypatch):
    ds, claim = _dataset(HOSTILE[8], url="https://x.example/\x1b]8;;https://evil.example\x07link")
    out = cite.text(ds, claim)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    assert "Red \\x1b[31mtext\\x1b[0m, bell \\x07, RLO \\u202eevil\\u202c, NUL \\x00, CR \\x0d end" in out
    assert "https://x.example/\\x1b]8;;https://evil.example\\x07link" in out


LATEX = [shutil.which(tool) for tool in ("pdflatex", "bibtex", "pdftotext")]
needs_latex = pytest.mark.skipif(None in LATEX, reason="pdflatex, bibtex and pdftotext are not installed (.ci/run installs them)")
# What LaTeX can typeset with its default set-up (pdflatex, OT1, utf8): no CJK, and not `"`, which
# OT1 has only as a curly quote.
TYPESET = [t for t in HOSTILE if "日本語" not in t and '"' not in t] + ["a--b---c ``q'' !`x ?`y ,,z <!-- x|y>"]


@needs_latex
def test_bibtex_and_latex_print_the_data_as_written(tmp_path):
    entries = []
    for n, text in enumerate(TYPESET):
        ds, claim = _dataset(text, url="https://news.example/a_b%20c?d=1&e=~f#g")
        entries.append(cite.bibtex(ds, claim).replace("evil-source:evil-claim", f"entry{n}"))
    (tmp_path / "refs.bib").write_text("\n".join(entries), encoding="utf-8")
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\\usepackage[utf8]{inputenc}\\begin{document}"
                                      "\\nocite{*}\\bibliographystyle{plain}\\bibliography{refs}\\end{document}\n")

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert run("pdflatex", "-interaction=nonstopmode", "doc").returncode == 0
    bibtex = run("bibtex", "doc")
    assert bibtex.returncode == 0 and "error message" not in bibtex.stdout, bibtex.stdout
    assert (tmp_path / "doc.bbl").read_text().count("\\bibitem{entry") == len(TYPESET)  # nothing added or lost
    latex = run("pdflatex", "-interaction=nonstopmode", "doc")
    assert latex.returncode == 0 and not re.search(r"^!", latex.stdout, re.M), latex.stdout
    printed = _spaced(run("pdftotext", "doc.pdf", "-").stdout)
    assert "a--b---c ``q'' !`x ?`y ,,z <!-- x|y>" in printed.replace("’", "'").replace("‘", "`")
    for shown in (r"“\input /etc/hostname”", r"“\{ escaped \} braces \\ and \\\\”", "“}{ reversed”", "“a lone { brace”",
                  "“100% & $5 #1 under", r"“Red \x1b[31mtext\x1b[0m, bell \x07, RLO \u202eevil\u202c, NUL \x00, CR \x0d end”"):
        assert shown in printed
