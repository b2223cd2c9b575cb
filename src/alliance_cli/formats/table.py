"""Rich renderables for a terminal: tables that fit its width, or one block per record where they do not.

Data is always wrapped in Text, so markup in it stays literal. Nothing is ever dropped or cut: no
column is left out or ellipsized, and a word (a claim id, a citation mark) is never broken across
lines. Whether a table's columns fit is decided in one place, `fit()`, when the console renders it.
"""

from __future__ import annotations

import codecs
import functools
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..model import Claim
from ..query import Figures
from ..words import counted
from .view import Listing, Rows, figures_listing, lint_text, quantity_text, scalar, source_line, status_text, treaty_text, visible, when

STATUS_STYLE = {"reported": "green", "alleged": "yellow", "denied": "red", "disputed": "magenta"}
# Between two columns: a cell of padding either side of a one-cell rule (SIMPLE_HEAD, no outer edge);
# a chart has no rules, so only the padding.
GAP = 3
CHART_GAP = 2
BAR_WIDTH = 40  # the longest bar of a chart
BAR_MIN = 10  # a bar any shorter would not show the proportions: below it, each figure is stacked


def _t(text: object, style: str = "", no_wrap: bool = False) -> Text:
    return Text(_encodable(visible(str(text))), style=style, no_wrap=no_wrap)


def _narrow_encoding() -> str | None:
    """The encoding of standard output when it cannot hold every character (PYTHONIOENCODING=ascii, cp1252)."""
    return _narrow(getattr(sys.stdout, "encoding", None) or "utf-8")


@functools.lru_cache(maxsize=8)
def _narrow(encoding: str) -> str | None:
    # Asked for every text of a table: the codec registry is looked up once per encoding, not per cell.
    try:
        return None if codecs.lookup(encoding).name.startswith("utf") else encoding
    except LookupError:
        return None


def _encodable(text: str) -> str:
    """Characters the output encoding lacks written as the escapes the output would write (`\\u2019`),
    now, before the layout measures them: written later, they would push cells past their columns."""
    encoding = _narrow_encoding()
    return text if encoding is None else text.encode(encoding, "backslashreplace").decode(encoding)


@dataclass(frozen=True)
class Wrapped:
    """Text wrapped at spaces to the console's width and never inside a word: a word wider than the
    line (a 46-character id at 40 columns) is printed whole for the terminal to wrap, so that a
    double-click still copies all of it. (rich would fold it into pieces.)"""

    text: Text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for paragraph in self.text.split("\n", allow_blank=True):
            plain, breaks, start = paragraph.plain, [], 0
            for word in re.finditer(r"[^ ]+", plain):  # breaks at spaces only: "1\u00a0source" stays together
                if word.start() > start and cell_len(plain[start:word.end()]) > width:
                    breaks.append(word.start())
                    start = word.start()
            for line in paragraph.divide(breaks):
                line.rstrip()
                line.no_wrap, line.overflow = True, "ignore"
                yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)


def measure(console: Console, cells: Sequence[RenderableType]) -> tuple[int, int]:
    """The narrowest a column of cells can be without breaking a word, and the widest it would use."""
    options = console.options.update_width(1 << 20)  # the text itself, not as clipped to the console
    sizes = [Measurement.get(console, options, cell) for cell in cells]
    # A cell that must not wrap (a date, a figure) needs all of its width.
    lows = [m.maximum if isinstance(c, Text) and c.no_wrap else m.minimum for c, m in zip(cells, sizes)]
    return max(lows), max(m.maximum for m in sizes)


def fit(width: int, ranges: Sequence[tuple[int, int]], gap: int = GAP) -> list[int] | None:
    """Widths for columns, given the (narrowest, widest) of each, that fit `width`; None if they cannot.

    Each column gets at least its narrowest and at most its widest; the room in between is shared in
    proportion to what each column could still use, as CSS's automatic table layout does. This is
    the one place that decides whether a table fits or its records are stacked instead.
    """
    room = width - gap * (len(ranges) - 1)
    least, most = sum(lo for lo, _ in ranges), sum(hi for _, hi in ranges)
    if least > room:
        return None
    if most <= room:
        return [hi for _, hi in ranges]
    wants = [hi - lo for lo, hi in ranges]
    spare = room - least
    widths = [lo + spare * want // (most - least) for (lo, _), want in zip(ranges, wants)]
    for i in sorted(range(len(widths)), key=lambda i: -wants[i])[: room - sum(widths)]:
        widths[i] += 1  # what rounding down left over goes to the columns that want most
    return widths


def _table(headers: Sequence[str], widths: Sequence[int], title: str | None = None) -> Table:
    """A table with exactly these column widths (from `fit`), so rich has nothing left to squeeze."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                  title=_t(title, "bold") if title else None, title_justify="left")
    for header, width in zip(headers, widths):
        table.add_column(header, width=width, overflow="fold")  # never needed: no word is wider than its column
    return table


@dataclass(frozen=True)
class Fitted:
    """Rows under headers, drawn as a table when the columns fit the console, else stacked by `stack`."""

    headers: tuple[str, ...]
    groups: list[tuple[str | None, list[tuple[Text, ...]]]]  # a heading (or None) and its rows
    stack: Callable[[tuple[Text, ...]], list[Text]]  # one row as a block of lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = [[_t(h), *(row[i] for _, rows in self.groups for row in rows)] for i, h in enumerate(self.headers)]
        widths = fit(options.max_width, [measure(console, cells) for cells in columns])
        for heading, rows in self.groups:
            if widths is not None:
                table = _table(self.headers, widths, heading)
                for row in rows:
                    table.add_row(*row)
                yield table
                yield Text("")
                continue
            if heading:
                title = _t(heading, "bold")
                yield Wrapped(title)
                rule = "-" if _narrow_encoding() else "─"
                yield Text(rule * min(title.cell_len, options.max_width))  # a heading, not the first block's date
            for row in rows:
                yield from (Wrapped(line) for line in self.stack(row))
                yield Text("")


def _highlighter(view: Listing) -> Callable[[Text], Text]:
    """Styles the words a search matched in a Text (styling only: the text itself is untouched)."""
    if view.search is None:
        return lambda text: text
    from ..search import Highlighter

    found = Highlighter(view.dataset, view.search)

    def highlight(text: Text) -> Text:
        for start, end in found.spans(text.plain):
            text.stylize(MATCH_STYLE, start, end)
        return text

    return highlight


MATCH_STYLE = "bold reverse"


def listing(view: Listing) -> list[RenderableType]:
    out: list[RenderableType] = []
    if view.title:
        out.append(Wrapped(_t(view.title, "bold")))
    if view.subtitle:
        out.append(Wrapped(_t(view.subtitle, "dim")))
    if not view.claims:
        out.append(_t("no claims match", "dim"))
        return out
    marks = view.marks()
    hl = _highlighter(view)
    groups = [(heading, [_claim_cells(view, claim, marks[claim.id], hl) for claim in claims])
              for heading, claims in view.groups()]
    out.append(Text(""))
    out.append(Fitted(("Date", "Kind", "Statement", "Status", "Sources"), groups, _claim_block))
    out.append(_citations(view, hl))
    return out


def _claim_cells(view: Listing, claim: Claim, marks: str, hl: Callable[[Text], Text]) -> tuple[Text, ...]:
    statement = _t(claim.statement)
    for extra in (quantity_text(claim), treaty_text(claim)):
        if extra:
            statement.append("\n").append(_t(extra, "cyan"))
    hl(statement)
    if claim.lint is not None:
        statement.append("\n").append(_t(lint_text(claim), "dim"))
    # Related claims already sit next to this one; `alliance claim ID` lists them by id.
    statement.append("\n").append(_t(claim.id, "dim"))
    sources = len({c.source for c in claim.citations})
    return (
        _t(when(claim)),
        _t(claim.kind.replace("-", " ")),  # "military cooperation" can wrap; plain keeps the id
        statement,
        hl(_t(status_text(view.dataset, claim), STATUS_STYLE.get(claim.status, ""))),
        Text.assemble(_t(marks), "\n", _t(counted(sources, "source"), "dim"), no_wrap=True),
    )


def _claim_block(cells: tuple[Text, ...]) -> list[Text]:
    """One claim where the table does not fit: date, kind, status and marks; the statement; the id."""
    date, kind, statement, status, sources = cells
    marks, count = sources.split("\n")
    if not _narrow_encoding():
        count.plain = count.plain.replace(" ", "\u00a0")  # same length: its style stays where it was
    head = _t(" · ").join([date, kind, status, Text.assemble(marks, " ", count)])
    *body, claim_id = statement.split("\n")
    return [head, *body, claim_id]


def _citations(view: Listing, hl: Callable[[Text], Text] = lambda text: text) -> RenderableType:
    ds = view.dataset
    table = Table(box=None, show_header=False, pad_edge=False, title=_t("Citations", "bold"), title_justify="left")
    table.add_column(no_wrap=True, style="bold")
    # A word wider than the column (a long URL in a note) is folded onto the next line, never ellipsized.
    table.add_column(ratio=1, overflow="fold")
    for n, claim, cit in view.numbered_citations():
        body = _t(source_line(ds.sources[cit.source]))
        body.append("\n").append(_t(f"“{cit.quote}”", "italic"))
        if cit.note:
            body.append("\n").append(_t(f"note: {cit.note}", "dim"))
        table.add_row(_t(f"[{n}]"), hl(body))
    return table


def rows(view: Rows) -> list[RenderableType]:
    cells = [tuple(_t(scalar(v)) for v in row) for row in view.rows]
    columns = view.columns

    def stack(row: tuple[Text, ...]) -> list[Text]:
        # The first field (an id, a name) on its own line, then the others, by name when there are several.
        first = row[0].copy()
        first.stylize("bold")
        if len(row) == 2:
            return [first, row[1]]
        return [first, *(Text.assemble(f"{c}: ", v) for c, v in zip(columns[1:], row[1:]) if v.plain)]

    return [Fitted(view.columns, [(view.title, cells)], stack)]


def figures(view: Figures) -> list[RenderableType]:
    """A horizontal bar per figure, scaled within its series, with the figure and its citation marks."""
    if not view.series:
        return [_t("no figures match", "dim")]
    listing = figures_listing(view)
    marks = listing.marks()
    out: list[RenderableType] = []
    for s in view.series:
        out.append(Wrapped(_t(f"{s.name} ({s.unit})", "bold")))
        out.append(_Chart([(c, marks[c.id], status_text(view.dataset, c)) for c in s.claims]))
        out.append(Text(""))
    out.append(_citations(listing))
    return out


@dataclass(frozen=True)
class _Chart:
    """One series as bars: date, bar, figure, marks and status in columns when they fit, else stacked."""

    figures: list[tuple[Claim, str, str]]  # a claim, its marks, its status text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = []
        for claim, marks, status in self.figures:
            note = marks if claim.status == "reported" else f"{marks} {status}"
            rows.append((_t(when(claim), no_wrap=True), _t(quantity_text(claim), no_wrap=True), _t(note)))
        dates, amounts, notes = zip(*rows)
        widths = fit(options.max_width, [measure(console, dates), (BAR_MIN, BAR_WIDTH), measure(console, amounts),
                                         measure(console, notes)], gap=CHART_GAP)
        top = max(c.quantity.amount for c, _, _ in self.figures if c.quantity) or 1

        def bar(claim: Claim, width: int) -> Text:
            amount = claim.quantity.amount if claim.quantity else 0
            bar = "#" if _narrow_encoding() else "█"
            return _t(bar * max(1, round(width * amount / top)) if amount else "", "cyan")

        if widths is None:
            for (claim, _, _), (date, amount, note) in zip(self.figures, rows):
                yield Wrapped(Text("  ").join([date, amount, note]))
                yield bar(claim, min(BAR_WIDTH, options.max_width))
            return
        # No rules: a chart reads the same in every encoding (rich draws rules in ASCII for cp1252).
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        for width, justify in zip(widths, ("left", "left", "right", "left")):
            table.add_column(width=width, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for (claim, _, _), (date, amount, note) in zip(self.figures, rows):
            table.add_row(date, bar(claim, widths[1]), amount, note)
        yield table


