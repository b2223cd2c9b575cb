"""Output formats: one module per format, each turning a view into text (or rich renderables)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from importlib import import_module
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


# What a file's suffix says it holds (compared case-insensitively): `export --output FILE` writes
# this format when --format is not given, and refuses a --format that says otherwise.
SUFFIXES = {
    ".csv": OutputFormat.csv,
    ".json": OutputFormat.json,
    ".jsonl": OutputFormat.jsonl,
    ".ndjson": OutputFormat.jsonl,
    ".md": OutputFormat.markdown,
    ".markdown": OutputFormat.markdown,
    ".db": OutputFormat.sqlite,
    ".sqlite": OutputFormat.sqlite,
    ".sqlite3": OutputFormat.sqlite,
}


def format_of_file(name: str) -> OutputFormat | None:
    """The format a file name's suffix implies, or None for a suffix not in SUFFIXES (or none)."""
    from pathlib import PurePath

    return SUFFIXES.get(PurePath(name).suffix.lower())


# Which module and functions render each format (a listing of claims, a table of rows). Modules are
# imported on demand: a piped `show` should not pay for rich's table module, nor csv for json.
_FORMATTERS = {
    OutputFormat.table: ("table", "listing", "rows"),
    OutputFormat.plain: ("plain", "listing", "rows"),
    OutputFormat.csv: ("csv", "listing", "rows"),
    OutputFormat.json: ("json", "listing", "rows"),
    OutputFormat.jsonl: ("json", "listing_lines", "rows_lines"),
    OutputFormat.markdown: ("markdown", "listing", "rows"),
}


def _formatters(fmt: OutputFormat) -> tuple[Callable[[Listing], Any], Callable[[Rows], Any]]:
    if fmt is OutputFormat.sqlite:
        raise UsageError("--format sqlite writes a database file: use `alliance export --format sqlite --output FILE`")
    module_name, listing, rows = _FORMATTERS[fmt]  # test_every_format_has_a_formatter keeps this exhaustive
    module = import_module(f".{module_name}", __name__)
    return getattr(module, listing), getattr(module, rows)


def render(view: Listing | Rows | Figures, fmt: OutputFormat) -> Any:
    """Text for every format but table, which gives rich renderables for a console to print."""
    for_listing, for_rows = _formatters(fmt)
    if isinstance(view, Figures):
        if fmt is OutputFormat.table:
            from . import table

            return table.figures(view)
        view = figures_rows(view)
    return for_listing(view) if isinstance(view, Listing) else for_rows(view)
