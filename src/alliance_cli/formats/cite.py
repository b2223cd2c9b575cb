"""Citations for the sources behind a claim: plain text, BibTeX and CSL-JSON (for pandoc or Zotero)."""

from __future__ import annotations

import json
import re

from ..model import Citation, Claim, Dataset, Source, parse_partial_date
from .view import status_text

# CSL item types (https://docs.citationstyles.org/en/stable/specification.html#appendix-iii-types)
_CSL_TYPE = {
    "article": "article-newspaper",
    "blog-post": "post-weblog",
    "essay": "article",
    "slideshow": "webpage",
    "podcast": "broadcast",
    "report": "report",
}
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


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
    return f"Quoted: “{cit.quote}”.{note} Archive {source.archive}, sha256 {source.sha256}"


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
    if source.url:
        item["URL"] = source.url
    item["note"] = _quoted(cit, source)
    return item


def csl_json(dataset: Dataset, claim: Claim) -> str:
    items = [csl_item(key, c, dataset.sources[c.source]) for key, c in zip(_keys(claim), claim.citations)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _bib(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)


def bibtex(dataset: Dataset, claim: Claim) -> str:
    entries = []
    for key, cit in zip(_keys(claim), claim.citations):
        source = dataset.sources[cit.source]
        fields = [("title", "{" + _bib(source.title) + "}")]
        if source.byline:
            fields.append(("author", "{" + _bib(source.byline) + "}"))
        if source.outlet:
            fields.append(("howpublished", _bib(source.outlet)))
        if source.published:
            year, month, _ = parse_partial_date(source.published)
            fields.append(("year", str(year)))
            if month:
                fields.append(("month", str(month)))
        if source.url:
            fields.append(("url", source.url))
        fields.append(("note", _bib(_quoted(cit, source))))
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
    return "\n".join(lines) + "\n"
