"""Commands that grow and compare the dataset: quote, add source, add claim, diff."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AllianceError, Problem
from ..formats import OutputFormat
from ..formats.view import one_line, visible
from .common import (
    GLOBAL_HELP,
    FormatOption,
    SourcesOption,
    _complete_sources,
    _dataset,
    _state,
    _stderr,
    app,
    command,
    emit,
    file_path,
    not_blank,
    terminal_width,
    write_stdout,
)
from .output import print_renderables, write_atomically

MAX_PLACES = 20  # where a quote occurs, listed; past that, counted


@command()
def quote(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="The source id.", autocompletion=_complete_sources)],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The passage as you remember it: case, spacing, quotes and a word "
                                             "or two may differ.")],
    sources: SourcesOption,
) -> None:
    """Find a passage typed loosely in an archived text, verbatim.

    Prints the passage as written in the archive (each run of white space as one space), where it is
    and how it differs from TEXT, a line of context either side, and every other place it occurs.
    Exits 1, showing the closest passage, when nothing is close enough (a word or two different,
    or one in five for a long quote).

    Example: alliance quote top-allies-slideshow "north korean soldiers being issued uniforms" --sources ../shared/sources
    """
    from ..curate.matcher import context, describe, open_archive
    from ..query import find_source

    if not text.strip():
        from ..errors import UsageError

        raise UsageError("TEXT is empty: give the words to look for")
    record = find_source(_dataset(), source)
    archive = open_archive(record.archive, sources, record.id)
    found = archive.find(text)
    if not found.good:
        raise AllianceError(Problem(f"quote not found in {record.archive}", field=record.id), *_closest(record, found))
    best = found.best
    how = f"differs from TEXT: {describe(best.differences)}" if best.differences else "matches TEXT"
    out = [best.text, f"at {record.archive}:{best.line}; {how}", ""]
    lines = context(archive, best)
    digits = len(str(lines[-1][0]))
    out += [f"{'>' if inside else ' '} {number:>{digits}} | {line}".rstrip() for number, inside, line in lines]
    n = len(found.passages)
    places = ", ".join(f"{record.archive}:{p.line}" for p in found.passages[:MAX_PLACES])
    more = f", and {n - MAX_PLACES:,} more" if n > MAX_PLACES else ""
    out += ["", "occurs once" if n == 1 else f"occurs {n:,} times: {places}{more}"]
    write_stdout(visible("\n".join(out) + "\n"))


def _closest(source, found) -> list[str]:
    """The line that shows the passage closest to a quote that was not found, if there is one."""
    from ..curate.matcher import describe

    if not found.passages:
        return []
    best = found.best
    return [f"closest passage at {source.archive}:{best.line} differs: {describe(best.differences)}: “{best.text}”"]


add_app = typer.Typer(
    name="add",
    epilog=GLOBAL_HELP,
    invoke_without_command=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(add_app, short_help="Add a source or a claim to the facts files, keeping their layout.")


@add_app.callback()
def add(ctx: typer.Context) -> None:
    """Add a source or a claim to the facts files, keeping their layout.

    Example: alliance add source article.txt --id tass-2024 --title "..." --kind article --sources DIR
    """
    if ctx.invoked_subcommand is None:
        # Bare `alliance add` asks what it can add, as bare `alliance` does: help on stdout, exit 0.
        typer.echo(ctx.get_help())
        raise typer.Exit()

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Check and print what would be appended; write nothing.")
]


def _entity_ids(ds, names: list[str] | None) -> list[str]:
    from ..query import find_entity

    return [find_entity(ds, name).id for name in names or ()]


@command("source", group=add_app)
def add_source(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The text of the source, as archived (UTF-8).",
                                               click_type=file_path())],
    id: Annotated[str, typer.Option("--id", callback=not_blank, help="The new source id (a slug).")],
    title: Annotated[str, typer.Option("--title", callback=not_blank, help="Its title.")],
    kind: Annotated[str, typer.Option("--kind", callback=not_blank, help="article, blog-post, essay, slideshow, podcast or report.")],
    sources: SourcesOption,
    outlet: Annotated[Optional[str], typer.Option("--outlet", callback=not_blank, help="Who published it.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", callback=not_blank, help="Where it was published.")] = None,
    published: Annotated[Optional[str], typer.Option("--published", callback=not_blank, help="When (YYYY[-MM[-DD]]).")] = None,
    byline: Annotated[Optional[str], typer.Option("--byline", callback=not_blank, help="Its author(s).")] = None,
    cites: Annotated[Optional[list[str]], typer.Option("--cites", callback=not_blank, help="A source it cites in turn; repeat for several.")] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Archive a source's text and append its record to sources.yaml.

    The record carries the text's sha256. The text is copied to DIR/ID.txt (or ID.md, ID.html: a plain extension of the file's is kept).
    Nothing is written unless the whole facts directory validates with the new record in it.

    Example: alliance add source article.txt --id tass-2024 --title "..." --kind article --sources ../shared/sources
    """
    import hashlib
    import re
    from typing import get_args

    from ..curate.edit import append, check_with, date_scalar, flow_list, one_of, scalar, slug
    from ..curate.matcher import read_archive, read_text_file
    from ..model import SourceKind
    from ..store import SOURCES_FILE, _display, resolve_facts_dir

    if str(file) == "-":  # not read: a pipe has no size to check first, and the archive is named after a file's extension
        from ..errors import UsageError

        raise UsageError("FILE: standard input ('-') is not read; save the source's text to a file and give its name")
    slug(id, "--id")
    one_of(kind, get_args(SourceKind), "--kind")
    _dataset()  # the facts as they are must be valid before anything is added to them
    if not sources.is_dir():
        raise AllianceError(Problem("sources folder not found", str(sources)))
    data = read_text_file(file, "the source")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AllianceError(Problem(f"not UTF-8 text (byte {e.start}): save the source as UTF-8 first", str(file))) from None
    suffix = file.suffix.lower()
    archive = sources / f"{id}{suffix if re.fullmatch(r'[.][a-z0-9]{1,8}', suffix) else '.txt'}"
    # An archive already there is read as any archive is: no pipe or device to wait on, no link out.
    if (archive.exists() or archive.is_symlink()) and read_archive(sources, archive.name, "the archive") != data:
        raise AllianceError(Problem("already exists with other content: choose another --id or remove it", str(archive)))
    facts_dir = resolve_facts_dir(_state.facts)
    fields = [
        ("id", id), ("title", scalar(title)), ("outlet", outlet and scalar(outlet)), ("kind", kind),
        ("byline", byline and scalar(byline)), ("published", published and date_scalar(published, "--published")),
        ("url", url and scalar(url)), ("cites", cites and flow_list(cites)), ("archive", scalar(archive.name)),
        ("sha256", hashlib.sha256(data).hexdigest()),
    ]
    path = facts_dir / SOURCES_FILE
    changed = append(path, "sources", fields, _display(path))
    check_with(facts_dir, changed)
    if dry_run:
        write_stdout(visible(changed.record))
        return
    copied = not archive.exists()
    if copied:
        write_atomically(str(archive), data)
    try:
        write_atomically(str(path), changed.text.encode("utf-8"))
    except BaseException:
        if copied:
            archive.unlink(missing_ok=True)
        raise
    write_stdout(f"added source {id} at {_display(path)}:{changed.line}; archived as {archive}\n")


@command("claim", group=add_app)
def add_claim(
    file: Annotated[str, typer.Option("--file", callback=not_blank, help="Claims file, relative to the facts directory "
                                                     "(claims/NAME.yaml); created if new.")],
    id: Annotated[str, typer.Option("--id", callback=not_blank, help="The new claim id (a slug).")],
    kind: Annotated[str, typer.Option("--kind", callback=not_blank, help="treaty, trade, troops, arms, ...")],
    party: Annotated[list[str], typer.Option("--party", callback=not_blank, help="A party (id, name or alias); repeat for each.")],
    statement: Annotated[str, typer.Option("--statement", callback=not_blank, help="The claim in your own words.")],
    source: Annotated[str, typer.Option("--source", callback=not_blank, help="The source id the quote is from.",
                                        autocompletion=_complete_sources)],
    quote_text: Annotated[str, typer.Option("--quote", callback=not_blank, help="The supporting passage; stored as the archive writes it.")],
    sources: SourcesOption,
    date: Annotated[Optional[str], typer.Option("--date", callback=not_blank, help="YYYY[-MM[-DD]].")] = None,
    status: Annotated[Optional[str], typer.Option("--status", callback=not_blank, help="reported (the default), alleged, denied or disputed.")] = None,
    asserted_by: Annotated[Optional[list[str]], typer.Option("--asserted-by", callback=not_blank, help="Who asserts it; repeat for each.")] = None,
    denied_by: Annotated[Optional[list[str]], typer.Option("--denied-by", callback=not_blank, help="Who denies it; repeat for each.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", callback=not_blank, help="A note on the citation.")] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Append a claim, its quote stored as the archived text writes it.

    The quote may be typed loosely, as for `alliance quote`; the passage the archive holds is stored.
    Nothing is written unless the quote is found and the whole facts directory validates with the new
    claim in it. Lint's findings on the new claim are printed, and do not stop it.

    Example: alliance add claim --file claims/iran.yaml --id iran-drones-2024 --kind arms --party russia --party iran --statement "..." --source tass-2024 --quote "..." --sources ../shared/sources
    """
    from ..curate.edit import append, check_with, date_scalar, file_in, flow_list, one_of, scalar, slug
    from ..curate.matcher import describe, open_archive
    from ..model import CLAIM_KINDS, STATUSES
    from ..query import find_source
    from ..store import _display, resolve_facts_dir

    slug(id, "--id")
    one_of(kind, CLAIM_KINDS, "--kind")
    if status is not None:
        one_of(status, STATUSES, "--status")
    facts_dir = resolve_facts_dir(_state.facts)
    path = file_in(facts_dir, file)
    ds = _dataset()
    record = find_source(ds, source)
    found = open_archive(record.archive, sources, record.id).find(quote_text)
    if not found.good:
        raise AllianceError(Problem(f"quote not found in {record.archive}; nothing was added", field="--quote"),
                            *_closest(record, found))
    passage = found.best
    citation = [("source", record.id), ("quote", scalar(passage.text)), ("note", note and scalar(note))]
    fields = [
        ("id", id), ("kind", kind), ("parties", flow_list(_entity_ids(ds, party))),
        ("date", date and date_scalar(date, "--date")), ("statement", scalar(statement)), ("status", status),
        ("asserted_by", asserted_by and flow_list(_entity_ids(ds, asserted_by))),
        ("denied_by", denied_by and flow_list(_entity_ids(ds, denied_by))), ("citations", [citation]),
    ]
    changed = append(path, "claims", fields, _display(path))
    new = check_with(facts_dir, changed)
    where = f"{record.archive}:{passage.line}"
    if dry_run:
        write_stdout(visible(changed.record))
    else:
        write_atomically(str(path), changed.text.encode("utf-8"))
        write_stdout(f"added claim {id} at {_display(path)}:{changed.line}\n")
    how = f"; differs from --quote: {describe(passage.differences)}" if passage.differences else ""
    _say(f"quote: “{passage.text}” ({where}{how})")
    for finding in _lint(new, facts_dir, id, (_display(path), changed.line)):
        _say(str(finding))


def _say(message: str) -> None:
    from rich.text import Text

    _stderr().print(Text(one_line(message)))


def _lint(dataset, facts_dir: Path, claim_id: str, place: tuple[str, int]) -> list:
    """Lint's findings on one claim, when this build has lint; `place` is where the claim is (or, for
    --dry-run, would be) written, which lint would otherwise read from files that may not hold it."""
    try:
        from ..curate.lint import lint
    except ImportError:
        return []
    import inspect

    if "places" in inspect.signature(lint).parameters:
        return lint(dataset, facts_dir, claim_ids={claim_id}, places={claim_id: place})
    return lint(dataset, facts_dir, claim_ids={claim_id})


@command()
def diff(
    old: Annotated[str, typer.Argument(metavar="OLD", callback=not_blank, help="A facts directory, or a git revision: REV (the facts directory in use) "
                                            "or REV:PATH (PATH from the top of the repository).")],
    new: Annotated[str, typer.Argument(metavar="NEW", callback=not_blank, help="The same, for the newer version.")],
    fmt: FormatOption = None,
) -> None:
    """What changed between two versions of the facts, field by field.

    Claims, sources, entities and dataset.yaml added, removed and changed. A changed record lists each field's old and new value; a citation is named by its source
    (`citations[tass-2024].quote`). A git revision is read from the repository, no checkout needed.
    --format markdown reads as a changelog entry, headed by NEW's dataset.yaml version and date
    when the version changed.

    Example: alliance diff v0.1.0 HEAD --format markdown
    """
    from ..curate.diff import diff as compare
    from ..curate.diff import load_version
    from ..formats import diff as render
    from ..formats.json import dumps
    from ..store import resolve_facts_dir

    facts_dir = resolve_facts_dir(_state.facts)
    use_cache = not _state.no_cache
    changes = compare(load_version(old, facts_dir, use_cache), load_version(new, facts_dir, use_cache), old, new)
    fmt = None if fmt is None else OutputFormat(fmt.value)
    if fmt is OutputFormat.markdown:
        write_stdout(render.markdown(changes))
    elif fmt is OutputFormat.json:
        write_stdout(dumps(render.document(changes), indent=2) + "\n")
    elif fmt is OutputFormat.table or (fmt is None and sys.stdout.isatty()):
        from rich.console import Console

        console = Console(highlight=False, no_color=_state.no_color or None, width=terminal_width())
        print_renderables(console, render.table(changes), page=not _state.no_pager)
    else:
        emit(render.rows(changes), fmt)
