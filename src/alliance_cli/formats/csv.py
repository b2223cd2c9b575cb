"""CSV (RFC 4180, via the stdlib) with every text cell neutralized against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from ..model import Claim
from .view import Listing, Rows, number, scalar

CLAIM_COLUMNS = (
    "id", "date", "end", "kind", "parties", "statement", "status", "asserted_by", "denied_by",
    "quantity_amount", "quantity_unit", "quantity_lower", "quantity_upper", "quantity_approximate",
    "treaty_name", "treaty_signed", "treaty_place", "treaty_obligations", "treaty_mutual_defense",
    "related", "source_count", "sources", "quotes", "notes",
)
JOIN = "; "
# OWASP "CSV Injection": a cell starting with one of these may be run as a formula by a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would read as a formula with a single quote.

    A cell that already starts with a quote gets one more, so the text is always recovered by
    removing one leading quote from a text cell that has one. Numbers are left as numbers: a
    negative amount is data, not a formula.
    """
    if isinstance(value, str) and value.startswith((*_FORMULA_START, "'")):
        return "'" + value
    return value


def claim_row(claim: Claim) -> tuple[Any, ...]:
    q, t = claim.quantity, claim.treaty
    return (
        claim.id, claim.date, claim.end, claim.kind, JOIN.join(claim.parties), claim.statement, claim.status,
        JOIN.join(claim.asserted_by), JOIN.join(claim.denied_by),
        q and number(q.amount), q and q.unit, q and number(q.lower), q and number(q.upper),
        q and q.approximate,
        t and t.name, t and t.signed, t and t.place, t and JOIN.join(t.obligations), t and t.mutual_defense,
        JOIN.join(claim.related), len({c.source for c in claim.citations}),
        JOIN.join(c.source for c in claim.citations), JOIN.join(c.quote for c in claim.citations),
        JOIN.join(c.note or "" for c in claim.citations) if any(c.note for c in claim.citations) else "",
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
