"""A Frictionless Data Package: one CSV per table, and datapackage.json with a Table Schema for each.

The CSV files here are for programs (frictionless, pandas, R, a database's loader), so every cell
is exactly the data: no spreadsheet neutralizing, one value per cell, one row per citation, party
or obligation. The one-file CSV of `export --format csv` is the spreadsheet's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import CLAIM_KINDS, ENTITY_KINDS, LINT_RULES, OBLIGATIONS, SOURCE_KINDS, STATUSES, Claim, DatasetInfo
from ..schema import DATE_PATTERN
from .view import Listing, json_array, number, scalar

PROFILE = "tabular-data-package"
UNTITLED = "Untitled dataset (its facts directory has no dataset.yaml)"
_DATE = {"pattern": DATE_PATTERN.strip("^$")}  # Table Schema patterns match the whole value already
_ROLES = ("party", "asserted_by", "denied_by")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        constraints = {**({"required": True} if self.required else {}), **self.constraints}
        if constraints:
            out["constraints"] = constraints
        return out


def _id(name: str, what: str) -> Field:
    return Field(name, "string", what, required=True)


def _enum(name: str, what: str, values: Iterable[str], required: bool = True) -> Field:
    return Field(name, "string", what, required, {"enum": list(values)})


def _position(what: str) -> Field:
    return Field("position", "integer", f"Order of the {what} within its claim, from 0.", True, {"minimum": 0})


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...]  # (field, table, field)
    rows: Callable[[Listing], Iterable[tuple[Any, ...]]]

    def resource(self, data: bytes) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": f"{self.name}.csv",
            "profile": "tabular-data-resource",
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(data),
            "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
            "schema": {
                "fields": [f.schema() for f in self.fields],
                "primaryKey": list(self.primary_key),
                "foreignKeys": [
                    {"fields": f, "reference": {"resource": t, "fields": k}}
                    for f, t, k in self.foreign_keys
                ],
                "missingValues": [""],
            },
        }


def _claim_row(c: Claim) -> tuple[Any, ...]:
    q, t = c.quantity, c.treaty
    return (c.id, c.kind, c.date, c.end, c.statement, c.status,
            q and number(q.amount), q and q.unit, q and number(q.lower), q and number(q.upper), q and q.approximate,
            t is not None, t and t.name, t and t.signed, t and t.place, t and t.mutual_defense)


CLAIMS = Table(
    "claims", "Claims",
    "One distinct assertion per row, in the curators' words; its citations, parties and related claims are in "
    "the tables that refer to it by claim_id.",
    (
        _id("id", "The claim's id (a slug), stable across versions."),
        _enum("kind", "What the claim is about.", CLAIM_KINDS),
        Field("date", "string", "When it happened, to the precision the sources give: YYYY, YYYY-MM or YYYY-MM-DD; "
                                "empty when undated.", constraints=_DATE),
        Field("end", "string", "When it ended, for a span: YYYY, YYYY-MM or YYYY-MM-DD.", constraints=_DATE),
        Field("statement", "string", "The claim in the curators' words; the quotes in citations support it.", True),
        _enum("status", "reported: a source states it in its own voice; alleged: attributed to someone (see "
                        "claim_parties with role asserted_by); denied; disputed.", STATUSES),
        Field("quantity_amount", "number", "The figure a numeric claim gives, in the unit quantity_unit names "
                                           "(e.g. 244.8 with unit USD billion), with every digit the source has."),
        Field("quantity_unit", "string", "The unit of quantity_amount, quantity_lower and quantity_upper "
                                         "(e.g. USD billion, troops)."),
        Field("quantity_lower", "number", "The low end of a range the source gives, in quantity_unit."),
        Field("quantity_upper", "number", "The high end of a range the source gives, in quantity_unit."),
        Field("quantity_approximate", "boolean", "true when the source gives the figure as approximate (about, "
                                                 "some, nearly)."),
        Field("is_treaty", "boolean", "true when the claim carries treaty details (the treaty_ columns and the "
                                      "treaty_obligations table).", True),
        Field("treaty_name", "string", "The treaty's or agreement's name, as the sources give it."),
        Field("treaty_signed", "string", "When it was signed: YYYY, YYYY-MM or YYYY-MM-DD.", constraints=_DATE),
        Field("treaty_place", "string", "Where it was signed."),
        Field("treaty_mutual_defense", "boolean", "Whether it has a mutual defense clause; empty when the sources "
                                                  "do not say."),
    ),
    ("id",), (),
    lambda view: (_claim_row(c) for c in view.claims),
)

CITATIONS = Table(
    "citations", "Citations",
    "One row per citation: the source behind a claim and the verbatim words in it that support the claim.",
    (
        _id("claim_id", "The claim this citation supports."),
        _position("citation"),
        _id("source_id", "The archived source quoted."),
        Field("quote", "string", "Verbatim words from the source (`alliance verify` finds each in the archive).", True),
        Field("note", "string", "The curators' note on how the quote supports the claim; empty when none."),
    ),
    ("claim_id", "position"), (("claim_id", "claims", "id"), ("source_id", "sources", "id")),
    lambda view: ((c.id, i, cit.source, cit.quote, cit.note) for c in view.claims for i, cit in enumerate(c.citations)),
)

PARTIES = Table(
    "claim_parties", "Parties, and who asserts or denies",
    "The entities a claim names as parties, and, for an allegation, who asserts it and who denies it.",
    (
        _id("claim_id", "The claim."),
        _id("entity_id", "The entity."),
        _enum("role", "party: a party to what the claim states; asserted_by: alleges it; denied_by: denies it.", _ROLES),
        Field("position", "integer", "Order within the claim's list for this role, from 0.", True, {"minimum": 0}),
    ),
    ("claim_id", "role", "position"), (("claim_id", "claims", "id"), ("entity_id", "entities", "id")),
    lambda view: ((c.id, e, role, i) for c in view.claims
                  for role, ids in zip(_ROLES, (c.parties, c.asserted_by, c.denied_by)) for i, e in enumerate(ids)),
)

OBLIGATIONS = Table(
    "treaty_obligations", "Treaty obligations",
    "The obligations a treaty claim records, in the vocabulary of the Alliance Treaty Obligations and Provisions "
    "(ATOP) project.",
    (
        _id("claim_id", "The treaty claim."),
        _position("obligation"),
        _enum("obligation", "defense, offense, neutrality, nonaggression or consultation.", OBLIGATIONS),
    ),
    ("claim_id", "position"), (("claim_id", "claims", "id"),),
    lambda view: ((c.id, i, o) for c in view.claims if c.treaty for i, o in enumerate(c.treaty.obligations)),
)


def _related_rows(view: Listing) -> Iterable[tuple[Any, ...]]:
    return ((c.id, r) for c in view.claims for r in c.related)


RELATED = Table(
    "related_claims", "Related claims",
    "Pairs of claims about the same subject, such as one figure as different sources give it. In a filtered "
    "export related_id may name a claim that the filters left out (see `alliance claim ID`).",
    (
        _id("claim_id", "The claim."),
        _id("related_id", "A claim about the same subject."),
    ),
    ("claim_id", "related_id"), (("claim_id", "claims", "id"),),
    _related_rows,
)

LINT_EXCEPTIONS = Table(
    "lint_exceptions", "Accepted lint findings",
    "The `alliance lint` rules a curator has accepted a finding of for a claim, one row per rule, with the "
    "reason given (the same for every rule of one claim).",
    (
        _id("claim_id", "The claim."),
        _enum("rule", "The lint rule whose finding was accepted.", LINT_RULES),
        Field("position", "integer", "Order within the claim's list of accepted rules, from 0.", True, {"minimum": 0}),
        Field("reason", "string", "Why the finding was accepted.", True),
    ),
    ("claim_id", "rule"), (("claim_id", "claims", "id"),),
    lambda view: ((c.id, rule, i, c.lint.reason) for c in view.claims if c.lint for i, rule in enumerate(c.lint.ignore)),
)

SOURCES = Table(
    "sources", "Sources",
    "The archived texts the claims cite, with the sha256 of each archive.",
    (
        _id("id", "The source's id."),
        Field("title", "string", "Its title.", True),
        Field("outlet", "string", "Who published it."),
        _enum("kind", "article, blog-post, essay, slideshow, podcast or report.", SOURCE_KINDS),
        Field("byline", "string", "Its author or authors, as credited."),
        Field("published", "string", "When it was published: YYYY, YYYY-MM or YYYY-MM-DD.", constraints=_DATE),
        Field("url", "string", "Where it was published."),
        Field("cites", "string", "What the source itself cites, as a JSON array of text.", True),
        Field("archive", "string", "The archived copy's file name.", True),
        Field("sha256", "string", "The sha256 of the archived copy, in hex.", True, {"pattern": "[0-9a-f]{64}"}),
    ),
    ("id",), (),
    lambda view: ((s.id, s.title, s.outlet, s.kind, s.byline, s.published, s.url, json_array(s.cites), s.archive,
                   s.sha256) for s in view.sources()),
)

ENTITIES = Table(
    "entities", "Entities",
    "The countries, organizations, armed groups and people the claims name.",
    (
        _id("id", "The entity's id."),
        Field("name", "string", "Its name.", True),
        _enum("kind", "country, organization, armed-group or person.", ENTITY_KINDS),
        Field("iso2", "string", "ISO 3166-1 alpha-2 code, for a country.", constraints={"pattern": "[A-Z]{2}"}),
        Field("iso3", "string", "ISO 3166-1 alpha-3 code, for a country.", constraints={"pattern": "[A-Z]{3}"}),
        Field("aliases", "string", "Other names it goes by, as a JSON array of text.", True),
    ),
    ("id",), (),
    lambda view: ((e.id, e.name, e.kind, e.iso2, e.iso3, json_array(e.aliases)) for e in view.entities()),
)

TABLES = (CLAIMS, CITATIONS, PARTIES, OBLIGATIONS, RELATED, LINT_EXCEPTIONS, SOURCES, ENTITIES)


def _csv(table: Table, view: Listing) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(f.name for f in table.fields)
    writer.writerows([scalar(v) for v in row] for row in table.rows(view))
    return buf.getvalue().encode("utf-8")


def package(view: Listing) -> dict[str, bytes]:
    """Every file of the package by name: a CSV per table, then datapackage.json describing them."""
    files = {f"{t.name}.csv": _csv(t, view) for t in TABLES}
    resources = [t.resource(files[f"{t.name}.csv"]) for t in TABLES]
    cited = {cit.source for c in view.claims for cit in c.citations}
    related = {r for c in view.claims for r in c.related}
    if related <= {c.id for c in view.claims}:
        # Every related claim is in the package (always so for a full export): say so, and let a validator check it.
        resources[TABLES.index(RELATED)]["schema"]["foreignKeys"].append(
            {"fields": "related_id", "reference": {"resource": "claims", "fields": "id"}})
    descriptor = {"profile": PROFILE, **_identity(view.dataset.info), "resources": resources}
    descriptor["sources"] = [
        {"title": s.title, **({"path": s.url} if s.url else {})}
        for s in view.dataset.sources.values() if s.id in cited
    ]
    files["datapackage.json"] = (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


def _identity(info: DatasetInfo | None) -> dict[str, Any]:
    """The package's name, title, version, licence and maintainers, from the dataset's own description."""
    out: dict[str, Any] = {"name": "alliance-cli-claims"}
    if info is None:
        return {**out, "title": UNTITLED}
    out.update(title=info.title, description=info.description, version=info.version)
    licence = info.licence
    out["licenses"] = [{"name": licence.name, "path": licence.url, **({"title": licence.title} if licence.title else {})}]
    out["contributors"] = [{"title": m, "role": "maintainer"} for m in info.maintainers]
    if info.homepage:
        out["homepage"] = info.homepage
    return out
