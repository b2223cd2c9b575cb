"""Tab-separated lines for pipes: one record per line, no header, no box drawing, no wrapping."""

from __future__ import annotations

from .view import Listing, Rows, one_line, scalar, quantity_text, status_text, treaty_text, when


def _line(*fields: object) -> str:
    return "\t".join(one_line(str(scalar(f))) for f in fields) + "\n"


def listing(view: Listing) -> str:
    """Claim lines (id, date, kind, parties, status, statement, citation marks, figure or treaty
    details), first the role (`claim` or `related`) for `alliance claim ID`; a blank line, then citation lines ([n], claim id, source id, source title, quote, note)."""
    numbered = view.numbered_citations()
    marks = view.marks()
    out = [
        _line(*([view.role(i)] if view.asked else []),
              c.id, when(c), c.kind, ",".join(c.parties), status_text(view.dataset, c), c.statement, marks[c.id],
              "; ".join(d for d in (quantity_text(c), treaty_text(c)) if d))
        for i, c in enumerate(view.claims)
    ]
    if numbered:
        out.append("\n")
        out += [
            _line(f"[{n}]", claim.id, cit.source, view.dataset.sources[cit.source].title, cit.quote, cit.note)
            for n, claim, cit in numbered
        ]
    return "".join(out)


def rows(view: Rows) -> str:
    return "".join(_line(*row) for row in view.rows)
