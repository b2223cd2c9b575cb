"""Claim, citation, source, entity, quantity, treaty and partial-date types.

They are frozen stdlib dataclasses so that a run served from the cache never imports pydantic;
`store.py` validates facts files into them with pydantic v2 (`TypeAdapter`), which reads the
constraints below (`Length`, `Literal`) and `__pydantic_config__`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date as _date
from typing import Annotated, Any, Literal, get_args

from .errors import shown

_STRICT = {"extra": "forbid", "strict": False}


class _Exact:
    """Annotation marker: take the value only as written, with none of pydantic's lax conversions.

    Without it `amount: true` became 1.0 and `mutual_defense: "no"` became False, silently.
    Pydantic calls this hook itself, so this module still never imports pydantic.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["strict"] = True
        return schema


class Length:
    """A bound on the length of a text or list, as pydantic's `annotated_types.Len`.

    Pydantic asks for it only when it validates, so a run served from the cache does not pay for
    importing annotated_types (and typing_extensions) just to declare constraints it never checks.
    """

    __slots__ = ("low", "high")

    def __init__(self, low: int, high: int | None = None) -> None:
        self.low, self.high = low, high

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from annotated_types import Len

        return handler(Annotated[source, Len(self.low, self.high)])


Slug = Annotated[str, Length(1)]
Text = Annotated[str, Length(1)]
Number = Annotated[float, _Exact()]  # an int is still a number: `amount: 500`
Flag = Annotated[bool, _Exact()]

ClaimKind = Literal[
    "treaty",
    "trade",
    "energy",
    "economic-support",
    "arms",
    "technology",
    "troops",
    "military-cooperation",
    "military-presence",
    "membership",
    "vote",
    "diplomacy",
    "summit",
    "sanctions",
    "defense-policy",
]
Status = Literal["reported", "alleged", "denied", "disputed"]
Obligation = Literal["defense", "offense", "neutrality", "nonaggression", "consultation"]
EntityKind = Literal["country", "organization", "armed-group", "person"]
SourceKind = Literal["article", "blog-post", "essay", "slideshow", "podcast", "report"]
# The checks of `alliance lint` (curate/lint.py), named here so that validation refuses an exception
# for a rule that does not exist; test_lint checks the two lists agree.
LintRule = Literal[
    "hedged-as-reported",
    "unsupported-number",
    "near-copy",
    "unlisted-party",
    "one-way-related",
    "unlinked-denial",
    "denied-elsewhere",
]

CLAIM_KINDS: tuple[str, ...] = get_args(ClaimKind)
STATUSES: tuple[str, ...] = get_args(Status)
LINT_RULES: tuple[str, ...] = get_args(LintRule)
OBLIGATIONS: tuple[str, ...] = get_args(Obligation)
ENTITY_KINDS: tuple[str, ...] = get_args(EntityKind)
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
CONTESTED: frozenset[str] = frozenset({"alleged", "denied", "disputed"})

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# [0-9], not \d: "٢٠٢٤" is digits to Python but not an ISO date, and would sort apart from "2024".
_PARTIAL_DATE_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def parse_partial_date(text: str) -> tuple[int, int | None, int | None]:
    """Split an ISO partial date (`2024`, `2024-10`, `2024-06-19`) into its parts.

    Raises ValueError with a message fit for a user when the text is not a real date.
    """
    m = _PARTIAL_DATE_RE.fullmatch(text)
    if not m:
        raise ValueError(f"{shown(text)} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in m.groups())
    if year == 0:  # datetime's calendar, like ISO 8601's common use, starts at 0001
        raise ValueError(f"{text!r} has no year 0000")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{text!r} has no month {month:02d}")
    if day is not None:
        try:
            _date(year, month, day)
        except ValueError:
            raise ValueError(f"{text!r} is not a day of the calendar") from None
    return year, month, day


def date_span(text: str) -> tuple[str, str]:
    """The first and last day a partial date covers, as ISO strings (`2024` -> 2024-01-01..2024-12-31)."""
    year, month, day = parse_partial_date(text)
    if day is not None:
        return text, text
    if month is not None:
        import calendar  # here, not above: a run served from the cache never needs it

        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure with its unit: `244.8 USD billion`, `about 1,500 troops`."""

    __pydantic_config__ = _STRICT
    amount: Number
    unit: Text
    lower: Number | None = None
    upper: Number | None = None
    approximate: Flag = False


@dataclass(frozen=True, slots=True)
class Treaty:
    """What a treaty claim adds: its name, signing, place and obligations (ATOP vocabulary)."""

    __pydantic_config__ = _STRICT
    name: Text | None = None
    signed: str | None = None
    place: Text | None = None
    obligations: tuple[Obligation, ...] = ()
    mutual_defense: Flag | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A source behind a claim and the verbatim words in it that support the claim."""

    __pydantic_config__ = _STRICT
    source: Slug
    quote: Text
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class LintException:
    """Lint findings a curator has accepted for one claim, and why: `lint: {ignore: [near-copy], reason: ...}`."""

    __pydantic_config__ = _STRICT
    ignore: Annotated[tuple[LintRule, ...], Length(1)]
    reason: Text


@dataclass(frozen=True, slots=True)
class Claim:
    """One distinct assertion, in our words, with at least one citation."""

    __pydantic_config__ = _STRICT
    id: Slug
    kind: ClaimKind
    parties: Annotated[tuple[Slug, ...], Length(1)]
    statement: Text
    citations: Annotated[tuple[Citation, ...], Length(1)]
    date: str | None = None
    end: str | None = None
    status: Status = "reported"
    asserted_by: tuple[Slug, ...] = ()
    denied_by: tuple[Slug, ...] = ()
    quantity: Quantity | None = None
    treaty: Treaty | None = None
    related: tuple[Slug, ...] = ()
    lint: LintException | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """An archived text the dataset cites."""

    __pydantic_config__ = _STRICT
    id: Slug
    title: Text
    kind: SourceKind
    archive: Text
    sha256: Annotated[str, Length(64, 64)]
    outlet: Text | None = None
    byline: Text | None = None
    published: str | None = None
    url: Text | None = None
    cites: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Entity:
    """A country, organization, armed group or person that claims name."""

    __pydantic_config__ = _STRICT
    id: Slug
    name: Text
    kind: EntityKind
    iso2: Annotated[str, Length(2, 2)] | None = None
    iso3: Annotated[str, Length(3, 3)] | None = None
    aliases: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Licence:
    """The terms the dataset is published under: an SPDX id, where to read them, and their name."""

    __pydantic_config__ = _STRICT
    name: Text
    url: Text
    title: Text | None = None


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What `facts/dataset.yaml` says of the dataset itself: its identity, version and terms.

    The dataset's version is its own, apart from the tool's: new or corrected claims bump it.
    """

    __pydantic_config__ = _STRICT
    title: Text
    description: Text
    version: Text
    date: str
    licence: Licence
    maintainers: Annotated[tuple[Text, ...], Length(1)]
    homepage: Text | None = None


def entity_names(entity: Entity) -> list[str]:
    """Every name a user may type for an entity: id, name, ISO codes and aliases."""
    names = [entity.id, entity.name, *entity.aliases]
    names += [code for code in (entity.iso2, entity.iso3) if code]
    return names


def sort_key(claim: Claim) -> tuple[bool, str, str]:
    """Date order; undated claims last; ties broken by id so output is stable."""
    return (claim.date is None, claim.date or "", claim.id)


def name_key(name: str) -> str:
    """How names compare: "north korea", "North-Korea" and "north_korea" are the same name to a user."""
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())



@dataclass(frozen=True, slots=True)
class Dataset:
    """A validated facts directory: claims in file order, and every record by id.

    `claims` is a tuple, or, for a dataset served from the cache, a sequence that reads claims
    only when they are needed (`cache.IndexedClaims`).
    """

    claims: Sequence[Claim]
    sources: dict[str, Source]
    entities: dict[str, Entity]
    claims_by_id: Mapping[str, Claim]
    info: DatasetInfo | None = None  # from dataset.yaml, which a facts directory may leave out

    def candidates(
        self, parties: Sequence[str] = (), kinds: Sequence[str] = (), since: str | None = None, until: str | None = None,
        undated: bool = False,
    ) -> Sequence[Claim]:
        """Claims, in file order, that may name all `parties`, be of one of `kinds` and have a date span
        reaching since..until (ISO days), or, with `undated`, no date: all claims, or only those when the
        cache's index can tell.

        A superset: callers still apply their filters; this only spares reading claims that cannot match.
        """
        narrow = getattr(self.claims, "narrow", None)
        return self.claims if narrow is None else narrow(parties, kinds, since, until, undated)

    @classmethod
    def of(
        cls, claims: tuple[Claim, ...], sources: dict[str, Source], entities: dict[str, Entity],
        info: DatasetInfo | None = None,
    ) -> Dataset:
        return cls(claims, sources, entities, {c.id: c for c in claims}, info)
