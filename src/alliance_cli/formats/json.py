"""JSON (one document) and JSON Lines (one claim per line), with every field of every record."""

from __future__ import annotations

import json
from typing import Any

from .view import UNSAFE, Listing, Rows, record

# The shape of every JSON document the tool prints (`alliance schema export` describes it): the
# minor number grows when a member is added, the major one when a member changes or goes.
SCHEMA_VERSION = "2.0"  # 2.0: entities' aliases a list, not one text joined with "; "


def document(view: Listing) -> dict[str, Any]:
    """The dataset's identity, then claims, and the sources and entities they cite or name (all of them
    for a full export)."""
    ds = view.dataset
    claims = {"claims": [record(c) for c in view.claims]}
    if view.asked:
        claims = {"claim": record(view.claims[0]), "related": [record(c) for c in view.claims[1:]]}
    return {
        "schema_version": SCHEMA_VERSION,
        "dataset": None if ds.info is None else record(ds.info),  # its title, version and licence
        **view.meta,
        **claims,
        "sources": [record(s) for s in view.sources()],
        "entities": [record(e) for e in view.entities()],
    }


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text that reads back exactly, and is inert on a terminal (no raw C1 or bidi controls)."""
    # ensure_ascii=False keeps text readable, but then DEL, C1 controls and bidi overrides would go
    # out raw (json escapes only C0). As \u escapes they are the same string to any JSON reader and
    # inert on a terminal. allow_nan=False: NaN is not JSON (validation refuses it anyway).
    text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    return UNSAFE.sub(_json_escape, text)


def _json_escape(match: Any) -> str:
    """A character as JSON writes it escaped: `\\u2028`, or a surrogate pair beyond U+FFFF (a tag
    character U+E0041 is `\\udb40\\udc41`, as JSON has no longer escape)."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xd800 + (code >> 10):04x}\\u{0xdc00 + (code & 0x3ff):04x}"


def listing(view: Listing) -> str:
    return dumps(document(view), indent=2) + "\n"


def rows(view: Rows) -> str:
    body = view.document if view.document is not None else {view.key: [dict(zip(view.columns, row)) for row in view.rows]}
    return dumps({"schema_version": SCHEMA_VERSION, **body}, indent=2) + "\n"


def listing_lines(view: Listing) -> str:
    return "".join(dumps(record(c)) + "\n" for c in view.claims)


def rows_lines(view: Rows) -> str:
    if view.document is not None:  # one document, as --format json gives it
        return dumps({"schema_version": SCHEMA_VERSION, **view.document}) + "\n"
    return "".join(dumps(dict(zip(view.columns, row))) + "\n" for row in view.rows)
