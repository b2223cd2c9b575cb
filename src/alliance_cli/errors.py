"""The one exception type for what a user can fix, and the problems it carries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        field = self.field or ""
        if len(field) > QUOTE_LIMIT:  # an unknown key names the field: it is text from the file
            field = field[: QUOTE_LIMIT - 1] + "…"
        field = f"{field}: " if field else ""
        return f"{where}{field}{self.message}"


# An error message quotes at most this much of a value from a file: enough to find it, never a
# whole file (a key, tag or value can be megabytes, and a message may end up in a public CI log).
QUOTE_LIMIT = 40


def shown(value: object) -> str:
    """`value` quoted for a message, as repr() gives it, cut to QUOTE_LIMIT characters."""
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def field_path(parts: Iterable[str | int]) -> str:
    """A place inside a record as a user names it: `citations[0].quote`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class AllianceError(Exception):
    """Something the user can fix: bad input, an unknown name, an unreadable file.

    Raised deep, caught once at the command boundary, printed without a traceback.
    """

    exit_code = 1

    def __init__(self, *problems: Problem | str) -> None:
        self.problems = tuple(p if isinstance(p, Problem) else Problem(p) for p in problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(AllianceError):
    """The command line itself is wrong (a bad option value, a conflicting choice)."""

    exit_code = 2


class NotFoundError(AllianceError):
    """A name or id that matches nothing: no such entity, source or claim, or a search with no match."""

    exit_code = 3


def suggest(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'iran'?` for the closest candidate, or nothing when none is close."""
    lowered = {c.casefold(): c for c in candidates}
    key = name.casefold()
    # A truncated id ("alpha" for "alpha-report") is the commonest slip; then near-misses by spelling.
    close = sorted(c for c in lowered if c.startswith(key)) if key else []
    if not close:
        import difflib  # only for a name that matched nothing: not worth importing on every run

        close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {shown(lowered[close[0]])}?" if close else ""
