"""The `alliance` command: parse arguments, call store and query, hand the result to a format."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
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
    no_args_is_help=True,
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
    facts: Annotated[
        Optional[Path],
        typer.Option("--facts", envvar="ALLIANCE_FACTS", help="Facts directory to use instead of the shipped dataset.",
                     show_envvar=True, file_okay=False),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Print the traceback of internal errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Cited, checkable claims about Russia's alliances and partnerships."""
    _state.facts, _state.no_color, _state.debug = facts, no_color, debug


def _dataset():
    from .store import load, resolve_facts_dir

    return load(resolve_facts_dir(_state.facts))


# ---- output ------------------------------------------------------------------------------

FormatOption = Annotated[
    Optional[OutputFormat],
    typer.Option("--format", "-f", help="Output format. Default: table on a terminal, plain (tab-separated) when piped.",
                 case_sensitive=False),
]
OutputOption = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout; '-' is stdout.", dir_okay=False),
]


def emit(view: Listing | Rows, fmt: OutputFormat | None, output: Path | None = None, bom: bool = False) -> None:
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
        if sys.stdout.isatty():
            from .formats.view import terminal_safe

            # CSV stays exact in a file or a pipe, but a terminal would act on escapes in the data.
            text = terminal_safe(text)
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomically(output, text.encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a failure leaves `path` as it was."""
    import tempfile

    from .errors import Problem

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


# ---- commands ----------------------------------------------------------------------------


@command()
def show(
    name: Annotated[str, typer.Argument(help="A partner of Russia: id, name, alias or ISO code (iran, DPRK, kp).")],
    fmt: FormatOption = None,
) -> None:
    """Everything on one partner of Russia, in date order, with numbered citations.

    Example: alliance show iran
    """
    from .query import claims_about, find_entity, order_with_related, sources_of

    ds = _dataset()
    entity = find_entity(ds, name)
    claims = order_with_related(claims_about(ds, entity))
    n_sources = len(sources_of(ds, claims))
    codes = "/".join(c for c in (entity.iso2, entity.iso3) if c)
    title = f"{entity.name} ({entity.kind}{', ' + codes if codes else ''})"
    subtitle = f"{len(claims)} claim{'s' * (len(claims) != 1)} from {n_sources} source{'s' * (n_sources != 1)}"
    from .formats.view import record

    emit(Listing(ds, claims, title, subtitle, meta={"entity": record(entity)}), fmt)


@command()
def export(
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="csv, json or jsonl (plain and markdown work too).",
                                   case_sensitive=False)
    ] = OutputFormat.json,
    output: OutputOption = None,
    excel: Annotated[bool, typer.Option("--excel", "--bom", help="Start CSV with a UTF-8 byte order mark, for Excel.")] = False,
) -> None:
    """Every claim, with its citations, as CSV or JSON.

    Example: alliance export --format csv --output claims.csv
    """
    if fmt is OutputFormat.table:
        raise UsageError("export writes data: choose --format csv, json, jsonl, plain or markdown")
    ds = _dataset()
    emit(Listing(ds, list(ds.claims), everything=True), fmt, output, bom=excel and fmt is OutputFormat.csv)


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
        raise AllianceError(*problems, f"{len(problems)} problem{'s' * (len(problems) != 1)} found")
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
    ds = _dataset()
    counts = {sid: 0 for sid in ds.sources}
    for claim in ds.claims:
        for sid in {c.source for c in claim.citations}:
            counts[sid] += 1
    rows = [(s.id, s.title, s.outlet, s.kind, counts[s.id]) for s in ds.sources.values()]
    emit(Rows(("id", "title", "outlet", "kind", "claims"), rows, title="Sources", key="sources"), fmt)


def main() -> None:
    app()
