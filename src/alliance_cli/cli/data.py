"""Commands that check, cite and export: validate, verify, schema, export, cite."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AllianceError, UsageError
from ..formats import OutputFormat
from ..formats.view import Listing
from ..words import counted
from .common import (
    ContestedOption,
    ExportFormat,
    KindOption,
    LimitOption,
    OutputOption,
    PartyOption,
    ReverseOption,
    SearchOption,
    SinceOption,
    SingleOption,
    SortOption,
    SourceOption,
    StatusOption,
    UntilOption,
    YearOption,
    command,
    emit,
    write_stdout,
    _complete_claims,
    _dataset,
    _select,
    _report,
    _state,
    _stderr,
)
from .output import check_outside, is_stream, refuse_folder, write_file


@command()
def validate(
    directory: Annotated[
        Optional[Path], typer.Argument(help="Facts directory to check (default: the one in use).", file_okay=False)
    ] = None,
) -> None:
    """Check a facts directory and report every problem in it.

    Each problem is one line: file:line: field: message.

    Example: alliance validate ./my-facts
    """
    from ..store import check, resolve_facts_dir

    dataset, problems = check(directory or resolve_facts_dir(_state.facts))
    if problems:
        _report(AllianceError(*problems))
        _stderr().print(f"{counted(len(problems), 'problem')} found", markup=False)
        raise typer.Exit(1)
    assert dataset is not None
    typer.echo(f"{counted(len(dataset.claims), 'claim')}, {counted(len(dataset.sources), 'source')}, "
               f"{counted(len(dataset.entities), 'entity')}: valid")


@command()
def verify(
    sources: Annotated[
        Path, typer.Option("--sources", help="Folder holding the archived source texts.", file_okay=False)
    ],
) -> None:
    """Check every citation against the archived source texts.

    First each archive's sha256, then each quote, which must be found in its archive.

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
        raise AllianceError(*problems, f"{counted(len(report.failures), 'citation check')} failed")
    typer.echo(f"{counted(report.quotes_checked, 'quote')} checked, {report.sources_matched} of "
               f"{counted(len(ds.sources), 'source')} matched: all found")


def _complete_schema_kinds() -> list[str]:
    from ..schema import FILES

    return list(FILES)


@command()
def schema(
    kind: Annotated[str, typer.Argument(help="Which file: claims, sources, entities or dataset.",
                                        autocompletion=_complete_schema_kinds)] = "claims",
) -> None:
    """Print the JSON Schema of a kind of facts file, for YAML editors.

    Editors that validate YAML as you type can check facts files against it.

    Example: alliance schema claims > claims.schema.json
    """
    from ..schema import json_schema

    typer.echo(json_schema(kind))


@command()
def export(
    chosen_format: Annotated[
        Optional[ExportFormat],
        typer.Option("--format", "-f", help="csv, json, jsonl, markdown, sqlite or plain. Default: what the --output "
                                            "file's suffix says (.csv, .json, .jsonl, .md, .db), else json.",
                     case_sensitive=False),
    ] = None,
    output: OutputOption = None,
    excel: Annotated[bool, typer.Option("--excel", "--bom", help="Start CSV with a UTF-8 byte order mark, for Excel.")] = False,
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    sort: SortOption = None, reverse: ReverseOption = False,
) -> None:
    """Claims with their citations as CSV, JSON, JSON Lines or SQLite.

    Every claim, or those matching the filters (the same as those of `claims`). Claims come in the
    order of the facts files unless --sort or --reverse is given (--reverse alone sorts by date);
    --limit applies after sorting.

    Example: alliance export --output claims.csv
    """
    to_file = output is not None and output != "-"
    fmt = OutputFormat(chosen_format.value) if chosen_format else None
    fmt = _export_format(fmt, output if to_file else None, excel)
    if to_file:
        from ..store import resolve_facts_dir

        check_outside(output, resolve_facts_dir(_state.facts))
    ds = _dataset()
    # The order of the facts files unless asked; --reverse alone is newest first.
    chosen = _select(ds, party, kind, status, source, since, until, year, search, contested, single_source,
                     sort=sort or ("date" if reverse else None), reverse=reverse, limit=limit)
    if search is not None and not chosen:
        from .lookup import _no_match_hint

        _no_match_hint(ds, search, chosen)
    view = Listing(ds, chosen, everything=len(chosen) == len(ds.claims))
    if fmt is OutputFormat.sqlite:
        from ..formats.sqlite import database

        write_file(output, database(view))
    else:
        emit(view, fmt, output, bom=excel)
    if to_file:
        from rich.text import Text

        from ..formats.view import visible

        _stderr().print(Text(visible(f"wrote {len(chosen)} claim{'s' * (len(chosen) != 1)} to {output}")))


def _export_format(fmt: OutputFormat | None, output: str | None, excel: bool) -> OutputFormat:
    """The format to export: as given, else as the file's suffix says, else JSON for a stream."""
    from ..formats import SUFFIXES, format_of_file

    if output is not None:
        refuse_folder(output)
    implied = format_of_file(output) if output is not None else None
    if fmt is None:
        if implied is None and output is not None and not is_stream(output):
            known = ", ".join(SUFFIXES)
            raise UsageError(f"cannot tell which format to write to {output} from its name; "
                             f"give --format, or name the file with one of {known}")
        fmt = implied or OutputFormat.json
    elif implied is not None and implied is not fmt:
        raise UsageError(f"--format {fmt.value} does not match {output}, whose suffix says {implied.value}; "
                         "drop --format or rename the file")
    if fmt is OutputFormat.sqlite and output is None:
        raise UsageError("--format sqlite writes a database file: give --output FILE")
    if excel and fmt is not OutputFormat.csv:
        raise UsageError(f"--excel adds a byte order mark to CSV only; this export is {fmt.value}")
    return fmt


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
    """Citations to paste for the sources of a claim, with their quotes.

    Example: alliance cite russia-iran-treaty-2025 --format bibtex
    """
    from ..formats import cite as citations
    from ..query import find_claim

    ds = _dataset()
    claim = find_claim(ds, claim_id)
    render = {CiteFormat.text: citations.text, CiteFormat.bibtex: citations.bibtex, CiteFormat.csl_json: citations.csl_json}
    write_stdout(render[fmt](ds, claim))

