"""Output formats: one module per format, each turning a view into text (or rich renderables)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from .view import Listing, Rows


class OutputFormat(str, Enum):
    table = "table"
    plain = "plain"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


def _formatters(fmt: OutputFormat) -> tuple[Callable[[Listing], Any], Callable[[Rows], Any]]:
    # Imported on demand: a piped `show` should not pay for rich's table module, nor csv for json.
    if fmt is OutputFormat.table:
        from . import table

        return table.listing, table.rows
    if fmt is OutputFormat.plain:
        from . import plain

        return plain.listing, plain.rows
    if fmt is OutputFormat.csv:
        from . import csv

        return csv.listing, csv.rows
    if fmt is OutputFormat.json:
        from . import json

        return json.listing, json.rows
    if fmt is OutputFormat.jsonl:
        from . import json

        return json.listing_lines, json.rows_lines
    if fmt is OutputFormat.markdown:
        from . import markdown

        return markdown.listing, markdown.rows
    raise AssertionError(f"no formatter for {fmt}")  # test_every_format_has_a_formatter guards this


def render(view: Listing | Rows, fmt: OutputFormat) -> Any:
    """Text for every format but table, which gives rich renderables for a console to print."""
    for_listing, for_rows = _formatters(fmt)
    return for_listing(view) if isinstance(view, Listing) else for_rows(view)
