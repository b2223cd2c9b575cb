"""A dataset diff in every output format: rows for plain, CSV and table; a document for JSON; a
changelog entry for Markdown."""

from __future__ import annotations

import re
from typing import Any

from ..curate.diff import KINDS, Change, Diff
from .view import Rows, record

_CITATION = re.compile(r"citations\[(?P<source>[^\]]+)\](?:\.(?P<part>quote|note))?")
_PLURAL = {"dataset": "dataset", "claim": "claims", "source": "sources", "entity": "entities"}


def value_text(value: Any) -> str:
    """A field's value as one piece of text: a list joined with commas, a number as written, none as `-`."""
    if value is None or value == ():
        return "-"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from ..yamlfile import as_written  # as the facts file writes it: 1.0e-7, not Python's 1e-07

        return as_written(value)
    return str(value)


def label(change: Change) -> str:
    """What names a record in a line: a claim's statement, a source's title, an entity's name."""
    rec = change.record
    return getattr(rec, "statement", None) or getattr(rec, "title", None) or getattr(rec, "name", "")


def rows(diff: Diff) -> Rows:
    """One row per added or removed record, and one per changed field: change, record, id, field, old, new."""
    out = []
    for change in diff.changes:
        if change.change == "added":
            out.append(("added", change.what, change.id, "", "", label(change)))
        elif change.change == "removed":
            out.append(("removed", change.what, change.id, "", label(change), ""))
        else:
            out += [("changed", change.what, change.id, f.field, value_text(f.old), value_text(f.new))
                    for f in change.fields]
    return Rows(("change", "record", "id", "field", "old", "new"), out, title=f"{diff.old} -> {diff.new}",
                key="changes")


def summary(diff: Diff) -> str:
    """`2 claims added, 1 changed (1 status change); 1 source added`, or `no changes`."""
    parts = []
    for what in KINDS:
        counts = [(len(diff.of(what, c)), c) for c in ("added", "removed", "changed") if diff.of(what, c)]
        if not counts:
            continue
        if what == "dataset":
            parts.append(f"dataset.yaml {counts[0][1]}")
            continue
        (n, first), rest = counts[0], counts[1:]
        text = ", ".join([f"{n} {what if n == 1 else _PLURAL[what]} {first}", *(f"{m} {c}" for m, c in rest)])
        statuses = sum(1 for c in diff.of(what, "changed") for f in c.fields if f.field == "status")
        if statuses:
            text += f" ({statuses} status change{'s' * (statuses != 1)})"
        parts.append(text)
    return "; ".join(parts) or "no changes"


def document(diff: Diff) -> dict[str, Any]:
    """Every side's added and removed records in full, and each changed record's fields."""
    from .json import SCHEMA_VERSION

    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "old": diff.old, "new": diff.new}
    for what in KINDS:
        out[_PLURAL[what]] = {
            "added": [record(c.record) for c in diff.of(what, "added")],
            "removed": [record(c.record) for c in diff.of(what, "removed")],
            "changed": [{"id": c.id, "changes": [{"field": f.field, "old": _json(f.old), "new": _json(f.new)}
                                                 for f in c.fields]} for c in diff.of(what, "changed")],
        }
    return out


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def markdown(diff: Diff) -> str:
    """A changelog entry: a heading, a one-line summary, then a list per kind of change."""
    from .markdown import _cell

    old_version = diff.old_info.version if diff.old_info is not None else None
    if diff.new_info is not None and diff.new_info.version != old_version:
        # Headed as a changelog entry: the version this diff makes, and what it is compared with.
        since = f"Since {_cell(diff.old_info.version)}" if diff.old_info is not None else "Compared"
        out = [f"## {_cell(diff.new_info.version)} ({_cell(diff.new_info.date)})", "",
               f"{since} ({_cell(diff.old)} → {_cell(diff.new)}): {_cell(summary(diff))}.", ""]
    else:
        out = [f"## {_cell(diff.old)} → {_cell(diff.new)}", "", _cell(summary(diff)[0].upper() + summary(diff)[1:]) + ".",
               ""]
    for what in KINDS:
        for change in ("added", "removed", "changed"):
            changes = diff.of(what, change)
            if not changes:
                continue
            out += [f"### {'Dataset record' if what == 'dataset' else _PLURAL[what].capitalize()} {change}", ""]
            for c in changes:
                if change != "changed":
                    out.append(f"- `{c.id}`: {_cell(label(c))}")
                    continue
                out.append(f"- `{c.id}`")
                for f in c.fields:
                    old, new = _cell(value_text(f.old)), _cell(value_text(f.new))
                    cited = _CITATION.fullmatch(f.field)
                    if f.field == "status":
                        out.append(f"  - **status: {old} → {new}**")
                    elif cited and not cited["part"]:
                        added = f.old is None
                        out.append(f"  - citation {'added' if added else 'removed'}, {_cell(cited['source'])}: "
                                   f"“{new if added else old}”")
                    elif cited:
                        out.append(f"  - citation {_cell(cited['source'])}, {cited['part']}: "
                                   f"{_quoted(f.old, old)} → {_quoted(f.new, new)}")
                    else:
                        out.append(f"  - `{f.field}`: {old} → {new}")  # our own field names: no escaping
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _quoted(value: Any, text: str) -> str:
    return "-" if value is None else f"“{text}”"


def table(diff: Diff) -> list[Any]:
    """For a terminal: a heading per record (ids never cut), then each changed field and its old -> new,
    wrapped to the width; a summary line last."""
    from rich.table import Table
    from rich.text import Text

    from .table import _t

    out: list[Any] = []
    style = {"added": "green", "removed": "red", "changed": "yellow"}
    for change in diff.changes:
        heading = Text.assemble(_t(change.change, style[change.change]), " ", _t(change.what), " ", _t(change.id, "bold"))
        heading.no_wrap = True
        out.append(heading)
        grid = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(ratio=1, overflow="fold")
        if change.change == "changed":
            for f in change.fields:
                grid.add_row(_t(f"  {f.field}"), Text.assemble(_t(value_text(f.old)), " → ", _t(value_text(f.new))))
        else:
            grid.add_row(_t(" "), _t(label(change)))
        out.append(grid)
    out.append(_t(summary(diff), "dim"))
    return out

