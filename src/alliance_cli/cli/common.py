"""What every command shares: the Typer app, the command wrapper, shared options, the dataset and emit()."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional, TypeVar

import typer

from .. import __version__
from ..errors import AllianceError
from ..formats import OutputFormat
from ..formats.view import Listing, Rows

EXIT_CODES = """\
Exit codes: 0 success; 1 invalid data or failed check; 2 bad command line; 3 no such
name or id; 70 internal error (rerun with --debug or ALLIANCE_DEBUG=1 for the traceback)."""
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

    from ..formats.view import visible

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

        from ..formats.view import one_line

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
    from ..cache import load
    from ..store import resolve_facts_dir

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
    from ..formats import render

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
        from ..formats.view import terminal_safe

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

    from ..errors import Problem

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
    from ..model import CLAIM_KINDS

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
    Optional[str], typer.Option("--search", "-s", metavar="QUERY",
                                help="Only claims matching QUERY, in the query language of `alliance search` "
                                     "(all words, \"a phrase\", OR, -word, prefix*); the order stays this command's.")
]
ContestedOption = Annotated[bool, typer.Option("--contested", help="Only alleged, denied or disputed claims.")]
SingleOption = Annotated[bool, typer.Option("--single-source", help="Only claims that rest on one source.")]
LimitOption = Annotated[
    Optional[int], typer.Option("--limit", "-n", min=0, help="At most N claims, the first in the output's order "
                                                             "(with --count-by: the first N counts).")
]


def _select(ds: Any, party=None, kind=None, status=None, source=None, since=None, until=None, year=None,
            search=None, contested=False, single_source=False, *, sort: str | None = "date",
            limit: int | None = None) -> list:
    """The claims a listing shows, chosen by the Python API's own `Data.claims`, so the two cannot drift."""
    from ..api import Data

    return list(Data(ds).claims(party=party, kind=kind, status=status, source=source, since=since, until=until,
                                year=year, search=search, contested=contested, single_source=single_source,
                                sort=sort, limit=limit))


def _limited(claims: list, limit: int | None) -> list:
    return claims if limit is None else claims[:limit]



def main() -> None:
    app()
