"""The Python API for notebooks and scripts: the dataset and its filters, without printing or Typer.

    >>> import alliance_cli
    >>> data = alliance_cli.load()
    >>> treaties = data.claims(party="iran", kind="treaty")
    >>> treaties[0].citations[0].quote  # doctest: +SKIP

The CLI's listing commands select their claims through `Data.claims` too, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload

from .model import Claim, Dataset, DatasetInfo, Entity, Source
from .words import counted


def load(facts: str | Path | None = None, *, cache: bool = True) -> Data:
    """The validated dataset in `facts` (a facts directory), or the one shipped with the package.

    `facts=None` follows the CLI: $ALLIANCE_FACTS, else the shipped dataset. Invalid facts raise
    `alliance_cli.AllianceError`, whose `problems` name each file, line and field.
    """
    from .cache import load as load_cached
    from .store import resolve_facts_dir

    facts_dir = resolve_facts_dir(None if facts is None else Path(facts))
    return Data(load_cached(facts_dir, use_cache=cache), facts_dir)


def _names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class Data:
    """A loaded dataset: its claims (filtered with `claims(...)`), sources, entities and identity."""

    def __init__(self, dataset: Dataset, facts_dir: Path | None = None) -> None:
        self.dataset = dataset
        self.facts_dir = facts_dir

    def __repr__(self) -> str:
        title = self.info.title if self.info else str(self.facts_dir or "untitled")
        return f"<alliance_cli.Data {title!r}: {counted(len(self.dataset.claims), 'claim')}>"

    @property
    def info(self) -> DatasetInfo | None:
        """The dataset's title, version, date, licence and maintainers (None without a dataset.yaml)."""
        return self.dataset.info

    @property
    def sources(self) -> dict[str, Source]:
        return self.dataset.sources

    @property
    def entities(self) -> dict[str, Entity]:
        return self.dataset.entities

    def entity(self, name: str) -> Entity:
        """The entity a name means (id, name, alias or ISO code, any case); NotFoundError if none."""
        from .query import find_entity

        return find_entity(self.dataset, name)

    def claim(self, claim_id: str) -> Claim:
        from .query import find_claim

        return find_claim(self.dataset, claim_id)

    def source(self, source_id: str) -> Source:
        from .query import find_source

        return find_source(self.dataset, source_id)

    def sources_of(self, claim: Claim) -> list[Source]:
        """The sources behind a claim, in the order its citations give them, each once."""
        return [self.dataset.sources[s] for s in dict.fromkeys(cit.source for cit in claim.citations)]

    def claims(
        self,
        *,
        party: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        status: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        year: int | None = None,
        search: str | None = None,
        contested: bool = False,
        single_source: bool = False,
        sort: str | None = "date",
        reverse: bool = False,
        limit: int | None = None,
    ) -> Claims:
        """Claims matching every given filter, as `alliance claims` lists them: in date order (undated
        last, ties by id), by `sort` ("date", "kind", "status", "sources" or "id", as `--sort`), or with
        `sort=None` in the order of the facts files; `reverse` turns the order round (undated claims
        stay last); at most `limit`, after sorting.

        `party` (all of several) and `kind` (any of several) take a name or a list; names are
        resolved as on the command line. Dates are partial ISO dates matched by overlap; `year` is a
        whole year; `search` is a query in the language of `alliance search`. A value the dataset does
        not have raises NotFoundError; a malformed one UsageError.
        """
        from .query import sort_claims

        filters = self._filters(party, kind, status, source, since, until, year, search, contested, single_source)
        if sort == "date" and not reverse:
            return Claims(filters.in_date_order(self.dataset, limit), self)  # reads only the claims it returns
        chosen = filters.apply(self.dataset)
        if sort is not None:
            chosen = sort_claims(chosen, sort, reverse)
        elif reverse:
            chosen.reverse()
        return Claims(chosen if limit is None else chosen[:limit], self)

    def search(
        self,
        query: str,
        *,
        party: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        status: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        year: int | None = None,
        contested: bool = False,
        single_source: bool = False,
        limit: int | None = None,
    ) -> Claims:
        """Claims matching a query (the language of `alliance search`) and every filter, best match
        first (BM25; ties in file order), at most `limit`. A malformed query raises UsageError."""
        filters = self._filters(party, kind, status, source, since, until, year, query, contested, single_source)
        return Claims(filters.ranked(self.dataset, limit), self)

    def count(
        self,
        by: str,
        *,
        party: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        status: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        year: int | None = None,
        search: str | None = None,
        contested: bool = False,
        single_source: bool = False,
    ) -> list[tuple[str, int]]:
        """How many matching claims there are per kind, party, status, source or year: (value, claims)
        pairs, most first (ties alphabetical; years in order), as `alliance claims --count-by` shows them."""
        filters = self._filters(party, kind, status, source, since, until, year, search, contested, single_source)
        return filters.count(self.dataset, by)

    def undated_left_out(self, **filters: Any) -> int:
        """How many undated claims the date filters among `filters` (those of `claims`) leave out."""
        return self._filters(**filters).undated_left_out(self.dataset)

    def _filters(self, party: str | Iterable[str] | None = None, kind: str | Iterable[str] | None = None,
                 status: str | None = None, source: str | None = None, since: str | None = None,
                 until: str | None = None, year: int | None = None, search: str | None = None,
                 contested: bool = False, single_source: bool = False) -> Any:
        from .query import make_filters

        return make_filters(
            self.dataset, parties=_names(party), kinds=_names(kind), status=status, source=source, since=since,
            until=until, year=year, search=search, contested=contested, single_source=single_source,
        )


class Claims(Sequence[Claim]):
    """A list of claims from `Data.claims`: index it, iterate it, or turn it into records for pandas."""

    def __init__(self, claims: list[Claim], data: Data) -> None:
        self._claims = claims
        self._data = data

    def __len__(self) -> int:
        return len(self._claims)

    @overload
    def __getitem__(self, index: int) -> Claim: ...
    @overload
    def __getitem__(self, index: slice) -> Claims: ...
    def __getitem__(self, index: int | slice) -> Claim | Claims:
        if isinstance(index, slice):
            return Claims(self._claims[index], self._data)
        return self._claims[index]

    def __repr__(self) -> str:
        return f"<alliance_cli.Claims: {counted(len(self), 'claim')}>"

    def ids(self) -> list[str]:
        return [c.id for c in self._claims]

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per claim, for `pandas.DataFrame(claims.to_records())`.

        Scalars stay typed (amounts are numbers, flags booleans, missing values None); what a claim
        has several of stays a list (parties, sources, quotes, notes), so nothing is joined or lost.
        """
        return [claim_record(c, self._data.dataset) for c in self._claims]


def claim_record(claim: Claim, dataset: Dataset) -> dict[str, Any]:
    """A claim as one flat record: its fields, its treaty and quantity spread into columns, its
    citations as parallel lists (source ids, source titles, quotes, notes)."""
    q, t = claim.quantity, claim.treaty
    cits: Sequence[Any] = claim.citations
    return {
        "id": claim.id,
        "date": claim.date,
        "end": claim.end,
        "kind": claim.kind,
        "parties": list(claim.parties),
        "statement": claim.statement,
        "status": claim.status,
        "asserted_by": list(claim.asserted_by),
        "denied_by": list(claim.denied_by),
        "quantity_amount": q and q.amount,
        "quantity_unit": q and q.unit,
        "quantity_lower": q and q.lower,
        "quantity_upper": q and q.upper,
        "quantity_approximate": q and q.approximate,
        "treaty_name": t and t.name,
        "treaty_signed": t and t.signed,
        "treaty_place": t and t.place,
        "treaty_obligations": None if t is None else list(t.obligations),
        "treaty_mutual_defense": t and t.mutual_defense,
        "related": list(claim.related),
        "sources": [c.source for c in cits],
        "source_titles": [dataset.sources[c.source].title for c in cits],
        "quotes": [c.quote for c in cits],
        "notes": [c.note for c in cits],
    }
