"""Commands that look things up: show, claims, timeline, treaties, figures, source, claim, sources, about."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import __version__
from ..errors import shown
from ..formats.view import Listing, Rows
from ..words import counted
from .common import (
    ContestedOption,
    FormatOption,
    KindOption,
    LimitOption,
    PartyOption,
    ReverseOption,
    SearchOption,
    SinceOption,
    SingleOption,
    SortOption,
    SourceOption,
    StatusOption,
    UntilOption,
    YearOption,
    command,
    emit,
    _complete_claims,
    _complete_entities,
    _complete_count_by,
    _complete_sources,
    _dataset,
    _limited,
    _say_undated_left_out,
    _select,
    _state,
    _stderr,
)


@command()
def show(
    name: Annotated[str, typer.Argument(help="A partner of Russia: id, name, alias or ISO code (iran, DPRK, kp).",
                                        autocompletion=_complete_entities)],
    search: SearchOption = None,
    sort: SortOption = None, reverse: ReverseOption = False, fmt: FormatOption = None,
) -> None:
    """Everything on one partner of Russia, with numbered citations.

    Claims are in date order, each followed directly by the claims related to it (differing figures
    for one thing); --sort and --reverse order these groups by their first claim.

    Example: alliance show iran
    """
    from ..query import Filters, claims_about, find_entity, order_with_related, sources_of

    ds = _dataset()
    entity = find_entity(ds, name)
    found = Filters(parties=(entity.id,), search=search).apply(ds) if search is not None else claims_about(ds, entity)
    claims = order_with_related(found, sort or "date", reverse)
    n_sources = len(sources_of(claims))
    codes = "/".join(c for c in (entity.iso2, entity.iso3) if c)
    title = f"{entity.name} ({entity.kind}{', ' + codes if codes else ''})"
    subtitle = f"{counted(len(claims), 'claim')} from {counted(n_sources, 'source')}"
    from ..formats.view import record

    emit(Listing(ds, claims, title, subtitle, meta={"entity": record(entity)}, search=search), fmt)
    _no_match_hint(ds, search, claims)


@command("sources")
def sources_list(fmt: FormatOption = None) -> None:
    """Each source with how many claims cite it.

    Example: alliance sources
    """
    from ..query import count_by

    ds = _dataset()
    counts = dict(count_by(ds.claims, "source"))
    rows = [(s.id, s.title, s.outlet, s.kind, counts.get(s.id, 0)) for s in ds.sources.values()]
    emit(Rows(("id", "title", "outlet", "kind", "claims"), rows, title="Sources", key="sources"), fmt)


def _complete_entity_kinds() -> list[str]:
    from ..model import ENTITY_KINDS

    return list(ENTITY_KINDS)


@command()
def entities(
    kind: Annotated[
        Optional[str], typer.Option("--kind", "-k", help="Only entities of this kind: country, organization, "
                                                         "armed-group or person.", autocompletion=_complete_entity_kinds)
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Every entity the claims name, with its id, ISO codes and aliases.

    Countries, organizations, armed groups and persons. The claims column counts the claims that name an entity as a party, an asserter or a denier,
    each claim once. Any of the id, name, ISO codes and aliases works wherever a name is asked for.

    Example: alliance entities --kind organization
    """
    from ..model import ENTITY_KINDS
    from ..query import choice, entity_claim_counts

    kind = choice("--kind", kind, ENTITY_KINDS, "unknown entity kind") if kind is not None else None
    ds = _dataset()
    counts = entity_claim_counts(ds)
    rows = [(e.id, e.name, e.kind, e.iso2, e.iso3, list(e.aliases), counts[e.id])
            for e in sorted(ds.entities.values(), key=lambda e: e.id) if kind is None or e.kind == kind]
    emit(Rows(("id", "name", "kind", "iso2", "iso3", "aliases", "claims"), rows, title="Entities", key="entities"), fmt)


@command()
def claims(
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    count_by: Annotated[
        Optional[str], typer.Option("--count-by", help="Count claims by kind, party, status, source or year instead of listing them.",
                                    autocompletion=_complete_count_by)
    ] = None,
    sort: SortOption = None, reverse: ReverseOption = False,
    fmt: FormatOption = None,
) -> None:
    """Claims that match every given filter, in date order.

    --sort and --reverse choose another order; --limit applies after sorting. With --search and no
    claim matching, the listing is empty (exit 0) and a close word is suggested on stderr.

    Example: alliance claims --party north-korea --kind arms --contested
    """
    from ..api import Data
    from ..errors import UsageError

    ds = _dataset()
    filters = dict(party=party, kind=kind, status=status, source=source, since=since, until=until, year=year,
                   search=search, contested=contested, single_source=single_source)
    if count_by is not None:
        if sort or reverse:
            raise UsageError("--sort and --reverse order claims; --count-by lists counts, most first")
        # Count every matching claim; --limit then keeps the first N rows of counts.
        data = Data(ds)
        rows = data.count(count_by, **filters)
        _say_undated_left_out(data, filters)
        emit(Rows((count_by, "claims"), _limited(rows, limit), title=f"Claims by {count_by}", key="counts"), fmt)
        return
    chosen = _select(ds, **filters, sort=sort or "date", reverse=reverse, limit=limit)
    emit(Listing(ds, chosen, subtitle=counted(len(chosen), "claim"), search=search), fmt)
    _no_match_hint(ds, search, chosen)


@command()
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for (see above).")],
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    fmt: FormatOption = None,
) -> None:
    """Claims ranked by how well they match a query, best first.

    Ranked by BM25, as search engines rank; on a terminal the matched words are highlighted.
    Searched: statements, quotes, citation notes, treaty names and places, units, the names, aliases
    and ISO codes of parties and of who asserts or denies, and source titles, outlets and the outlets
    they cite. An entity's name finds its claims even when they name it otherwise (iran finds Tehran).

    \b
    drones iran          every word, in any order, in any field
    "Kim Jong Un"        a phrase, word for word
    drones OR missiles   either one (OR in capitals binds the two words beside it)
    drones -iran         drones, but not iran
    dron*                words that start with dron

    Case, diacritics (Turkiye = Türkiye), hyphens (Jong-un = Jong Un) and curly
    quotes do not matter; words match whole (Xi is not in "complexity") and by
    stem (supply finds supplied).

    Exit 3 when no claim matches (with a close word suggested); exit 2 for a malformed query.
    Other listings take the same query with -s/--search and keep their own order.

    Example: alliance search "drones iran"
    """
    from ..api import Data
    from ..errors import NotFoundError
    from ..search import count, no_match

    ds = _dataset()
    filters = dict(party=party, kind=kind, status=status, source=source, since=since, until=until, year=year,
                   contested=contested, single_source=single_source)
    chosen = list(Data(ds).search(query, **filters, limit=limit))
    if not chosen and limit != 0:
        n = count(ds, query) if any(filters.values()) else 0
        raise NotFoundError(no_match(ds, query) + (f" with these filters ({n} without them)" if n else ""))
    emit(Listing(ds, chosen, subtitle=f"{counted(len(chosen), 'claim')} matching {query!r}, best first",
                 search=query), fmt)


def _no_match_hint(ds, search: str | None, chosen: list) -> None:
    """On stderr, for a search that found nothing: a close word from the dataset, if there is one."""
    if search is not None and not chosen:
        from ..search import parse, suggestion

        better = suggestion(ds, parse(search))
        if better:
            _stderr().print(f"no claims match {shown(search)}; did you mean {shown(better)}?", markup=False)


@command()
def timeline(
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    sort: SortOption = None, reverse: ReverseOption = False, fmt: FormatOption = None,
) -> None:
    """Matching claims in date order, under a heading per year.

    The oldest year comes first; undated claims come last.

    --reverse puts the newest year first; --sort orders the claims within each year (date order by
    default); --limit keeps the first N claims in that order.

    Example: alliance timeline --party china
    """
    ds = _dataset()
    chosen = _select(ds, party, kind, status, source, since, until, year, search, contested, single_source, sort=None)
    chosen, headings = _by_year(chosen, sort, reverse, newest=False)
    chosen = _limited(chosen, limit)
    emit(Listing(ds, chosen, title="Timeline", by_year=headings, search=search), fmt)
    _no_match_hint(ds, search, chosen)


def _by_year(claims: list, sort: str | None, reverse: bool, newest: bool) -> tuple[list, str]:
    """Claims in the order their year headings show them, and that order ("newest" or "oldest" first).

    Years run newest first when `newest` (turned round by `reverse`), undated last; within a year,
    claims go by `sort`, ascending, or in the years' own direction when no --sort is given;
    `reverse` turns that round too.
    """
    from ..query import sort_claims

    newest_first = newest != reverse
    ordered = sort_claims(claims, sort or "date", reverse if sort else newest_first)
    years = sorted({c.date[:4] for c in claims if c.date}, reverse=newest_first)
    rank = {y: i for i, y in enumerate(years)}
    return sorted(ordered, key=lambda c: rank[c.date[:4]] if c.date else len(rank)), ("newest" if newest_first else "oldest")


@command()
def treaties(
    year: YearOption = None, since: SinceOption = None, until: UntilOption = None, party: PartyOption = None,
    search: SearchOption = None,
    sort: SortOption = None, reverse: ReverseOption = False, fmt: FormatOption = None,
) -> None:
    """Treaties and agreements by year, newest first, with their terms.

    Each shows its name, place of signing, obligations and whether it has a mutual defense clause.

    --reverse puts the oldest year first; --sort orders the treaties within each year (newest first
    by default).

    Example: alliance treaties --year 2024
    """
    ds = _dataset()
    chosen = _select(ds, party, ["treaty"], since=since, until=until, year=year, search=search, sort=None)
    # In the order the year headings show, so that citations number down the page.
    chosen, headings = _by_year(chosen, sort, reverse, newest=True)
    emit(Listing(ds, chosen, title="Treaties and agreements", by_year=headings, search=search), fmt)
    _no_match_hint(ds, search, chosen)


@command("source")
def source_show(
    source_id: Annotated[str, typer.Argument(metavar="ID", help="A source id (see `alliance sources`).",
                                             autocompletion=_complete_sources)],
    sort: SortOption = None, reverse: ReverseOption = False, fmt: FormatOption = None,
) -> None:
    """One source: its metadata and every claim citing it.

    Related claims follow each other, as in show.

    Example: alliance source rksnews-strategic-partnerships
    """
    from ..formats.view import record, source_line
    from ..query import find_source, order_with_related

    ds = _dataset()
    src = find_source(ds, source_id)
    chosen = order_with_related([c for c in ds.claims if any(cit.source == src.id for cit in c.citations)],
                                sort or "date", reverse)
    details = [counted(len(chosen), "claim"), f"archive {src.archive} (sha256 {src.sha256[:12]}…)"]
    if src.byline:
        details.insert(0, f"by {src.byline}")
    if src.cites:
        details.append("cites " + ", ".join(src.cites))
    if src.url:
        details.append(src.url)
    emit(Listing(ds, chosen, source_line(src), "; ".join(details), meta={"source": record(src)}), fmt)


@command("claim")
def claim_show(
    claim_id: Annotated[str, typer.Argument(metavar="ID", help="A claim id.", autocompletion=_complete_claims)],
    fmt: FormatOption = None,
) -> None:
    """One claim in full, with every citation and its related claims.

    Example: alliance claim russia-iran-treaty-2025
    """
    from ..query import find_claim

    ds = _dataset()
    claim = find_claim(ds, claim_id)
    related = [ds.claims_by_id[r] for r in claim.related]
    subtitle = f"related claims follow: {', '.join(claim.related)}" if related else "no related claims"
    emit(Listing(ds, [claim, *related], f"Claim {claim.id}", subtitle, asked=True), fmt)


@command()
def about(fmt: FormatOption = None) -> None:
    """What the dataset is: its version, date, counts and how to cite it.

    Example: alliance about
    """
    from ..formats.view import reading
    from ..query import about_rows
    from ..store import resolve_facts_dir, shipped_facts_dir

    ds = _dataset()
    items = about_rows(ds, resolve_facts_dir(_state.facts), __version__, shipped_facts_dir())
    document = {item.replace(" ", "_"): value for item, value in items}  # JSON: numbers and objects
    rows = [(item, reading(value)) for item, value in items]
    emit(Rows(("item", "value"), rows, title="About the dataset", key="about", document=document), fmt)


@command()
def figures(party: PartyOption = None, kind: KindOption = None, search: SearchOption = None,
            fmt: FormatOption = None) -> None:
    """Numeric claims as series, such as trade by year, with bar charts.

    A terminal shows a bar chart per series; every other format gives one row per figure.

    Example: alliance figures --party china --kind trade
    """
    from ..query import series

    ds = _dataset()
    chosen = _select(ds, party, kind, search=search, sort=None)
    emit(series(ds, chosen), fmt)
    _no_match_hint(ds, search, chosen)

