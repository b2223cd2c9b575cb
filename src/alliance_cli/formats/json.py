"""JSON (one document) and JSON Lines (one claim per line), with every field of every record."""

from __future__ import annotations

import json
from typing import Any

from .view import UNSAFE, Listing, Rows, record


def document(view: Listing) -> dict[str, Any]:
    """The dataset's identity, then claims, and the sources and entities they cite or name (all of them
    for a full export)."""
    ds = view.dataset
    source_ids = {cit.source for c in view.claims for cit in c.citations}
    entity_ids = {e for c in view.claims for e in (*c.parties, *c.asserted_by, *c.denied_by)}
    claims = {"claims": [record(c) for c in view.claims]}
    if view.asked:
        claims = {"claim": record(view.claims[0]), "related": [record(c) for c in view.claims[1:]]}
    return {
        "dataset": None if ds.info is None else record(ds.info),  # its title, version and licence
        **view.meta,
        **claims,
        "sources": [record(s) for s in ds.sources.values() if view.everything or s.id in source_ids],
        "entities": [record(e) for e in ds.entities.values() if view.everything or e.id in entity_ids],
    }


def _dumps(value: Any, indent: int | None = None) -> str:
    # ensure_ascii=False keeps text readable, but then DEL, C1 controls and bidi overrides would go
    # out raw (json escapes only C0). As \u escapes they are the same string to any JSON reader and
    # inert on a terminal. allow_nan=False: NaN is not JSON (validation refuses it anyway).
    text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def listing(view: Listing) -> str:
    return _dumps(document(view), indent=2) + "\n"


def rows(view: Rows) -> str:
    if view.document is not None:
        return _dumps(view.document, indent=2) + "\n"
    return _dumps({view.key: [dict(zip(view.columns, row)) for row in view.rows]}, indent=2) + "\n"


def listing_lines(view: Listing) -> str:
    return "".join(_dumps(record(c)) + "\n" for c in view.claims)


def rows_lines(view: Rows) -> str:
    if view.document is not None:
        return _dumps(view.document) + "\n"
    return "".join(_dumps(dict(zip(view.columns, row))) + "\n" for row in view.rows)
