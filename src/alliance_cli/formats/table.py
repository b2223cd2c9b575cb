"""Rich tables for a terminal. Data is always wrapped in Text, so markup in it stays literal."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..query import Figures
from .view import Listing, Rows, figures_listing, quantity_text, source_line, status_text, treaty_text, visible, when

STATUS_STYLE = {"reported": "green", "alleged": "yellow", "denied": "red", "disputed": "magenta"}


def _t(text: object, style: str = "") -> Text:
    return Text(visible(str(text)), style=style)


def _highlighter(view: Listing):
    """Styles the words a search matched in a Text (styling only: the text itself is untouched)."""
    if not view.search:
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
    ds = view.dataset
    hl = _highlighter(view)
    out: list[RenderableType] = []
    if view.title:
        out.append(_t(view.title, "bold"))
    if view.subtitle:
        out.append(_t(view.subtitle, "dim"))
    marks = view.marks()
    if not view.claims:
        out.append(_t("no claims match", "dim"))
        return out
    for heading, claims in view.groups():
        table = Table(box=box.SIMPLE_HEAD, show_lines=False, expand=False, pad_edge=False,
                      title=_t(heading, "bold") if heading else None, title_justify="left")
        table.add_column("Date", no_wrap=True)
        table.add_column("Kind", max_width=13)
        table.add_column("Statement", ratio=1, min_width=30, overflow="fold")
        table.add_column("Status", max_width=22)
        table.add_column("Sources", max_width=12, overflow="fold")
        for claim in claims:
            statement = _t(claim.statement)
            for extra in (quantity_text(claim), treaty_text(claim)):
                if extra:
                    statement.append("\n").append(_t(extra, "cyan"))
            hl(statement)
            # Related claims already sit next to this one; `alliance claim ID` lists them by id.
            statement.append("\n").append(_t(claim.id, "dim"))
            sources = len({c.source for c in claim.citations})
            cites = marks[claim.id]
            table.add_row(
                _t(when(claim)),
                _t(claim.kind.replace("-", " ")),  # "military cooperation" can wrap; plain keeps the id
                statement,
                hl(_t(status_text(ds, claim), STATUS_STYLE.get(claim.status, ""))),
                Text.assemble(_t(cites), "\n", _t(f"{sources} source{'s' * (sources != 1)}", "dim")),
            )
        out.append(table)
    out.append(_citations(view, hl))
    return out


def _citations(view: Listing, hl=lambda text: text) -> RenderableType:
    ds = view.dataset
    table = Table(box=None, show_header=False, pad_edge=False, title=_t("Citations", "bold"), title_justify="left")
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1)
    for n, claim, cit in view.numbered_citations():
        body = _t(source_line(ds.sources[cit.source]))
        body.append("\n").append(_t(f"“{cit.quote}”", "italic"))
        if cit.note:
            body.append("\n").append(_t(f"note: {cit.note}", "dim"))
        table.add_row(_t(f"[{n}]"), hl(body))
    return table


def rows(view: Rows) -> list[RenderableType]:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=_t(view.title, "bold") if view.title else None,
                  title_justify="left")
    for col in view.columns:
        table.add_column(col, overflow="fold")
    for row in view.rows:
        table.add_row(*(_t("" if v is None else v) for v in row))
    return [Group(table)]


BAR_WIDTH = 40


def figures(view: Figures) -> list[RenderableType]:
    """A horizontal bar per figure, scaled within its series, with the figure and its citation marks."""
    if not view.series:
        return [_t("no figures match", "dim")]
    listing = figures_listing(view)
    marks = listing.marks()
    out: list[RenderableType] = []
    for s in view.series:
        table = Table(box=None, pad_edge=False, show_header=False, title=_t(f"{s.name} ({s.unit})", "bold"),
                      title_justify="left")
        table.add_column(no_wrap=True, min_width=10)
        table.add_column(no_wrap=True, max_width=BAR_WIDTH)
        table.add_column(no_wrap=True, justify="right", min_width=len(max((quantity_text(c) for c in s.claims), key=len)))
        table.add_column(ratio=1)
        top = max(c.quantity.amount for c in s.claims) or 1
        for c in s.claims:
            amount = c.quantity.amount
            bar = "█" * max(1, round(BAR_WIDTH * amount / top)) if amount else ""
            status = "" if c.status == "reported" else f" {status_text(view.dataset, c)}"
            table.add_row(_t(when(c)), _t(bar, "cyan"), _t(quantity_text(c)), _t(f"{marks[c.id]}{status}"))
        out.append(table)
        out.append(Text(""))
    out.append(_citations(listing))
    return out
