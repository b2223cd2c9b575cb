"""Lookups, filters and orderings over a Dataset: pure functions, no printing."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import AllianceError
from .model import CONTESTED, Claim, Dataset, Entity, date_span


def suggest(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'iran'?` for the closest candidate, or nothing when none is close."""
    lowered = {c.casefold(): c for c in candidates}
    close = difflib.get_close_matches(name.casefold(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[close[0]]!r}?" if close else ""


def entity_names(entity: Entity) -> list[str]:
    """Every name a user may type for an entity: id, name, ISO codes and aliases."""
    names = [entity.id, entity.name, *entity.aliases]
    names += [code for code in (entity.iso2, entity.iso3) if code]
    return names


def _key(name: str) -> str:
    # "north korea", "North-Korea" and "north_korea" are the same name to a user.
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


def find_entity(dataset: Dataset, name: str) -> Entity:
    """The entity a user means by id, name, alias or ISO code, case-insensitively."""
    index = {_key(n): e for e in dataset.entities.values() for n in entity_names(e)}
    entity = index.get(_key(name))
    if entity is None:
        hint = suggest(name, (e.id for e in dataset.entities.values()))
        if not hint:
            names = {n.casefold(): e.id for e in dataset.entities.values() for n in entity_names(e)}
            close = difflib.get_close_matches(name.casefold(), list(names), n=1, cutoff=0.75)
            hint = f"; did you mean {names[close[0]]!r}?" if close else ""
        raise AllianceError(f"no entity {name!r}{hint}")
    return entity


def sort_key(claim: Claim) -> tuple[int, str, str]:
    """Date order; undated claims last; ties broken by id so output is stable."""
    return (claim.date is None, claim.date or "", claim.id)


def order_with_related(claims: list[Claim]) -> list[Claim]:
    """Date order, but each claim's related claims follow it directly, so differing figures sit together."""
    ordered = sorted(claims, key=sort_key)
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
        out.extend([group[0], *sorted(group[1:], key=sort_key)])
    return out


def claims_about(dataset: Dataset, entity: Entity) -> list[Claim]:
    return [c for c in dataset.claims if entity.id in c.parties]


def sources_of(dataset: Dataset, claims: Iterable[Claim]) -> list[str]:
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
    Undated claims match no date filter.
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
        claims = dataset.claims if claims is None else claims
        since = date_span(self.since)[0] if self.since else None
        until = date_span(self.until)[1] if self.until else None
        if self.year is not None:
            y0, y1 = f"{self.year:04d}-01-01", f"{self.year:04d}-12-31"
            since, until = max(since or y0, y0), min(until or y1, y1)
        needle = self.search.casefold() if self.search else None
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
            if needle and needle not in _haystack(dataset, c):
                continue
            out.append(c)
        return out


def _haystack(dataset: Dataset, c: Claim) -> str:
    names = []
    for eid in (*c.parties, *c.asserted_by, *c.denied_by):
        e = dataset.entities.get(eid)
        if e:
            names += entity_names(e)
    parts = [c.id, c.statement, *(cit.quote for cit in c.citations), *names]
    if c.treaty and c.treaty.name:
        parts.append(c.treaty.name)
    return "\n".join(parts).casefold()
