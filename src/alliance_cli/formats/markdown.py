"""Markdown for pasting into articles and notes: a table per group, citations as footnotes."""

from __future__ import annotations

import re

from .view import Listing, Rows, scalar, source_line, status_text, visible, when

# What a Markdown renderer would act on inside a line of text: emphasis, code, links and images,
# raw HTML and entities, math, strikethrough, and the pipe that ends a table cell. CommonMark
# shows any ASCII punctuation after a backslash as itself.
_INLINE = re.compile(r"([\\`*_\[\]<>&~$|])")


def _cell(text: object) -> str:
    # Data is shown, never rendered: escape what Markdown would act on, keep controls visible,
    # and turn a newline (which would end the table row) into <br>.
    return _INLINE.sub(r"\\\1", visible(str(scalar(text)))).replace("\n", "<br>")


def listing(view: Listing) -> str:
    out: list[str] = []
    if view.title:
        out += [f"## {_cell(view.title)}", ""]
    if view.subtitle:
        out += [_cell(view.subtitle), ""]
    numbered = view.numbered_citations()
    marks = view.marks("[^{}]")
    for heading, claims in view.groups():
        if heading:
            out += [f"### {_cell(heading)}", ""]
        out += ["| Date | Kind | Statement | Status | Sources |", "|---|---|---|---|---|"]
        for c in claims:
            out.append(f"| {_cell(when(c))} | {_cell(c.kind)} | {_cell(c.statement)} | "
                       f"{_cell(status_text(view.dataset, c))} | {marks[c.id]} |")
        out.append("")
    for n, claim, cit in numbered:
        src = view.dataset.sources[cit.source]
        note = f" ({_cell(cit.note)})" if cit.note else ""
        out.append(f"[^{n}]: {_cell(source_line(src))}: “{_cell(cit.quote)}”{note}")
    if numbered:
        out.append("")
    return "\n".join(out)


def rows(view: Rows) -> str:
    out = [f"## {_cell(view.title)}", ""] if view.title else []
    out.append("| " + " | ".join(_cell(c) for c in view.columns) + " |")
    out.append("|" + "---|" * len(view.columns))
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in view.rows]
    return "\n".join(out) + "\n"
