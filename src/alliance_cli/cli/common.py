"""What every command shares: the Typer app, the command wrapper, shared options, the dataset and emit()."""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer._click.exceptions import ClickException, NoSuchOption
from typer.models import TyperPath

from .. import __version__
from ..errors import AllianceError, UsageError
from ..formats import FILE_FORMATS, OutputFormat
from ..formats.view import Listing, Rows
from .output import ReaderGone, print_renderables, terminal_width, to_stdout, write_file

EXIT_CODES = """\
Exit codes: 0 success; 1 invalid data or failed check; 2 bad command line; 3 no such
name or id; 70 internal error (rerun with --debug or ALLIANCE_DEBUG=1 for the traceback)."""
EXIT_INTERNAL = 70

# How `alliance --help` lists the commands: under these headings, in this order. A new command
# takes its place here by name; one named nowhere is listed last, under "Other commands".
HELP_GROUPS = (
    ("Looking up", ("show", "claims", "search", "timeline", "treaties", "figures", "entities", "claim", "source",
                    "sources", "about")),
    ("Citing and exporting", ("cite", "export")),
    ("Checking data", ("validate", "verify", "lint", "schema", "quote", "add", "diff")),
)


class _OneValueEach:
    """An option that takes one value refuses a second, different one (`--year 2023 --year 2024`),
    which click would silently let replace the first: a filter dropped without a word. Flags and
    options that take several values (`--party`, `--kind`) repeat freely; the same value twice is fine."""

    def make_parser(self, ctx: Any) -> Any:
        parser = super().make_parser(ctx)  # type: ignore[misc]
        options = {id(o): o for o in (*parser._long_opt.values(), *parser._short_opt.values())}.values()
        for option in options:
            if option.action == "store":
                option.process = _once(option, ctx)
        return parser


def _once(option: Any, ctx: Any) -> Any:
    process = option.process

    def checked(value: Any, state: Any) -> None:
        if option.dest in state.opts and state.opts[option.dest] != value and not ctx.resilient_parsing:
            name = max(option.obj.opts, key=len)
            ctx.fail(f"{name} takes one value, and was given two: {state.opts[option.dest]!r} and {value!r}; "
                     "give it once")
        process(value, state)

    return checked


class _Command(_OneValueEach, TyperCommand):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # click's parser uses up the list it is given
        try:
            return super().parse_args(ctx, args)
        except NoSuchOption as e:
            # `alliance search "-iran drones"`: a query (or name) that starts with '-' reads as options.
            arguments = [p for p in self.params if isinstance(p, TyperArgument)]
            if arguments and not e.possibilities and any(a.startswith(e.option_name) for a in given):
                e.message += f"; a value that starts with '-' goes after '--': {self._after_dashes(ctx, given, arguments)}"
            raise

    def _after_dashes(self, ctx: Any, given: list[str], arguments: list[Any]) -> str:
        """The command line again with its values after `--`: one quoted value where the command takes one."""
        import shlex

        takes = {name: not (o.is_flag or o.count) for o in self.params if isinstance(o, TyperOption)
                 for name in (*o.opts, *o.secondary_opts)}
        options, values, i = [], [], 0
        while i < len(given):
            name = given[i].split("=", 1)[0]
            if name in takes:
                step = 2 if takes[name] and "=" not in given[i] else 1
                options += given[i:i + step]
                i += step
            else:
                values.append(given[i])
                i += 1
        if len(arguments) == 1 and arguments[0].nargs == 1:
            values = [" ".join(values)]
        return shlex.join([*ctx.command_path.split(), *options, "--", *values])


class _Group(_OneValueEach, TyperGroup):
    """Lists commands in HELP_GROUPS' order and under its headings (plain text, as the rest of the help
    is; Typer's own help panels need its rich help formatting), and accepts global options after the
    command."""

    def list_commands(self, ctx: Any) -> list[str]:
        named = [n for _, names in HELP_GROUPS for n in names if n in self.commands]
        return named + [n for n in self.commands if n not in named]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        listed = self.list_commands(ctx)
        groups = [(heading, [n for n in names if n in self.commands]) for heading, names in HELP_GROUPS]
        groups.append(("Other commands", [n for n in listed if not any(n in names for _, names in HELP_GROUPS)]))
        width = max((len(n) for n in listed), default=0)  # one column of names across the headings
        for heading, names in groups:
            rows = [(n.ljust(width), self.commands[n].get_short_help_str()) for n in names if not self.commands[n].hidden]
            if rows:
                with formatter.section(heading):
                    formatter.write_dl(rows)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args[-1:] == ["--show-completion"]:
            args = [*args, "auto"]  # the shell named by $SHELL; click has no option with an optional value
        hoisted = hoist_global_options(args, self.commands)
        if not ctx.resilient_parsing and hoisted[-1:] and GLOBAL_OPTIONS.get(hoisted[-1]):
            # `show iran --facts`: say what is missing, not that `show` has no --facts option.
            from typer._click.exceptions import UsageError as ClickUsageError

            raise ClickUsageError(f"Option '{hoisted[-1]}' requires an argument.", ctx)
        return super().parse_args(ctx, hoisted)


def summary(doc: str | None) -> str:
    """A command's one-line summary for `--help`: the first paragraph of its docstring, in full."""
    return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())


# Options that belong to `alliance` itself, with how many values each takes. A user may give them
# after the command too (`alliance show iran --no-color`): the group moves them in front of it
# before parsing. A new global option is one entry here plus its declaration in main_options.
GLOBAL_OPTIONS = {"--facts": 1, "--no-color": 0, "--no-cache": 0, "--no-pager": 0, "--debug": 0}


GLOBAL_HELP = (f"Global options ({', '.join(o + ' DIR' * n for o, n in GLOBAL_OPTIONS.items())}) "
               "work before or after the command; see alliance --help.")


def hoist_global_options(args: list[str], commands: Any) -> list[str]:
    """`show iran --no-color --facts D` as `--no-color --facts D show iran`; nothing after `--` moves."""
    i = 0
    while i < len(args) and args[i] not in commands and "--" not in args[i: i + 1 + GLOBAL_OPTIONS.get(args[i], 0)]:
        i += GLOBAL_OPTIONS.get(args[i], 0) + 1  # skip a global option's value: `--facts show` names a folder
    if i >= len(args) or args[i] not in commands:
        return args  # no command, or a `--` before it: nothing moves
    before, after, moved = args[: i + 1], [], []
    rest = args[i + 1:]
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            after += rest[j:]
            break
        takes = GLOBAL_OPTIONS.get(arg, 0)  # `--facts=D` carries its value
        value = rest[j + 1: j + 1 + takes]
        if arg.split("=", 1)[0] in GLOBAL_OPTIONS and len(value) == takes and "--" not in value:  # else click says so
            moved += rest[j: j + 1 + takes]
            j += 1 + takes
        else:
            after.append(arg)
            j += 1
    return moved + before + after


app = typer.Typer(
    name="alliance",
    cls=_Group,
    help=f"Cited, checkable claims about Russia's alliances and partnerships.\n\n{EXIT_CODES}",
    invoke_without_command=True,
    add_completion=False,  # completion.py: our own --show-completion SHELL and completion classes
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
    no_pager: bool = False


_state = State()


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, no_color=_state.no_color or None, soft_wrap=True)


def _report(error: AllianceError) -> None:
    from rich.text import Text

    from ..formats.view import one_line

    console = _stderr()
    for problem in error.problems:
        # One line each, whatever the file's name or the quote holds: a newline in `claims/a<LF>b.yaml`
        # would otherwise make one problem look like two.
        console.print(Text(one_line(f"error: {problem}" if not problem.file else str(problem))))


class _ParseError(ClickException):
    """A usage error found while click parses the command line (in an option's callback), reported as
    every other one is: one line, `error: ...`, exit 2."""

    exit_code = 2

    def __init__(self, error: UsageError) -> None:
        super().__init__(str(error))
        self.error = error

    def show(self, file: Any = None) -> None:
        _report(self.error)


F = TypeVar("F", bound=Callable[..., Any])


def command(*args: Any, group: typer.Typer | None = None, **kwargs: Any) -> Callable[[F], F]:
    """Register a command (on `group`, a sub-command group, if given) whose user errors become
    one-line messages and an exit code."""

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
            except (BrokenPipeError, ReaderGone):
                _quiet_broken_pipe()
            except Exception as e:  # noqa: BLE001 - the one place unexpected errors are turned into words
                _internal_error(e)

        # The whole summary, never click's cut at the first full stop or at 45 characters.
        kwargs.setdefault("short_help", summary(fn.__doc__))
        kwargs.setdefault("epilog", GLOBAL_HELP)
        kwargs.setdefault("cls", _Command)
        (group or app).command(*args, **kwargs)(run)
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


def _show_completion(value: Optional[str]) -> None:
    if value is not None:
        from .completion import detect_shell, script

        try:
            typer.echo(script(detect_shell() if value == "auto" else value), nl=False)
        except AllianceError as e:
            _report(e)
            raise typer.Exit(e.exit_code) from None
        raise typer.Exit()


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
                     show_envvar=True, click_type=folder_path()),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Print the traceback of internal errors.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", envvar="ALLIANCE_NO_CACHE", show_envvar=True,
                           help="Read the facts files directly; neither use nor write the cache of them.")
    ] = False,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Print straight to the terminal, never through a pager.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    show_completion: Annotated[
        Optional[str], typer.Option("--show-completion", callback=_show_completion, is_eager=True,
                                    metavar="[bash|zsh|fish]", expose_value=False,
                                    help="Print the completion script for a shell (default: $SHELL's), to source "
                                         "from its start-up file.")
    ] = None,
) -> None:
    """Cited, checkable claims about Russia's alliances and partnerships."""
    _state.no_cache, _state.no_pager = no_cache, no_pager
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

def _formats(name: str, *leave_out: OutputFormat) -> Any:
    """The output formats but some, as an Enum of their own: `--help` and shell completion offer a
    command exactly the formats it accepts, and any other is a bad command line (exit 2)."""
    return Enum(name, [(f.name, f.value) for f in OutputFormat if f not in leave_out], type=str)


ViewFormat = _formats("ViewFormat", *FILE_FORMATS)  # sqlite and datapackage write files: `export` only
ExportFormat = _formats("ExportFormat", OutputFormat.table)  # export writes data, never a terminal table

FormatOption = Annotated[
    Optional[ViewFormat],
    typer.Option("--format", "-f", help="Output format. Default: table on a terminal, plain (tab-separated) when piped.",
                 case_sensitive=False),
]
def _output_value(value: str | None) -> str | None:
    if value == "":
        raise _ParseError(UsageError("--output: the file name is empty (is a shell variable unset?); give a file "
                                     "name, or - for standard output"))
    return value


OutputOption = Annotated[
    Optional[str],  # text, not Path: Path("out/") drops the slash that says the user named a folder
    typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout; '-' is stdout.",
                 metavar="FILE", callback=_output_value),
]


def emit(view: Listing | Rows, chosen: Enum | None, output: str | None = None, bom: bool = False) -> None:
    """Render a view in the chosen format and write it to stdout or, atomically, to a file."""
    from ..formats import render

    if chosen is None:
        fmt = OutputFormat.table if sys.stdout.isatty() and output is None else OutputFormat.plain
    else:
        fmt = OutputFormat(chosen.value)
    rendered = render(view, fmt)
    if fmt is OutputFormat.table:
        from rich.console import Console

        console = Console(highlight=False, no_color=_state.no_color or None, width=terminal_width())
        print_renderables(console, rendered, page=not _state.no_pager)
        return
    text = ("\ufeff" if bom else "") + rendered
    if output is None or str(output) == "-":
        write_stdout(text)
    else:
        write_file(output, text.encode("utf-8"))


def write_stdout(text: str) -> None:
    """Data to stdout: exact in a pipe, inert on a terminal (and paged when taller than it)."""
    if sys.stdout.isatty():
        from ..formats.view import terminal_safe

        # CSV stays exact in a file or a pipe, but a terminal would act on escapes in the data.
        text = terminal_safe(text)
    to_stdout(text, page=not _state.no_pager)


# ---- completion ----------------------------------------------------------------------------


# Each completer takes the click context, so that `--facts DIR` given earlier on the line is honoured,
# and returns every candidate: completion.py matches them to what was typed, case-insensitively.


def _complete_entities(ctx: typer.Context) -> list[str]:
    return _complete(ctx, lambda ds: [n for e in ds.entities.values() for n in (e.id, *e.aliases)])


def _complete_sources(ctx: typer.Context) -> list[str]:
    return _complete(ctx, lambda ds: list(ds.sources))


def _complete_claims(ctx: typer.Context) -> list[str]:
    return _complete(ctx, lambda ds: [c.id for c in ds.claims])


def _complete_kinds() -> list[str]:
    from ..model import CLAIM_KINDS

    return sorted(CLAIM_KINDS)


def _complete_statuses() -> list[str]:
    from ..model import STATUSES

    return list(STATUSES)


def _complete_sorts() -> list[str]:
    from ..query import SORTS

    return list(SORTS)


def _complete_count_by() -> list[str]:
    from ..query import COUNT_BY

    return list(COUNT_BY)


def _complete(ctx: typer.Context, names: Callable[[Any], list[str]]) -> list[str]:
    # Completion must print nothing but candidates: a broken dataset simply completes nothing.
    try:
        facts = ctx.find_root().params.get("facts")  # parsed leniently: may still be text
        from ..cache import load
        from ..store import resolve_facts_dir

        return sorted(set(names(load(resolve_facts_dir(Path(facts) if facts else None), use_cache=not _state.no_cache))))
    except Exception:  # noqa: BLE001
        return []


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
StatusOption = Annotated[Optional[str], typer.Option("--status", help="reported, alleged, denied or disputed.",
                                                     autocompletion=_complete_statuses)]
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


SORT_HELP = (
    "Order by date (undated last), kind, status (reported, alleged, denied, disputed), sources (most "
    "distinct sources first) or id; ties in date order."
)


class _GivenPath(TyperPath):
    """click's Path check, and an empty value refused: `--facts "$UNSET"` must not mean the current folder."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, (str, bytes)) and not value:
            self.fail("an empty path names no file or folder (is a shell variable unset?)", param, ctx)
        return super().convert(value, param, ctx)


def folder_path() -> Any:
    """The click type of an option or argument naming a folder (`click_type=folder_path()`)."""
    return _GivenPath(file_okay=False)


def file_path() -> Any:
    """The click type of one naming a file to read."""
    return _GivenPath(dir_okay=False)


def not_blank(param: typer.CallbackParam, value: Any) -> Any:
    """A callback for an option or argument of text that has no meaning empty: `--title ''` (an unset
    shell variable) would otherwise be stored as an empty field, or `diff ''` read the current folder."""
    if any(isinstance(v, str) and not v.strip() for v in (value if isinstance(value, (list, tuple)) else [value])):
        name = max(param.opts, key=len) if param.param_type_name == "option" else param.human_readable_name
        raise _ParseError(UsageError(f"{name}: the value is empty or only white space (is a shell variable unset?)"))
    return value


SourcesOption = Annotated[
    Path, typer.Option("--sources", help="Folder holding the archived source texts.", click_type=folder_path())
]


def _sort_value(value: str | None) -> str | None:
    """--sort's value checked as it is parsed: `--sort ''` is a bad command line, never the default order."""
    from ..query import SORTS, choice

    try:
        return None if value is None else choice("--sort", value, SORTS)
    except UsageError as e:
        raise _ParseError(e) from None


SortOption = Annotated[
    Optional[str], typer.Option("--sort", help=SORT_HELP, metavar="date|kind|status|sources|id",
                                autocompletion=_complete_sorts, callback=_sort_value)
]
ReverseOption = Annotated[
    bool, typer.Option("--reverse", "-r", help="The order turned round (--sort date --reverse: newest first); "
                                               "undated claims stay last.")
]


def _select(ds: Any, party=None, kind=None, status=None, source=None, since=None, until=None, year=None,
            search=None, contested=False, single_source=False, *, sort: str | None = "date", reverse: bool = False,
            limit: int | None = None) -> list:
    """The claims a listing shows, chosen by the Python API's own `Data.claims`, so the two cannot drift.

    A date filter that leaves out undated claims says so on stderr.
    """
    from ..api import Data

    filters = dict(party=party, kind=kind, status=status, source=source, since=since, until=until, year=year,
                   search=search, contested=contested, single_source=single_source)
    data = Data(ds)
    chosen = list(data.claims(**filters, sort=sort, reverse=reverse, limit=limit))
    _say_undated_left_out(data, filters)
    return chosen


def _say_undated_left_out(data: Any, filters: dict[str, Any]) -> None:
    """On stderr: how many undated claims the date filters leave out, if any."""
    left_out = data.undated_left_out(**filters)
    if left_out:
        are = "claims are" if left_out != 1 else "claim is"
        _stderr().print(f"{left_out} undated {are} not matched by date filters", markup=False)


def _limited(claims: list, limit: int | None) -> list:
    return claims if limit is None else claims[:limit]


def _only_the_command_asked_for(args: list[str]) -> None:
    """Leave registered only the command a run asks for: Typer turns every registered function into a
    click command on every run, a fifth of a cached run. `--help` without a command, a mistyped
    command (which click answers with the names it knows) and completion keep them all."""
    from typer.main import get_command_name

    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i += 1 + GLOBAL_OPTIONS.get(args[i], 0)
    if i >= len(args) or any(not a.startswith("--facts") and a not in GLOBAL_OPTIONS for a in args[:i]
                             if a.startswith("-")):
        return  # `alliance --help show` is the whole app's help; an unknown option is click's to name
    word = args[i]
    commands = [c for c in app.registered_commands if (c.name or get_command_name(c.callback.__name__)) == word]
    groups = [g for g in app.registered_groups if g.typer_instance.info.name == word]
    if commands or groups:
        app.registered_commands[:], app.registered_groups[:] = commands, groups


def main() -> None:
    """The `alliance` command: every write to stdout complete or an error, Typer's own help included."""
    from .output import guard_stdio

    if os.environ.get("_ALLIANCE_COMPLETE"):
        from .completion import register

        register()
    else:
        _only_the_command_asked_for(sys.argv[1:])
    guard_stdio()
    try:
        app(prog_name="alliance")
    except ReaderGone:  # help or version into a closed pipe
        raise SystemExit(0) from None
    except AllianceError as e:  # help or version that could not be written
        _report(e)
        raise SystemExit(e.exit_code) from None
