"""What commands hand to a formatter: a listing of claims, or a plain table of rows."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from ..model import Citation, Claim, Dataset, DatasetInfo, Entity, Source
from ..query import Figures

# C0 and C1 controls except newline, plus the Unicode bidirectional controls that can make
# text display in an order other than the one it is stored in ("Trojan Source"), plus lone
# surrogates, which only a file name that is not UTF-8 (`caf\xe9`) brings and no terminal can show.
# Also the line and paragraph separators U+2028 and U+2029 (a line break to `str.splitlines()` and
# to JavaScript, so they could split a one-line record), and characters that show as nothing and
# have no part in any script: the zero-width space, the word joiner and invisible operators, the
# byte order mark, the deprecated format controls, interlinear annotation marks and the tag
# characters (which can hide ASCII text in plain sight). The zero-width (non-)joiners U+200C and
# U+200D stay: Persian, the Indic scripts and emoji need them.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064"
                    "\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")
# The same, less the tabs and line ends (LF or CRLF) that lay out a whole document.
_UNSAFE_INSIDE_LAYOUT = re.compile(f"(?!\t|\r\n){UNSAFE.pattern}")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """Text safe for a terminal: controls and bidi overrides shown as escapes, never sent raw."""
    return UNSAFE.sub(_escape, text)


def terminal_safe(document: str) -> str:
    """A whole rendered document (CSV, say) made safe for a terminal, its layout left alone."""
    return _UNSAFE_INSIDE_LAYOUT.sub(_escape, document)


def one_line(text: str) -> str:
    """Text for one tab-separated field: safe, and with no tab or newline left to split it."""
    return visible(text).replace("\n", "\\n")


@dataclass(frozen=True, slots=True)
class Listing:
    """Claims to show, with the dataset they come from (for names, sources and citations)."""

    dataset: Dataset
    claims: list[Claim]
    title: str | None = None
    subtitle: str | None = None
    by_year: str | None = None  # "newest" or "oldest" first: a heading per year
    # JSON carries every source and entity, not only those the claims cite or name (a full export).
    everything: bool = False
    # Extra top-level members for JSON (e.g. the entity a profile is about).
    meta: dict[str, Any] = field(default_factory=dict)
    search: str | None = None  # the query the claims matched: a terminal highlights its words
    # The first claim is the one asked for (`alliance claim ID`), the rest are related to it; every
    # format marks which is which.
    asked: bool = False

    def numbered_citations(self) -> list[tuple[int, Claim, Citation]]:
        """Every citation of every claim, numbered in display order from 1."""
        out = []
        for claim in self.claims:
            for cit in claim.citations:
                out.append((len(out) + 1, claim, cit))
        return out

    def marks(self, template: str = "[{}]") -> dict[str, str]:
        """Each claim's citation marks, `[1][2]` (or `[^1][^2]` with template "[^{}]"), by claim id."""
        marks = {claim.id: "" for claim in self.claims}
        for n, claim, _ in self.numbered_citations():
            marks[claim.id] += template.format(n)
        return marks

    def sources(self) -> list[Source]:
        """The sources the claims cite, in the dataset's order (every source, for a full export)."""
        cited = {cit.source for c in self.claims for cit in c.citations}
        return [s for s in self.dataset.sources.values() if self.everything or s.id in cited]

    def entities(self) -> list[Entity]:
        """The entities the claims name as parties or as who asserts or denies (every one, for a full export)."""
        named = {e for c in self.claims for e in (*c.parties, *c.asserted_by, *c.denied_by)}
        return [e for e in self.dataset.entities.values() if self.everything or e.id in named]

    def role(self, index: int) -> str:
        """`claim` for the claim asked for, `related` for the others (only when `asked`)."""
        return "claim" if index == 0 else "related"

    def groups(self) -> list[tuple[str | None, list[Claim]]]:
        """The claims under one heading, under a heading per year (undated last) when by_year, or
        under `claim` and `related claims` when asked."""
        if self.asked:
            return [("claim", self.claims[:1]), *([("related claims", self.claims[1:])] if self.claims[1:] else [])]
        if not self.by_year:
            return [(None, self.claims)]
        years: dict[str, list[Claim]] = {}
        for claim in self.claims:
            years.setdefault(claim.date[:4] if claim.date else "undated", []).append(claim)
        sign = -1 if self.by_year == "newest" else 1
        return sorted(years.items(), key=lambda kv: (kv[0] == "undated", 0 if kv[0] == "undated" else sign * int(kv[0])))


@dataclass(frozen=True, slots=True)
class Rows:
    """A small table that is not claims: sources with their counts, facet counts, and the like."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    title: str | None = None
    key: str = "rows"  # the JSON member that holds the records
    # JSON of the whole view, when its rows are a reading of structured values (`about`): numbers
    # and objects, not the text the rows show.
    document: dict[str, Any] | None = None


def scalar(value: Any) -> Any:
    """A field as every text format writes it: nothing for None, `true`/`false` for a boolean
    (never Python's `True`), several values as a JSON array (`["a; b", "c"]`, never split), anything
    else as it is."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json_array(value)
    return value


def reading(value: Any) -> str:
    """A structured value as one line of text: `95 (diplomacy 20, trade 6)`, `reported 90, alleged 4`."""
    if isinstance(value, dict):
        if "total" in value:
            details = "; ".join(reading(v) for k, v in value.items() if k != "total")
            return f"{value['total']} ({details})" if details else str(value["total"])
        return ", ".join(f"{k} {reading(v)}" for k, v in value.items())
    return str(scalar(value))


# Whole numbers up to 2**53 are exact in a float; past it, int() would add digits the data never had.
_EXACT = 2**53


def number(x: float | None) -> float | int | None:
    """2000.0 as 2000: figures read as written, while 12.5 stays 12.5 and 6.02e+23 stays a float
    (as an int it would be 601999999999999995805696, digits the data never had)."""
    return int(x) if x is not None and x.is_integer() and abs(x) <= _EXACT else x


def entity_name(dataset: Dataset, entity_id: str) -> str:
    entity = dataset.entities.get(entity_id)
    return entity.name if entity else entity_id


def names(dataset: Dataset, ids: tuple[str, ...]) -> str:
    return ", ".join(entity_name(dataset, i) for i in ids)


def status_text(dataset: Dataset, claim: Claim) -> str:
    """`alleged by United States, South Korea; denied by Russia, North Korea`."""
    text = claim.status
    if claim.asserted_by:
        text += f" by {names(dataset, claim.asserted_by)}"
    if claim.denied_by:
        text += f"; denied by {names(dataset, claim.denied_by)}"
    return text


def lint_text(claim: Claim) -> str:
    """`lint accepted: near-copy (reason: ...)`: the findings a curator accepted for this claim, and why."""
    if claim.lint is None:
        return ""
    return f"lint accepted: {', '.join(claim.lint.ignore)} (reason: {claim.lint.reason})"


def when(claim: Claim) -> str:
    if claim.date and claim.end:
        return f"{claim.date}–{claim.end}"
    return claim.date or "undated"


def quantity_text(claim: Claim) -> str:
    q = claim.quantity
    if q is None:
        return ""
    text = f"{'about ' if q.approximate else ''}{_figure(q.amount)} {q.unit}"
    if q.lower is not None or q.upper is not None:
        text += f" ({_figure(q.lower)}–{_figure(q.upper)})"
    return text


def _figure(x: float | None) -> str:
    """1234567 as 1,234,567, 244.8 as 244.8 and 6.02e+23 as 602,000,000,000,000,000,000,000: every
    digit the data has, none it lacks (a figure is the shortest decimal that reads back as its float,
    which yamlfile makes sure is the number as written)."""
    if x is None:
        return ""
    if "e" not in repr(x):
        return f"{number(x):,}"
    from decimal import Decimal  # only for a figure far from 1: 6.02e+23 or 1e-07

    return f"{Decimal(repr(x)):,f}"


def treaty_text(claim: Claim) -> str:
    t = claim.treaty
    if t is None:
        return ""
    parts = [p for p in (t.name, t.place and f"signed in {t.place}") if p]
    if t.mutual_defense is not None:
        parts.append("mutual defense" if t.mutual_defense else "no mutual defense")
    if t.obligations:
        parts.append("obligations: " + ", ".join(t.obligations))
    return "; ".join(parts)


def source_line(source: Source) -> str:
    """`Title — Outlet (kind, 2024-06)`: how a citation names its source."""
    bits = [source.kind]
    if source.published:
        bits.append(source.published)
    outlet = f" — {source.outlet}" if source.outlet else ""
    return f"{source.title}{outlet} ({', '.join(bits)})"


def web_address(url: str) -> bool:
    """Whether a URL may be a link: http or https only (`javascript:`, `data:` and `file:` are shown
    as text), with no user name in it (`https://news.example@evil.example/` names one host and leads
    to another), no backslash (which browsers read as `/`) and nothing unsafe or blank in it."""
    from urllib.parse import urlsplit

    if any(ch.isspace() or ch == "\\" for ch in url) or UNSAFE.search(url):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and "@" not in parts.netloc


def json_array(values: list[Any] | tuple[Any, ...]) -> str:
    """Several texts in one cell or field, unambiguously (CSV and plain): `["a; b", null, "c"]`,
    exactly as `json.dumps(values, ensure_ascii=False)` writes them."""
    global _json_text
    if not values:
        return "[]"
    if _json_text is None:
        from json.encoder import encode_basestring

        # The stdlib's C quoting of one string: json.dumps builds an encoder on every call, which
        # made a 100,000-claim CSV export twice as slow.
        _json_text = encode_basestring
    if None in values:
        return "[" + ", ".join("null" if v is None else _json_text(v) for v in values) + "]"
    return "[" + ", ".join(map(_json_text, values)) + "]"


_json_text: Any = None


def record(value: Claim | Source | Entity | DatasetInfo) -> dict[str, Any]:
    """A model as plain JSON-ready data: every field, tuples as lists, nothing added."""
    return dataclasses.asdict(value)


def figures_listing(view: Figures) -> Listing:
    """The claims behind a chart, for numbering and listing their citations."""
    return Listing(view.dataset, [c for s in view.series for c in s.claims])


def figures_rows(view: Figures) -> Rows:
    """A chart as rows, one per figure, each carrying its own sources and quotes (no marks that a
    row format could not resolve), for every format but the terminal's bar chart."""
    rows = []
    for s in view.series:
        for c in s.claims:
            q = c.quantity
            assert q is not None
            rows.append((s.name, c.date, number(q.amount), q.unit, number(q.lower), number(q.upper), q.approximate,
                         status_text(view.dataset, c), c.id, [cit.source for cit in c.citations],
                         [cit.quote for cit in c.citations]))
    columns = ("series", "date", "amount", "unit", "lower", "upper", "approximate", "status", "claim", "sources",
               "quotes")
    return Rows(columns, rows, title="Figures", key="figures")
