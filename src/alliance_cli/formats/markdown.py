"""Markdown for pasting into articles and notes: a table per group, citations as footnotes."""

from __future__ import annotations

import re

from .view import Listing, Rows, lint_text, scalar, source_line, status_text, visible, when

# What a Markdown renderer would act on inside a line of text: emphasis, code, links and images,
# raw HTML and entities, math, strikethrough, and the pipe that ends a table cell. CommonMark
# shows any ASCII punctuation after a backslash as itself.
_INLINE = re.compile(r"([\\`*_\[\]<>&~$|#])")
# What would start a block at the start of a line (a list item, a heading underline, a thematic
# break): data that starts a paragraph or a footnote (`- item`, `1. one`, `---`) stays text. `#`
# and `>` are escaped everywhere (`#` also ends a heading: `## Foo #` shows only `Foo`).
_BLOCK_START = re.compile(r"^( *)([-+=]|\d{1,9}(?=[.)]))")
# Leading spaces would make a code block, or be dropped; as entities they are kept, as text.
_LEADING_SPACES = re.compile(r"^ +")
# GitHub shows `:warning:` as an emoji, and in issues and comments links `@name` to a user it
# notifies and `#123` to an issue; an empty comment after the colon, `@` or `#` keeps each text.
_EMOJI = re.compile(r":(?=[\w+\\-]+:)")
_REFERENCE = re.compile(r"(?<=\\#)(?=\d)")
# GitHub also links bare addresses: `www.`, `https://` and e-mail addresses (with or without
# `mailto:`). A backslash before the `.` or `:` stops the first two; e-mail links are found after
# escapes are read, so an empty HTML comment (invisible when rendered) keeps `@` apart instead.
_WWW = re.compile(r"(?i)(www)\.")


def _unlinked(text: str) -> str:
    text = _WWW.sub(r"\1\\.", text).replace("://", "\\://").replace("@", "<!-- -->@<!-- -->")
    return _REFERENCE.sub("<!-- -->", _EMOJI.sub(":<!-- -->", text))




def _cell(text: object) -> str:
    # Data is shown, never rendered: escape what Markdown would act on, keep controls visible,
    # and turn a newline (which would end the table row) into <br>. Several values: a line each.
    if isinstance(text, (list, tuple)):
        return "<br>".join(_cell(t) for t in text)
    return _unlinked(_INLINE.sub(r"\\\1", visible(str(scalar(text))))).replace("\n", "<br>")


def _line(text: object) -> str:
    """A cell's text where it starts a line, as a paragraph whatever its first characters are."""
    escaped = _BLOCK_START.sub(lambda m: m.group(1) + (f"{m.group(2)}\\" if m.group(2)[0].isdigit() else f"\\{m.group(2)}"),
                              _cell(text))
    return _LEADING_SPACES.sub(lambda m: "&#32;" * len(m.group()), escaped)


def listing(view: Listing) -> str:
    out: list[str] = []
    if view.title:
        out += [f"## {_cell(view.title)}", ""]
    if view.subtitle:
        out += [_line(view.subtitle), ""]
    numbered = view.numbered_citations()
    marks = view.marks("[^{}]")
    for heading, claims in view.groups():
        if heading:
            out += [f"### {_cell(heading)}", ""]
        out += ["| Date | Kind | Statement | Status | Sources |", "|---|---|---|---|---|"]
        for c in claims:
            out.append(f"| {_cell(when(c))} | {_cell(c.kind)} | {_cell(c.statement)} | "
                       f"{_cell('; '.join(filter(None, (status_text(view.dataset, c), lint_text(c)))))} | {marks[c.id]} |")
        out.append("")
    for n, claim, cit in numbered:
        src = view.dataset.sources[cit.source]
        note = f" ({_cell(cit.note)})" if cit.note else ""
        out.append(f"[^{n}]: {_line(source_line(src))}: “{_cell(cit.quote)}”{note}")
    if numbered:
        out.append("")
    return "\n".join(out)


def rows(view: Rows) -> str:
    out = [f"## {_cell(view.title)}", ""] if view.title else []
    out.append("| " + " | ".join(_cell(c) for c in view.columns) + " |")
    out.append("|" + "---|" * len(view.columns))
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in view.rows]
    return "\n".join(out) + "\n"
