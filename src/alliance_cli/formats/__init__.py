"""Output formats: one module per format, each turning a view into text (or rich renderables)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from ..errors import UsageError
from ..query import Figures
from .view import Listing, Rows, figures_rows


class OutputFormat(str, Enum):
    table = "table"
    plain = "plain"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    sqlite = "sqlite"  # a database file: `export --format sqlite --output FILE` only


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
    if fmt is OutputFormat.sqlite:
        raise UsageError("--format sqlite writes a database file: use `alliance export --format sqlite --output FILE`")
    raise AssertionError(f"no formatter for {fmt}")  # test_every_format_has_a_formatter guards this


def render(view: Listing | Rows | Figures, fmt: OutputFormat) -> Any:
    """Text for every format but table, which gives rich renderables for a console to print."""
    for_listing, for_rows = _formatters(fmt)
    if isinstance(view, Figures):
        if fmt is OutputFormat.table:
            from . import table

            return table.figures(view)
        view = figures_rows(view)
    return for_listing(view) if isinstance(view, Listing) else for_rows(view)
