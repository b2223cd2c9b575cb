"""Citations for the sources behind a claim: plain text, BibTeX and CSL-JSON (for pandoc or Zotero)."""

from __future__ import annotations

import re

from ..model import Citation, Claim, Dataset, Source, parse_partial_date
from .json import dumps
from .view import status_text, visible, web_address

# CSL item types (https://docs.citationstyles.org/en/stable/specification.html#appendix-iii-types)
_CSL_TYPE = {
    "article": "article-newspaper",
    "blog-post": "post-weblog",
    "essay": "article",
    "slideshow": "webpage",
    "podcast": "broadcast",
    "report": "report",
}
# Text in a BibTeX field, as LaTeX that prints it as written. BibTeX counts every brace, escaped or
# not (`\{` still opens a group to it), so braces become commands with no lone brace in them; the
# backslash becomes one too, so data cannot run a LaTeX command (`\input /etc/passwd`).
_BIBTEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # LaTeX's default font encoding (OT1) prints these as other characters (`<` as ¡, `|` as —):
    # each as the command for the character itself. (`"` has none that OT1 can print, and stays.)
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    **{ch: "\\" + ch for ch in "&%$#_"},
}
_BIBTEX_TABLE = str.maketrans(_BIBTEX)
# Pairs that TeX's fonts join into another character (`--` an en dash, ``` `` ``` and `''` curly quotes,
# `!`` and `?`` inverted marks, `,,` a low quote): an empty group between them keeps both as written.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)|(?<=,)(?=,)")
# What a URL may hold as it is (RFC 3986); anything else, braces, backslashes, spaces and controls
# included, is percent-encoded, which names the same address.
_URL_SAFE = "-._~:/?#[]@!$&'()*+,;=%"


def _keys(claim: Claim) -> list[str]:
    """`source:claim` per citation; a second quote from the same source gets `:2`, so no key repeats."""
    seen: dict[str, int] = {}
    keys = []
    for cit in claim.citations:
        seen[cit.source] = seen.get(cit.source, 0) + 1
        n = seen[cit.source]
        keys.append(f"{cit.source}:{claim.id}" + (f":{n}" if n > 1 else ""))
    return keys


def _quoted(cit: Citation, source: Source) -> str:
    note = f" Note: {cit.note}" if cit.note else ""
    # BibTeX styles and CSL processors make a URL a link: an address that may not be one is text.
    address = f" Address (not a web link): {source.url}." if source.url and not web_address(source.url) else ""
    return f"Quoted: “{cit.quote}”.{note}{address} Archive {source.archive}, sha256 {source.sha256}"


def csl_item(key: str, cit: Citation, source: Source) -> dict:
    item: dict = {
        "id": key,
        "type": _CSL_TYPE.get(source.kind, "document"),
        "title": source.title,
    }
    if source.outlet:
        item["container-title"] = source.outlet
    if source.byline:
        item["author"] = [{"literal": source.byline}]
    if source.published:
        item["issued"] = {"date-parts": [[p for p in parse_partial_date(source.published) if p is not None]]}
    if source.url and web_address(source.url):
        item["URL"] = source.url
    item["note"] = _quoted(cit, source)
    return item


def csl_json(dataset: Dataset, claim: Claim) -> str:
    items = [csl_item(key, c, dataset.sources[c.source]) for key, c in zip(_keys(claim), claim.citations)]
    return dumps(items, indent=2) + "\n"  # exact, and inert on a terminal, as every JSON output is


def bibtex_text(text: str) -> str:
    """Text for a BibTeX field: braces balanced, no command from the data, controls shown as escapes.

    BibTeX reads any run of white space as one space, so a line break is written as a space (a blank
    line would end a paragraph in LaTeX, in the middle of an entry).
    """
    return _LIGATURE.sub("{}", visible(text).replace("\n", " ").translate(_BIBTEX_TABLE))


def bibtex_url(url: str) -> str:
    """A URL for a BibTeX field: the same address, with nothing in it that BibTeX or LaTeX acts on."""
    from urllib.parse import quote

    return quote(url, safe=_URL_SAFE)


def bibtex(dataset: Dataset, claim: Claim) -> str:
    entries = []
    for key, cit in zip(_keys(claim), claim.citations):
        source = dataset.sources[cit.source]
        fields = [("title", "{" + bibtex_text(source.title) + "}")]
        if source.byline:
            fields.append(("author", "{" + bibtex_text(source.byline) + "}"))
        if source.outlet:
            fields.append(("howpublished", bibtex_text(source.outlet)))
        if source.published:
            year, month, _ = parse_partial_date(source.published)
            fields.append(("year", str(year)))
            if month:
                fields.append(("month", str(month)))
        if source.url and web_address(source.url):
            fields.append(("url", bibtex_url(source.url)))
        fields.append(("note", bibtex_text(_quoted(cit, source))))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{key},\n{body}\n}}\n")
    return "\n".join(entries)


def text(dataset: Dataset, claim: Claim) -> str:
    lines = [f"{claim.statement} (claim {claim.id}, {status_text(dataset, claim)})", ""]
    for n, cit in enumerate(claim.citations, 1):
        source = dataset.sources[cit.source]
        who = f"{source.outlet}, " if source.outlet else ""
        by = f"{source.byline}, " if source.byline else ""
        when = source.published or "n.d."
        url = f" {source.url}" if source.url else ""
        lines.append(f"[{n}] {by}{who}“{source.title}” ({source.kind}, {when}).{url}")
        lines.append(f"    “{cit.quote}”")
        if cit.note:
            lines.append(f"    Note: {cit.note}")
    # For pasting, piped or not: controls and bidi overrides are shown as escapes, as in plain output.
    return visible("\n".join(lines)) + "\n"
