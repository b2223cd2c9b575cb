"""Lookups, filters and orderings over a Dataset: pure functions, no printing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import search
from .errors import NotFoundError, UsageError, suggest
from .model import CONTESTED, Claim, Dataset, DatasetInfo, Entity, Source, date_span, entity_names, name_key, sort_key


def find_entity(dataset: Dataset, name: str) -> Entity:
    """The entity a user means by id, name, alias or ISO code, case-insensitively.

    A name that is no entity gets a suggestion only when one is close, and, when claims still
    mention it in their text, how many and the command that lists them.
    """
    index = {name_key(n): e for e in dataset.entities.values() for n in entity_names(e)}
    entity = index.get(name_key(name))
    if entity is None:
        raise NotFoundError(f"no entity {name!r}{_entity_hint(dataset, name, index)}")
    return entity


def _entity_hint(dataset: Dataset, name: str, index: dict[str, Entity]) -> str:
    from .errors import closest

    key = name_key(name)
    # "nkorea" or "n korea" for North Korea: every word but the last cut to its initial.
    short = {_initials(n): e for n, e in index.items() if " " in n}
    meant = short.get(key.replace(" ", "")) or index.get(closest(key, index) or "")
    hint = f"; did you mean {meant.id!r}?" if meant else ""
    try:
        mentioned = mentions(dataset, name) if name.strip() else []
    except UsageError:  # a name that is no search query ("-", "OR"): no hint, and still exit 3
        mentioned = []
    written = as_written(mentioned, name)
    if written is not None:  # said in the text of a claim, not only part of a name or id
        n = len(mentioned)
        import shlex

        hint += (f"{' ' if hint else '; '}{n} claim{'s' * (n != 1)} mention{'s' * (n == 1)} "
                 f"{written!r}: alliance claims -s {shlex.quote(name.casefold())}")
    return hint


def _initials(key: str) -> str:
    *first, last = key.split()
    return "".join(w[0] for w in first) + last


def mentions(dataset: Dataset, word: str) -> list[Claim]:
    """The claims that mention `word`: exactly those `alliance claims -s WORD` lists, so that a hint
    naming that command tells the truth."""
    return Filters(search=word).apply(dataset)


def as_written(claims: Iterable[Claim], word: str) -> str | None:
    """`word` as the claims' text first writes it ("Ukraine" for "ukraine"), a whole word if it can be;
    None when no statement, quote or note holds it."""
    import re

    texts = [t for c in claims for t in (c.statement, *(cit.quote for cit in c.citations),
                                          *(cit.note for cit in c.citations if cit.note))]
    for pattern in (rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.escape(word.strip())):
        for text in texts:
            m = re.search(pattern, text, re.IGNORECASE)
            if m:
                return m.group()
    return None


def entity_claim_counts(dataset: Dataset) -> dict[str, int]:
    """For each entity id, how many claims name it as a party, an asserter or a denier (each claim once)."""
    counts = dict.fromkeys(dataset.entities, 0)
    for c in dataset.claims:
        for eid in {*c.parties, *c.asserted_by, *c.denied_by}:
            counts[eid] = counts.get(eid, 0) + 1
    return counts


SORTS = ("date", "kind", "status", "sources", "id")


def sort_claims(claims: Iterable[Claim], by: str = "date", reverse: bool = False) -> list[Claim]:
    """Claims ordered by date (undated last), kind, status (reported, alleged, denied, disputed),
    sources (most distinct sources first) or id; ties in date order. `reverse` turns the order
    round, except that undated claims stay last ("newest first" still ends with the undated)."""
    from .model import STATUSES

    by = choice("--sort", by, SORTS)
    primary = {
        "date": lambda c: 0,
        "kind": lambda c: c.kind,
        "status": lambda c: STATUSES.index(c.status),
        "sources": lambda c: -len({cit.source for cit in c.citations}),
        "id": lambda c: c.id,
    }[by]
    ordered = sorted(claims, key=lambda c: (primary(c), sort_key(c)))
    if not reverse:
        return ordered
    if by == "date":
        return [c for c in reversed(ordered) if c.date] + [c for c in ordered if not c.date]
    return ordered[::-1]


def choice(option: str, value: str, choices: Iterable[str], what: str = "unknown value") -> str:
    """A value from a fixed vocabulary, matched case-insensitively; anything else is a usage error."""
    choices = tuple(choices)
    if value.casefold() in choices:
        return value.casefold()
    raise UsageError(f"{option}: {what} {value!r}{suggest(value, choices)} (choose {', '.join(choices)})")


def order_with_related(claims: list[Claim], by: str = "date", reverse: bool = False) -> list[Claim]:
    """Claims in the chosen order, but each claim's related claims follow it directly, so differing
    figures sit together: a group takes the place of its first claim, its members in the same order."""
    ordered = sort_claims(claims, by, reverse)
    position = {c.id: i for i, c in enumerate(ordered)}
    present = {c.id: c for c in ordered}
    placed: set[str] = set()
    out: list[Claim] = []
    for claim in ordered:
        if claim.id in placed:
            continue
        group = [claim]
        placed.add(claim.id)
        i = 0
        while i < len(group):
            for rid in group[i].related:
                if rid in present and rid not in placed:
                    placed.add(rid)
                    group.append(present[rid])
            i += 1
        out.extend([group[0], *sorted(group[1:], key=lambda c: position[c.id])])
    return out


def claims_about(dataset: Dataset, entity: Entity) -> list[Claim]:
    return [c for c in dataset.candidates(parties=(entity.id,)) if entity.id in c.parties]


def sources_of(claims: Iterable[Claim]) -> list[str]:
    """Source ids behind the given claims, in order of first citation."""
    seen: dict[str, None] = {}
    for c in claims:
        for cit in c.citations:
            seen.setdefault(cit.source, None)
    return list(seen)


@dataclass(frozen=True, slots=True)
class Filters:
    """What `claims`, `export` and friends narrow the claims to; all given filters must hold.

    Dates overlap: a claim matches `--year 2024` when its (partial) date covers any day of 2024;
    `--since D` keeps claims whose date covers any day on or after D; `--until D`, on or before D.
    Undated claims match no date filter. `search` is a query in the language of `search.parse`.

    A dataset served from the cache, or any search, is answered in SQL by the cache's index
    (`cache.index`); otherwise in Python. test_search and test_cache check that both agree.
    """

    parties: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    status: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None
    year: int | None = None
    search: str | None = None
    contested: bool = False
    single_source: bool = False

    def apply(self, dataset: Dataset, claims: Iterable[Claim] | None = None) -> list[Claim]:
        """The matching claims in file order (or in the order of `claims`, when given)."""
        if claims is None and self == Filters():
            return list(dataset.claims)  # read whole, in one pass
        if claims is None and self._in_sql(dataset):
            return self._index(dataset).claims(self.selection())
        since, until = self._days()
        if claims is None:
            claims = dataset.candidates(self.parties, self.kinds, since, until)
        found = set(search.matching_ids(dataset, self.search)) if self.search is not None else None
        out = []
        for c in claims:
            if self.parties and not all(p in c.parties for p in self.parties):
                continue
            if self.kinds and c.kind not in self.kinds:
                continue
            if self.status and c.status != self.status:
                continue
            if self.contested and c.status not in CONTESTED:
                continue
            if self.source and all(cit.source != self.source for cit in c.citations):
                continue
            if self.single_source and len({cit.source for cit in c.citations}) != 1:
                continue
            if since or until:
                if c.date is None:
                    continue
                first, last = date_span(c.date)
                if c.end:
                    last = date_span(c.end)[1]
                if (since and last < since) or (until and first > until):
                    continue
            if found is not None and c.id not in found:
                continue
            out.append(c)
        return out

    def in_date_order(self, dataset: Dataset, limit: int | None = None) -> list[Claim]:
        """The matching claims in date order (`sort_key`), the first `limit` of them; only those are read."""
        if self._in_sql(dataset):
            return self._index(dataset).claims(self.selection(), order="date", limit=limit)
        return sorted(self.apply(dataset), key=sort_key)[:limit]

    def ranked(self, dataset: Dataset, limit: int | None = None) -> list[Claim]:
        """The matching claims, best match to `search` first (BM25; ties in file order), at most `limit`."""
        assert self.search is not None
        return self._index(dataset).claims(self.selection(), order="rank", limit=limit)

    def count(self, dataset: Dataset, facet: str) -> list[tuple[str, int]]:
        """The matching claims counted per value of one facet, as `count_by` counts them."""
        facet = choice("--count-by", facet, COUNT_BY, "cannot count by")
        if self._in_sql(dataset):
            return _ordered_counts(dict(self._index(dataset).count(self.selection(), facet)), facet)
        return count_by(self.apply(dataset), facet)

    def selection(self) -> Any:
        """These filters in the terms of the cache's index."""
        from .cache import Selection

        since, until = self._days()
        match = search.parse(self.search).fts if self.search is not None else None
        return Selection(self.parties, self.kinds, self.status, self.contested, self.source, self.single_source,
                         since, until, match)

    def _days(self) -> tuple[str | None, str | None]:
        since = date_span(self.since)[0] if self.since else None
        until = date_span(self.until)[1] if self.until else None
        if self.year is not None:
            y0, y1 = f"{self.year:04d}-01-01", f"{self.year:04d}-12-31"
            since, until = max(since or y0, y0), min(until or y1, y1)
        return since, until

    def _in_sql(self, dataset: Dataset) -> bool:
        from .cache import IndexedClaims

        return self.search is not None or isinstance(dataset.claims, IndexedClaims)

    def _index(self, dataset: Dataset) -> Any:
        from .cache import index

        if self.search is not None:
            search.require_fts5()
        return index(dataset)

    def undated_left_out(self, dataset: Dataset) -> int:
        """How many undated claims a date filter leaves out that every other filter would keep."""
        if not (self.since or self.until or self.year is not None):
            return 0
        undated = [c for c in dataset.candidates(self.parties, self.kinds, undated=True) if c.date is None]
        return len(dataclasses.replace(self, since=None, until=None, year=None).apply(dataset, undated))


def make_filters(
    dataset: Dataset,
    *,
    parties: Iterable[str] = (),
    kinds: Iterable[str] = (),
    status: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    year: int | None = None,
    search: str | None = None,
    contested: bool = False,
    single_source: bool = False,
) -> Filters:
    """Filters from what a user typed: names resolved to ids, every value checked, typos suggested."""
    from .model import CLAIM_KINDS, STATUSES, parse_partial_date

    kinds = tuple(choice("--kind", kind, CLAIM_KINDS, "unknown kind") for kind in kinds)
    if status is not None:
        status = choice("--status", status, STATUSES, "unknown status")
    if source is not None:
        source = find_source(dataset, source).id
    spans = {}
    for option, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                parse_partial_date(value)
            except ValueError as e:
                raise UsageError(f"{option}: {e}") from None
            spans[option] = date_span(value)
    if year is not None:
        if 10 <= year <= 99:
            raise UsageError(f"--year {year}: write the full year, e.g. {2000 + year if year < 50 else 1900 + year}")
        if not 1000 <= year <= 9999:
            raise UsageError(f"--year {year}: not a year; write four digits, e.g. 2024")
        spans["--year"] = (f"{year:04d}-01-01", f"{year:04d}-12-31")
    # A window that closes before it opens matches nothing by construction: say so, not an empty list.
    for a, b in (("--since", "--until"), ("--since", "--year"), ("--year", "--until")):
        if a in spans and b in spans and spans[a][0] > spans[b][1]:
            given = {"--since": since, "--until": until, "--year": year}
            raise UsageError(f"{a} {given[a]} is later than {b} {given[b]}: no date can match both")
    return Filters(
        parties=tuple(find_entity(dataset, p).id for p in parties),
        kinds=kinds,
        status=status,
        source=source,
        since=since,
        until=until,
        year=year,
        search=search,
        contested=contested,
        single_source=single_source,
    )


def find_source(dataset: Dataset, source_id: str) -> Source:
    source = dataset.sources.get(source_id.casefold())  # ids are lowercase slugs
    if source is None:
        raise NotFoundError(f"no source {source_id!r}{suggest(source_id, dataset.sources)}")
    return source


def find_claim(dataset: Dataset, claim_id: str) -> Claim:
    claim = dataset.claims_by_id.get(claim_id.casefold())  # ids are lowercase slugs
    if claim is None:
        raise NotFoundError(f"no claim {claim_id!r}{suggest(claim_id, dataset.claims_by_id)}")
    return claim


COUNT_BY = ("kind", "party", "status", "source", "year")


def count_by(claims: Iterable[Claim], facet: str) -> list[tuple[str, int]]:
    """Claims counted per value of one facet, most first (ties alphabetical); years in order."""
    facet = choice("--count-by", facet, COUNT_BY, "cannot count by")
    keys = {
        "kind": lambda c: [c.kind],
        "status": lambda c: [c.status],
        "party": lambda c: c.parties,
        "source": lambda c: dict.fromkeys(cit.source for cit in c.citations),  # a claim counts once per source
        "year": lambda c: [c.date[:4] if c.date else "undated"],
    }[facet]
    counts: dict[str, int] = {}
    for c in claims:
        for key in keys(c):
            counts[key] = counts.get(key, 0) + 1
    return _ordered_counts(counts, facet)


def _ordered_counts(counts: dict[str, int], facet: str) -> list[tuple[str, int]]:
    return sorted(counts.items()) if facet == "year" else sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def ranked(values: Iterable[str]) -> list[tuple[str, int]]:
    """How often each value occurs, most first (ties alphabetical)."""
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return _ordered_counts(counts, "")


@dataclass(frozen=True, slots=True)
class Series:
    """Figures of one kind, between the same parties, in one unit: a chart's worth."""

    name: str
    unit: str
    claims: list[Claim]


@dataclass(frozen=True, slots=True)
class Figures:
    """Numeric claims grouped into series."""

    dataset: Dataset
    series: list[Series]


def series(dataset: Dataset, claims: Iterable[Claim]) -> Figures:
    """Numeric claims grouped by kind, parties and unit, each series in date order."""
    groups: dict[tuple[str, tuple[str, ...], str], list[Claim]] = {}
    for c in claims:
        if c.quantity is not None:
            groups.setdefault((c.kind, tuple(sorted(c.parties)), c.quantity.unit), []).append(c)
    out = []
    for (kind, parties, unit), members in sorted(groups.items()):
        who = "–".join(dataset.entities[p].name for p in parties)
        out.append(Series(f"{who} {kind}", unit, sorted(members, key=sort_key)))
    return Figures(dataset, out)


def citation(info: DatasetInfo) -> str:
    """How to cite the dataset: `Maintainers. Title, version V (date). Licence.`"""
    return f"{', '.join(info.maintainers)}. {info.title}, version {info.version} ({info.date}). {info.licence.name}."


def about_rows(dataset: Dataset, facts_dir: Path, version: str, shipped: Path | None) -> list[tuple[str, Any]]:
    """What `alliance about` reports: the dataset's identity (from its dataset.yaml), counts by kind, and
    how to cite it. A facts directory without a dataset.yaml is named by its path and dated by its newest file.
    """
    info = dataset.info
    where = "shipped with alliance-cli" if shipped and facts_dir.resolve() == shipped.resolve() else str(facts_dir)
    if info is not None:
        day = info.date
        licence = f"{info.licence.name}" + (f" ({info.licence.title})" if info.licence.title else "") + f", {info.licence.url}"
        identity = [("title", info.title), ("description", info.description), ("version", info.version),
                    ("dated", day), ("licence", licence), ("maintainers", ", ".join(info.maintainers))]
        if info.homepage:
            identity.append(("homepage", info.homepage))
        cite = citation(info)
    else:
        files = [p for p in facts_dir.rglob("*.y*ml") if p.is_file()]
        newest = max((p.stat().st_mtime for p in files), default=None)
        day = datetime.fromtimestamp(newest, tz=timezone.utc).date().isoformat() if newest else "unknown"
        identity = [("title", f"untitled: {facts_dir} has no dataset.yaml"), ("version", "none"),
                    ("dated", f"{day} (its newest file)")]
        cite = f"Facts directory {facts_dir} ({day}), read with alliance-cli {version}."

    def tally(values: Iterable[str]) -> dict[str, int]:
        return dict(ranked(values))

    n_quotes = sum(len(c.citations) for c in dataset.claims)
    return [
        *identity,
        ("facts directory", where),
        ("tool", f"alliance-cli {version}"),
        ("claims", {"total": len(dataset.claims), "by_kind": tally(c.kind for c in dataset.claims)}),
        ("status", tally(c.status for c in dataset.claims)),
        ("citations", n_quotes),
        ("sources", {"total": len(dataset.sources), "by_kind": tally(s.kind for s in dataset.sources.values())}),
        ("entities", {"total": len(dataset.entities), "by_kind": tally(e.kind for e in dataset.entities.values())}),
        ("cite as", f"{cite} Cite the original sources too: `alliance cite CLAIM_ID`."),
    ]
