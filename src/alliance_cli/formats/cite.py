"""Citations for the sources behind a claim: plain text, BibTeX and CSL-JSON (for pandoc or Zotero)."""

from __future__ import annotations

import json
import re

from ..model import Claim, Dataset, Source, parse_partial_date

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


def _key(claim: Claim, source: Source) -> str:
    return f"{source.id}:{claim.id}"


def csl_item(claim: Claim, source: Source, quote: str) -> dict:
    item: dict = {
        "id": _key(claim, source),
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
    item["note"] = f"Quoted: “{quote}” (archive {source.archive}, sha256 {source.sha256})"
    return item


def csl_json(dataset: Dataset, claim: Claim) -> str:
    items = [csl_item(claim, dataset.sources[c.source], c.quote) for c in claim.citations]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _bib(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)


def bibtex(dataset: Dataset, claim: Claim) -> str:
    entries = []
    for cit in claim.citations:
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
        fields.append(("note", _bib(f"Quoted: “{cit.quote}”. Archive {source.archive}, sha256 {source.sha256}")))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{_key(claim, source)},\n{body}\n}}\n")
    return "\n".join(entries)


def text(dataset: Dataset, claim: Claim) -> str:
    lines = [f"{claim.statement} (claim {claim.id}, {claim.status})", ""]
    for n, cit in enumerate(claim.citations, 1):
        source = dataset.sources[cit.source]
        who = f"{source.outlet}, " if source.outlet else ""
        by = f"{source.byline}, " if source.byline else ""
        when = source.published or "n.d."
        url = f" {source.url}" if source.url else ""
        lines.append(f"[{n}] {by}{who}“{source.title}” ({source.kind}, {when}).{url}")
        lines.append(f"    “{cit.quote}”")
    return "\n".join(lines) + "\n"
