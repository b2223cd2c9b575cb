"""The `alliance` command: parse arguments, call store and query, hand the result to a format."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional, TypeVar

import typer

from . import __version__
from .errors import AllianceError, UsageError
from .formats import OutputFormat
from .formats.view import Listing, Rows

EXIT_CODES = """\
Exit codes: 0 success; 1 invalid data, unknown name or failed check; 2 bad command line;
70 internal error (rerun with --debug or ALLIANCE_DEBUG=1 for the traceback)."""
EXIT_INTERNAL = 70

app = typer.Typer(
    name="alliance",
    help=f"Cited, checkable claims about Russia's alliances and partnerships.\n\n{EXIT_CODES}",
    invoke_without_command=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass(slots=True)
class State:
    facts: Path | None = None
    debug: bool = False
    no_color: bool = False
    no_cache: bool = False


_state = State()


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, no_color=_state.no_color or None, soft_wrap=True)


def _report(error: AllianceError) -> None:
    from rich.text import Text

    from .formats.view import visible

    console = _stderr()
    for problem in error.problems:
        console.print(Text(visible(f"error: {problem}" if not problem.file else str(problem))))


F = TypeVar("F", bound=Callable[..., Any])


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Register a command whose user errors become one-line messages and an exit code."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*a: Any, **k: Any) -> Any:
            try:
                return fn(*a, **k)
            except AllianceError as e:
                _report(e)
                raise typer.Exit(e.exit_code) from None
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except BrokenPipeError:
                _quiet_broken_pipe()
            except Exception as e:  # noqa: BLE001 - the one place unexpected errors are turned into words
                _internal_error(e)

        app.command(*args, **kwargs)(run)
        return fn

    return decorate


def _internal_error(e: Exception) -> NoReturn:
    # Exit 70 either way, so that a script can tell a bug from bad data (1) even under --debug.
    if _state.debug or os.environ.get("ALLIANCE_DEBUG") == "1":
        import traceback

        traceback.print_exception(e, file=sys.stderr)
    else:
        from rich.text import Text

        from .formats.view import one_line

        what = one_line(f"{type(e).__name__}: {e}")  # the message may carry data: keep it inert and on one line
        _stderr().print(Text(f"internal error (a bug in alliance-cli): {what}; "
                             "rerun with --debug or ALLIANCE_DEBUG=1 for the traceback"))
    raise typer.Exit(EXIT_INTERNAL) from None


def _quiet_broken_pipe() -> None:
    # The reader went away (`alliance claims | head -1`): stop quietly, as `cat` does.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise typer.Exit(0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"alliance-cli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    facts: Annotated[
        Optional[Path],
        typer.Option("--facts", envvar="ALLIANCE_FACTS", help="Facts directory to use instead of the shipped dataset.",
                     show_envvar=True, file_okay=False),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Print the traceback of internal errors.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", envvar="ALLIANCE_NO_CACHE", show_envvar=True,
                           help="Read the facts files directly; neither use nor write the cache of them.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Cited, checkable claims about Russia's alliances and partnerships."""
    _state.no_cache = no_cache
    _state.facts, _state.no_color, _state.debug = facts, no_color, debug
    if ctx.invoked_subcommand is None:
        # Bare `alliance` is a request for help, not a mistake: help on stdout, exit 0.
        typer.echo(ctx.get_help())
        raise typer.Exit()


def _dataset():
    from .cache import load
    from .store import resolve_facts_dir

    return load(resolve_facts_dir(_state.facts), use_cache=not _state.no_cache)


# ---- output ------------------------------------------------------------------------------

FormatOption = Annotated[
    Optional[OutputFormat],
    typer.Option("--format", "-f", help="Output format. Default: table on a terminal, plain (tab-separated) when piped.",
                 case_sensitive=False),
]
OutputOption = Annotated[
    Optional[str],  # text, not Path: Path("out/") drops the slash that says the user named a folder
    typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout; '-' is stdout.",
                 metavar="FILE"),
]


def emit(view: Listing | Rows, fmt: OutputFormat | None, output: str | None = None, bom: bool = False) -> None:
    """Render a view in the chosen format and write it to stdout or, atomically, to a file."""
    from .formats import render

    if fmt is None:
        fmt = OutputFormat.table if sys.stdout.isatty() and output is None else OutputFormat.plain
    rendered = render(view, fmt)
    if fmt is OutputFormat.table:
        from rich.console import Console

        console = Console(highlight=False, no_color=_state.no_color or None)
        for renderable in rendered:
            console.print(renderable)
        return
    text = ("\ufeff" if bom else "") + rendered
    if output is None or str(output) == "-":
        write_stdout(text)
    else:
        write_atomically(output, text.encode("utf-8"))


def write_stdout(text: str) -> None:
    """Data to stdout: exact in a pipe, inert on a terminal, and never a crash on a narrow encoding."""
    if sys.stdout.isatty():
        from .formats.view import terminal_safe

        # CSV stays exact in a file or a pipe, but a terminal would act on escapes in the data.
        text = terminal_safe(text)
    try:
        # A stdout that cannot encode a character (PYTHONIOENCODING=ascii, an old Windows console)
        # shows it as an escape rather than failing halfway through the output.
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    sys.stdout.write(text)
    sys.stdout.flush()


def write_atomically(name: str, data: bytes) -> None:
    """Write to a temporary file beside `name`, then rename: a failure leaves `name` as it was."""
    import tempfile

    from .errors import Problem

    path = Path(name)
    if name.endswith(("/", os.sep)) or path.is_dir():
        raise AllianceError(Problem("is a folder: give a file name to write to", name))
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = _file_mode(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise AllianceError(Problem(f"cannot write: {e.strerror or e}", str(path))) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the rename makes it the file
        os.chmod(tmp, mode)  # mkstemp makes it private (0600); the file should not change hands by being exported
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise AllianceError(Problem(f"cannot write: {e.strerror or e}", str(path))) from None
        raise


def _file_mode(path: Path) -> int:
    """An existing file's permissions, or what a new file gets: 0o666 less the umask."""
    import stat

    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ---- completion ----------------------------------------------------------------------------


def _complete_entities(incomplete: str) -> list[str]:
    return _complete(lambda ds: [n for e in ds.entities.values() for n in (e.id, *e.aliases)], incomplete)


def _complete_kinds(incomplete: str) -> list[str]:
    from .model import CLAIM_KINDS

    return sorted(k for k in CLAIM_KINDS if k.startswith(incomplete))


def _complete_sources(incomplete: str) -> list[str]:
    return _complete(lambda ds: list(ds.sources), incomplete)


def _complete_claims(incomplete: str) -> list[str]:
    return _complete(lambda ds: [c.id for c in ds.claims], incomplete)


def _complete(names: Callable[[Any], list[str]], incomplete: str) -> list[str]:
    # Completion must print nothing but candidates: a broken dataset simply completes nothing.
    try:
        candidates = names(_dataset())
    except Exception:  # noqa: BLE001
        return []
    low = incomplete.casefold()
    return sorted({n for n in candidates if n.casefold().startswith(low)})



# ---- commands ----------------------------------------------------------------------------


@command()
def show(
    name: Annotated[str, typer.Argument(help="A partner of Russia: id, name, alias or ISO code (iran, DPRK, kp).",
                                        autocompletion=_complete_entities)],
    fmt: FormatOption = None,
) -> None:
    """Everything on one partner of Russia, in date order, with numbered citations.

    Example: alliance show iran
    """
    from .query import claims_about, find_entity, order_with_related, sources_of

    ds = _dataset()
    entity = find_entity(ds, name)
    claims = order_with_related(claims_about(ds, entity))
    n_sources = len(sources_of(claims))
    codes = "/".join(c for c in (entity.iso2, entity.iso3) if c)
    title = f"{entity.name} ({entity.kind}{', ' + codes if codes else ''})"
    subtitle = f"{len(claims)} claim{'s' * (len(claims) != 1)} from {n_sources} source{'s' * (n_sources != 1)}"
    from .formats.view import record

    emit(Listing(ds, claims, title, subtitle, meta={"entity": record(entity)}), fmt)


@command()
def validate(
    directory: Annotated[
        Optional[Path], typer.Argument(help="Facts directory to check (default: the one in use).", file_okay=False)
    ] = None,
) -> None:
    """Check a facts directory and report every problem as file:line: field: message.

    Example: alliance validate ./my-facts
    """
    from .store import check, resolve_facts_dir

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
    from .verify import verify as run_verify

    if not sources.is_dir():
        raise AllianceError(f"{sources}: sources folder not found; nothing was verified")
    ds = _dataset()
    report = run_verify(ds, sources)
    if report.failures:
        from .errors import Problem

        problems = [
            Problem(f"{f.reason}" + (f": “{f.quote}”" if f.quote else ""), field=f"{f.claim}: {f.source}" if f.claim else f.source)
            for f in report.failures
        ]
        raise AllianceError(*problems, f"{len(report.failures)} citation check(s) failed")
    typer.echo(f"{report.quotes_checked} quotes checked, {report.sources_matched} of {len(ds.sources)} sources matched: all found")


@command()
def schema(
    kind: Annotated[str, typer.Argument(help="Which file: claims, sources or entities.")] = "claims",
) -> None:
    """Print the JSON Schema of one kind of facts file, for editors that validate YAML as you type.

    Example: alliance schema claims > claims.schema.json
    """
    from .schema import json_schema

    typer.echo(json_schema(kind))


@command("sources")
def sources_list(fmt: FormatOption = None) -> None:
    """Each source with how many claims cite it.

    Example: alliance sources
    """
    from .query import count_by

    ds = _dataset()
    counts = dict(count_by(ds.claims, "source"))
    rows = [(s.id, s.title, s.outlet, s.kind, counts.get(s.id, 0)) for s in ds.sources.values()]
    emit(Rows(("id", "title", "outlet", "kind", "claims"), rows, title="Sources", key="sources"), fmt)


# ---- filters shared by claims, timeline, treaties and export -------------------------------

DATE_HELP = (
    "Partial dates match by overlap: --year 2024 keeps 2024, 2024-10 and 2024-06-19; --since D keeps "
    "claims whose date reaches D or later (a claim dated 2024 matches --since 2024-06); --until D keeps "
    "claims that begin on or before the end of D. Undated claims match no date filter."
)


PartyOption = Annotated[
    Optional[list[str]],
    typer.Option("--party", "-p", help="Only claims naming this party (id, name, alias or ISO code); repeat for all of several.",
                 autocompletion=_complete_entities),
]
KindOption = Annotated[
    Optional[list[str]],
    typer.Option("--kind", "-k", help="Only claims of this kind (treaty, trade, troops, arms, ...); repeat for any of several.",
                 autocompletion=_complete_kinds),
]
StatusOption = Annotated[Optional[str], typer.Option("--status", help="reported, alleged, denied or disputed.")]
SourceOption = Annotated[
    Optional[str], typer.Option("--source", help="Only claims citing this source id.", autocompletion=_complete_sources)
]
SinceOption = Annotated[Optional[str], typer.Option("--since", help="Only claims reaching this date or later (YYYY[-MM[-DD]]).")]
UntilOption = Annotated[Optional[str], typer.Option("--until", help="Only claims beginning on or before this date (YYYY[-MM[-DD]]).")]
YearOption = Annotated[Optional[int], typer.Option("--year", help="Only claims whose date falls in this year.")]
SearchOption = Annotated[
    Optional[str], typer.Option("--search", "-s", help="Case-insensitive text in statements, quotes, names and ids.")
]
ContestedOption = Annotated[bool, typer.Option("--contested", help="Only alleged, denied or disputed claims.")]
SingleOption = Annotated[bool, typer.Option("--single-source", help="Only claims that rest on one source.")]
LimitOption = Annotated[
    Optional[int], typer.Option("--limit", "-n", min=0, help="At most N claims, the first in the output's order "
                                                             "(with --count-by: the first N counts).")
]


def _filters(ds: Any, party=None, kind=None, status=None, source=None, since=None, until=None, year=None,
             search=None, contested=False, single_source=False):
    from .query import make_filters

    return make_filters(ds, parties=party or (), kinds=kind or (), status=status, source=source, since=since,
                        until=until, year=year, search=search, contested=contested, single_source=single_source)


def _limited(claims: list, limit: int | None) -> list:
    return claims if limit is None else claims[:limit]


@command()
def claims(
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    count_by: Annotated[
        Optional[str], typer.Option("--count-by", help="Count claims by kind, party, status, source or year instead of listing them.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Claims that match every given filter, in date order.

    Example: alliance claims --party north-korea --kind arms --contested
    """
    from .query import count_by as facet, sort_key

    ds = _dataset()
    chosen = _filters(ds, party, kind, status, source, since, until, year, search, contested, single_source).apply(ds)
    if count_by:
        # Count every matching claim; --limit then keeps the first N rows of counts.
        rows = facet(chosen, count_by)
        emit(Rows((count_by, "claims"), _limited(rows, limit), title=f"Claims by {count_by}", key="counts"), fmt)
        return
    chosen = _limited(sorted(chosen, key=sort_key), limit)
    emit(Listing(ds, chosen, subtitle=f"{len(chosen)} claim{'s' * (len(chosen) != 1)}"), fmt)


@command()
def timeline(
    party: PartyOption = None, kind: KindOption = None, status: StatusOption = None, source: SourceOption = None,
    since: SinceOption = None, until: UntilOption = None, year: YearOption = None, search: SearchOption = None,
    contested: ContestedOption = False, single_source: SingleOption = False, limit: LimitOption = None,
    fmt: FormatOption = None,
) -> None:
    """All matching claims in date order, under a heading per year (oldest first).

    Example: alliance timeline --party china
    """
    from .query import sort_key

    ds = _dataset()
    chosen = _filters(ds, party, kind, status, source, since, until, year, search, contested, single_source).apply(ds)
    chosen = _limited(sorted(chosen, key=sort_key), limit)
    emit(Listing(ds, chosen, title="Timeline", by_year="oldest"), fmt)


@command()
def treaties(
    year: YearOption = None, since: SinceOption = None, until: UntilOption = None, party: PartyOption = None,
    fmt: FormatOption = None,
) -> None:
    """Treaties and agreements under a heading per year, newest first, with their obligations.

    Example: alliance treaties --year 2024
    """
    from .query import sort_key

    ds = _dataset()
    chosen = _filters(ds, party, ["treaty"], since=since, until=until, year=year).apply(ds)
    # Newest first, undated last: the order the year headings show, so citations number down the page.
    dated = sorted((c for c in chosen if c.date), key=sort_key, reverse=True)
    chosen = dated + [c for c in chosen if not c.date]
    emit(Listing(ds, chosen, title="Treaties and agreements", by_year="newest"), fmt)


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
    filters = _filters(ds, party, kind, status, source, since, until, year, search, contested, single_source)
    chosen = _limited(filters.apply(ds), limit)
    everything = len(chosen) == len(ds.claims)
    if fmt is OutputFormat.sqlite:
        if output is None or str(output) == "-":
            raise UsageError("--format sqlite writes a database file: give --output FILE")
        from .formats.sqlite import database

        write_atomically(output, database(Listing(ds, chosen, everything=everything)))
        return
    emit(Listing(ds, chosen, everything=everything), fmt, output, bom=excel and fmt is OutputFormat.csv)


@command("source")
def source_show(
    source_id: Annotated[str, typer.Argument(metavar="ID", help="A source id (see `alliance sources`).",
                                             autocompletion=_complete_sources)],
    fmt: FormatOption = None,
) -> None:
    """One source: its metadata and every claim citing it.

    Example: alliance source rksnews-strategic-partnerships
    """
    from .formats.view import record, source_line
    from .query import find_source, order_with_related

    ds = _dataset()
    src = find_source(ds, source_id)
    chosen = order_with_related([c for c in ds.claims if any(cit.source == src.id for cit in c.citations)])
    details = [f"{len(chosen)} claims", f"archive {src.archive} (sha256 {src.sha256[:12]}…)"]
    if src.byline:
        details.insert(0, f"by {src.byline}")
    if src.cites:
        details.append("cites " + ", ".join(src.cites))
    if src.url:
        details.append(src.url)
    emit(Listing(ds, chosen, source_line(src), "; ".join(details), meta={"source": record(src)}), fmt)


@command("claim")
def claim_show(
    claim_id: Annotated[str, typer.Argument(metavar="ID", help="A claim id.", autocompletion=_complete_claims)],
    fmt: FormatOption = None,
) -> None:
    """One claim in full: every field, all citations with quotes, then its related claims.

    Example: alliance claim russia-iran-treaty-2025
    """
    from .query import find_claim

    ds = _dataset()
    claim = find_claim(ds, claim_id)
    related = [ds.claims_by_id[r] for r in claim.related]
    subtitle = f"related claims follow: {', '.join(claim.related)}" if related else "no related claims"
    emit(Listing(ds, [claim, *related], f"Claim {claim.id}", subtitle), fmt)


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
    from .formats import cite as citations
    from .query import find_claim

    ds = _dataset()
    claim = find_claim(ds, claim_id)
    render = {CiteFormat.text: citations.text, CiteFormat.bibtex: citations.bibtex, CiteFormat.csl_json: citations.csl_json}
    write_stdout(render[fmt](ds, claim))


@command()
def about(fmt: FormatOption = None) -> None:
    """What the dataset is: version, date, counts by kind, and how to cite it.

    Example: alliance about
    """
    from . import DATASET_DATE
    from .query import about_rows
    from .store import resolve_facts_dir, shipped_facts_dir

    ds = _dataset()
    rows = about_rows(ds, resolve_facts_dir(_state.facts), __version__, (shipped_facts_dir(), DATASET_DATE))
    emit(Rows(("item", "value"), rows, title="About the alliance-cli dataset", key="about"), fmt)


@command()
def figures(party: PartyOption = None, kind: KindOption = None, fmt: FormatOption = None) -> None:
    """Numeric claims grouped into series (e.g. trade by year), with a bar chart on a terminal.

    Example: alliance figures --party china --kind trade
    """
    from .query import series

    ds = _dataset()
    chosen = _filters(ds, party, kind).apply(ds)
    emit(series(ds, chosen), fmt)


def main() -> None:
    app()
