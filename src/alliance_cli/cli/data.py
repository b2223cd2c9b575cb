"""Commands that check, cite and export: validate, verify, schema, export, cite."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AllianceError, UsageError
from ..formats import OutputFormat
from ..formats.view import Listing
from .common import (
    ContestedOption,
    KindOption,
    LimitOption,
    OutputOption,
    PartyOption,
    SearchOption,
    SinceOption,
    SingleOption,
    SourceOption,
    StatusOption,
    UntilOption,
    YearOption,
    command,
    emit,
    write_atomically,
    write_stdout,
    _complete_claims,
    _dataset,
    _select,
    _report,
    _state,
    _stderr,
)


@command()
def validate(
    directory: Annotated[
        Optional[Path], typer.Argument(help="Facts directory to check (default: the one in use).", file_okay=False)
    ] = None,
) -> None:
    """Check a facts directory and report every problem as file:line: field: message.

    Example: alliance validate ./my-facts
    """
    from ..store import check, resolve_facts_dir

    dataset, problems = check(directory or resolve_facts_dir(_state.facts))
    if problems:
        _report(AllianceError(*problems))
        _stderr().print(f"{len(problems)} problem{'s' * (len(problems) != 1)} found", markup=False)
        raise typer.Exit(1)
    assert dataset is not None
    typer.echo(f"{len(dataset.claims)} claims, {len(dataset.sources)} sources, {len(dataset.entities)} entities: valid")


@command()
def verify(
    sources: Annotated[
        Path, typer.Option("--sources", help="Folder holding the archived source texts.", file_okay=False)
    ],
) -> None:
    """Check every citation against the archived texts: each archive's sha256, then each quote.

    Example: alliance verify --sources ../shared/sources
    """
    from ..verify import verify as run_verify

    if not sources.is_dir():
        raise AllianceError(f"{sources}: sources folder not found; nothing was verified")
    ds = _dataset()
    report = run_verify(ds, sources)
    if report.failures:
        from ..errors import Problem

        problems = [
            Problem(f"{f.reason}" + (f": “{f.quote}”" if f.quote else ""), field=f"{f.claim}: {f.source}" if f.claim else f.source)
            for f in report.failures
        ]
        raise AllianceError(*problems, f"{len(report.failures)} citation check(s) failed")
    typer.echo(f"{report.quotes_checked} quotes checked, {report.sources_matched} of {len(ds.sources)} sources matched: all found")


@command()
def schema(
    kind: Annotated[str, typer.Argument(help="Which file: claims, sources, entities or dataset.")] = "claims",
) -> None:
    """Print the JSON Schema of one kind of facts file, for editors that validate YAML as you type.

    Example: alliance schema claims > claims.schema.json
    """
    from ..schema import json_schema

    typer.echo(json_schema(kind))


@command()
def export(
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="csv, json, jsonl or sqlite (plain and markdown work too).",
                                   case_sensitive=False)
    ] = OutputFormat.json,
    output: OutputOption = None,
    excel: Annotated[bool, typer.Option("--excel", "--bom", help="Start CSV with a UTF-8 byte order mark, for Excel.")] = False,
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
) -> None:
    """Every claim (or those matching the filters), with citations, as CSV, JSON, JSON Lines or SQLite.

    Example: alliance export --format csv --output claims.csv
    """
    if fmt is OutputFormat.table:
        raise UsageError("export writes data: choose --format csv, json, jsonl, sqlite, plain or markdown")
    ds = _dataset()
    chosen = _select(ds, party, kind, status, source, since, until, year, search, contested, single_source,
                     sort=None, limit=limit)
    if search is not None and not chosen:
        from .lookup import _no_match_hint

        _no_match_hint(ds, search, chosen)
    everything = len(chosen) == len(ds.claims)
    if fmt is OutputFormat.sqlite:
        if output is None or str(output) == "-":
            raise UsageError("--format sqlite writes a database file: give --output FILE")
        from ..formats.sqlite import database

        write_atomically(output, database(Listing(ds, chosen, everything=everything)))
        return
    emit(Listing(ds, chosen, everything=everything), fmt, output, bom=excel and fmt is OutputFormat.csv)


class CiteFormat(str, Enum):
    text = "text"
    bibtex = "bibtex"
    csl_json = "csl-json"


@command()
def cite(
    claim_id: Annotated[str, typer.Argument(metavar="CLAIM_ID", help="A claim id.", autocompletion=_complete_claims)],
    fmt: Annotated[CiteFormat, typer.Option("--format", "-f", help="text, bibtex or csl-json (for pandoc or Zotero).",
                                            case_sensitive=False)] = CiteFormat.text,
) -> None:
    """A copy-paste citation for each source behind a claim, with the quote.

    Example: alliance cite russia-iran-treaty-2025 --format bibtex
    """
    from ..formats import cite as citations
    from ..query import find_claim

    ds = _dataset()
    claim = find_claim(ds, claim_id)
    render = {CiteFormat.text: citations.text, CiteFormat.bibtex: citations.bibtex, CiteFormat.csl_json: citations.csl_json}
    write_stdout(render[fmt](ds, claim))

