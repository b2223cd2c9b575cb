"""Commands that check, cite and export: validate, verify, lint, schema, export, cite."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AllianceError, UsageError
from ..formats import FILE_FORMATS, OutputFormat
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
    SourcesOption,
    StatusOption,
    UntilOption,
    YearOption,
    command,
    emit,
    folder_path,
    write_stdout,
    _complete_claims,
    _dataset,
    _select,
    _report,
    _state,
    _stderr,
)
from .output import check_outside, is_stream, refuse_folder, write_files, write_folder_atomically


@command()
def validate(
    directory: Annotated[
        Optional[Path], typer.Argument(help="Facts directory to check (default: the one in use).",
                                       click_type=folder_path())
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
    sources: SourcesOption,
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
    from ..schema import FILES, OUTPUTS

    return [*FILES, *OUTPUTS]


@command()
def schema(
    kind: Annotated[str, typer.Argument(help="A facts file (claims, sources, entities or dataset), or the JSON "
                                             "output: export (every JSON document; tables in its $defs) or "
                                             "export-jsonl.", autocompletion=_complete_schema_kinds)] = "claims",
) -> None:
    """Print the JSON Schema of a facts file or of the tool's JSON output.

    Editors that validate YAML as you type can check facts files against it. `schema export`
    describes the JSON the tool prints, whose `schema_version` says which shape it is.

    Example: alliance schema claims > claims.schema.json
    """
    from ..schema import json_schema

    typer.echo(json_schema(kind))


@command()
def export(
    chosen_format: Annotated[
        Optional[ExportFormat],
        typer.Option("--format", "-f", help="csv, json, jsonl, html (one page), markdown, plain, sqlite, or datapackage "
                                            "(a folder: a CSV per table, a Table Schema each). Default: what the "
                                            "--output file's suffix says (.csv, .json, .jsonl, .md, .html, .db; a "
                                            "folder: datapackage), else json.",
                     case_sensitive=False),
    ] = None,
    output: OutputOption = None,
    excel: Annotated[bool, typer.Option("--excel", "--bom", help="Start CSV with a UTF-8 byte order mark, for Excel.")] = False,
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    sort: SortOption = None, reverse: ReverseOption = False,
) -> None:
    """Claims and their citations as CSV, JSON, HTML, SQLite and more.

    Also JSON Lines, Markdown, plain lines, and a Frictionless Data Package (a folder).

    Every claim, or those matching the filters (the same as those of `claims`). Claims come in the
    order of the facts files unless --sort or --reverse is given (--reverse alone sorts by date);
    --limit applies after sorting.

    Example: alliance export --output claims.csv
    """
    from ..store import resolve_facts_dir

    to_file = output is not None and output != "-"
    fmt = OutputFormat(chosen_format.value) if chosen_format else None
    fmt = _export_format(fmt, output if to_file else None, excel)
    if to_file:
        check_outside(output, resolve_facts_dir(_state.facts))
    ds = _dataset()
    # The order of the facts files unless asked; --reverse alone is newest first.
    chosen = _select(ds, party, kind, status, source, since, until, year, search, contested, single_source,
                     sort=sort or ("date" if reverse else None), reverse=reverse, limit=limit)
    if search is not None and not chosen:
        from .lookup import _no_match_hint

        _no_match_hint(ds, search, chosen)
    view = Listing(ds, chosen, everything=len(chosen) == len(ds.claims))
    also = ""
    if fmt is OutputFormat.sqlite:
        from ..formats.sqlite import database, metadata_file

        files = {output: database(view)}
        if not is_stream(output):
            # Beside it, for `datasette claims.db -m claims.metadata.json`: title, licence, what each column
            # holds. Both files are replaced or neither.
            metadata_name, files[metadata_name] = metadata_file(view, output)
            check_outside(metadata_name, resolve_facts_dir(_state.facts))
            also = f", and Datasette's metadata to {metadata_name}"
        write_files(files)
    elif fmt is OutputFormat.datapackage:
        from ..formats.datapackage import TABLES, package

        write_folder_atomically(output, package(view), "datapackage.json")
        also = f" (a data package: {len(TABLES)} tables and datapackage.json)"
    else:
        emit(view, fmt, output, bom=excel)
    if to_file:
        from rich.text import Text

        from ..formats.view import one_line

        _stderr().print(Text(one_line(f"wrote {len(chosen)} claim{'s' * (len(chosen) != 1)} to {output}{also}")))


def _export_format(fmt: OutputFormat | None, output: str | None, excel: bool) -> OutputFormat:
    """The format to export: as given, else as the file's suffix says (a folder: a data package), else
    JSON for a stream."""
    from ..formats import SUFFIXES, format_of_file

    implied = format_of_file(output) if output is not None else None
    if output is not None and fmt not in (None, OutputFormat.datapackage):
        refuse_folder(output)  # without --format, a folder takes a data package
    if fmt is None:
        if implied is None and output is not None and not is_stream(output):
            known = ", ".join(SUFFIXES)
            raise UsageError(f"cannot tell which format to write to {output} from its name; "
                             f"give --format, or name the file with one of {known} (or a folder)")
        fmt = implied or OutputFormat.json
    elif implied is not None and implied is not fmt:
        raise UsageError(f"--format {fmt.value} does not match {output}, whose suffix says {implied.value}; "
                         "drop --format or rename the file")
    if fmt in FILE_FORMATS and (output is None or (fmt is OutputFormat.datapackage and is_stream(output))):
        what, metavar = FILE_FORMATS[fmt]
        raise UsageError(f"--format {fmt.value} writes {what}: give --output {metavar}")
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



class LintFormat(str, Enum):
    plain = "plain"
    json = "json"


@command()
def lint(
    directory: Annotated[
        Optional[Path], typer.Argument(help="Facts directory to check (default: the one in use).",
                                       click_type=folder_path())
    ] = None,
    rule: Annotated[Optional[list[str]], typer.Option("--rule", "-r", help="Run only this rule; repeat for several.")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Skip this rule; repeat for several.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there is any finding (for CI).")] = False,
    fmt: Annotated[LintFormat, typer.Option("--format", "-f", help="plain (file:line: claim: rule: message) or json.",
                                            case_sensitive=False)] = LintFormat.plain,
) -> None:
    """Report what a curator should look at beyond validate.

    Hedged quotes stored as reported, numbers no quote gives, statements copied from their quotes,
    unlisted parties, one-way or missing related links. One line per finding: file:line: claim-id: rule-id: message (evidence). Exit 0 with findings,
    1 with --strict. A claim accepts a finding in its YAML: lint: {ignore: [rule-id], reason: "..."}.

    Example: alliance lint --strict --ignore near-copy
    """
    from ..curate.lint import check_rule_names, lint as run_lint
    from ..store import check, resolve_facts_dir

    check_rule_names(rule or (), "--rule")  # a mistyped rule is a usage error before any file is read
    check_rule_names(ignore or (), "--ignore")
    facts_dir = directory or resolve_facts_dir(_state.facts)
    places: dict[str, tuple[str, int]] = {}
    dataset, problems = check(facts_dir, places)
    if problems:
        raise AllianceError(*problems, "invalid data: fix what validate reports before linting")
    assert dataset is not None
    findings = run_lint(dataset, facts_dir, rules=rule or None, ignore=ignore or (), places=places)
    if fmt is LintFormat.json:
        from dataclasses import asdict

        from ..formats.json import SCHEMA_VERSION, dumps

        write_stdout(dumps({"schema_version": SCHEMA_VERSION, "findings": [asdict(f) for f in findings]}, indent=2) + "\n")
    else:
        from ..formats.view import one_line

        write_stdout("".join(one_line(str(f)) + "\n" for f in findings))
    claims = len({f.claim for f in findings})
    summary = (f"{len(findings)} finding{'s' * (len(findings) != 1)} in {claims} claim{'s' * (claims != 1)}"
               if findings else f"{len(dataset.claims)} claims: no findings")
    _stderr().print(summary, markup=False)
    if strict and findings:
        raise typer.Exit(1)
