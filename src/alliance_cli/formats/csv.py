"""CSV (RFC 4180, via the stdlib) with every text cell neutralized against formula injection.

A cell that holds several values (parties, quotes, notes...) holds them as a JSON array, `["russia",
"iran"]`, so that no value, however much punctuation it has, can be split or merged with its
neighbour: `json.loads(cell)` gives them back exactly, with `null` for a citation without a note.
An empty cell is a field the claim does not have (no treaty, say); an empty list is `[]`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from ..model import Claim
from .view import Listing, Rows, json_array, number, scalar

CLAIM_COLUMNS = (
    "id", "date", "end", "kind", "parties", "statement", "status", "asserted_by", "denied_by",
    "quantity_amount", "quantity_unit", "quantity_lower", "quantity_upper", "quantity_approximate",
    "treaty_name", "treaty_signed", "treaty_place", "treaty_obligations", "treaty_mutual_defense",
    "related", "source_count", "sources", "quotes", "notes", "lint",
)
# OWASP "CSV Injection": a cell starting with one of these may be run as a formula by a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The same signs after leading white space (an import that trims cells would leave `=` first), and
# their full-width forms, which an input method in an East Asian locale may turn into them.
_FORMULA_SIGNS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_GUARDED_FIRST = frozenset(_FORMULA_START) | _FORMULA_SIGNS | {"'"}  # a first character that alone decides


def neutralize(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would read as a formula with a single quote.

    A cell that already starts with a quote gets one more, so the text is always recovered by
    removing one leading quote from a text cell that has one. Numbers are left as numbers: a
    negative amount is data, not a formula.
    """
    if not isinstance(value, str) or not value:
        return value
    first = value[0]  # most cells start with a letter: decided without copying the text (2.5 million cells at 100k)
    if first in _GUARDED_FIRST or (first.isspace() and value.lstrip()[:1] in _FORMULA_SIGNS):
        return "'" + value
    return value


def _lint_cell(claim: Claim) -> str:
    """The lint findings a curator accepted, as JSON (`{"ignore": [...], "reason": "..."}`); empty when none."""
    if claim.lint is None:
        return ""
    import json

    return json.dumps({"ignore": list(claim.lint.ignore), "reason": claim.lint.reason}, ensure_ascii=False)


def claim_row(claim: Claim) -> tuple[Any, ...]:
    q, t, arr = claim.quantity, claim.treaty, json_array
    return (
        claim.id, claim.date, claim.end, claim.kind, arr(claim.parties), claim.statement, claim.status,
        arr(claim.asserted_by), arr(claim.denied_by),
        q and number(q.amount), q and q.unit, q and number(q.lower), q and number(q.upper),
        q and q.approximate,
        t and t.name, t and t.signed, t and t.place, t and arr(t.obligations), t and t.mutual_defense,
        arr(claim.related), len({c.source for c in claim.citations}),
        arr([c.source for c in claim.citations]), arr([c.quote for c in claim.citations]),
        arr([c.note for c in claim.citations]),
        _lint_cell(claim),
    )


def write(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    for row in rows:
        writer.writerow([neutralize(scalar(v)) for v in row])
    return buf.getvalue()


def listing(view: Listing) -> str:
    if view.asked:  # `alliance claim ID`: a first column says which claim was asked for
        return write(("role", *CLAIM_COLUMNS), ((view.role(i), *claim_row(c)) for i, c in enumerate(view.claims)))
    return write(CLAIM_COLUMNS, (claim_row(c) for c in view.claims))


def rows(view: Rows) -> str:
    return write(view.columns, view.rows)
