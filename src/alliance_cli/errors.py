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
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


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
    match = closest(name, candidates)
    return f"; did you mean {match!r}?" if match else ""


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a user most likely meant, compared case-insensitively, or None when none is close.

    Close means: the name starts the candidate (a truncated id: "alpha" for "alpha-report"); the
    candidate less its last letter starts the name (another ending: "treaties", "chinese"); or the
    name is one typo from it, or, where both have five letters or more and begin with the same
    letter, two typos (three from nine letters). A typo is a letter added, dropped, changed, or
    swapped with its neighbour. No suggestion is better than a wrong one: "france" is not "iran",
    nor "persia" "serbia".
    """
    key = name.casefold()
    lowered = {c.casefold(): c for c in candidates}
    if len(key) >= 3:
        prefixed = sorted(c for c in lowered if c.startswith(key))
        stems = sorted(c for c in lowered if len(c) >= 5 and key.startswith(c[:-1]))
        if prefixed or stems:
            return lowered[(prefixed or stems)[0]]

    def allowed(candidate: str) -> int:
        if min(len(key), len(candidate)) < 3:
            return 0  # "oil" is one letter from Israel's code "il", and means nothing by it
        if min(len(key), len(candidate)) < 5 or not candidate.startswith(key[:1]):
            return 1
        return 2 if len(key) < 9 else 3

    # Fewest typos first; then a candidate of the same length ("tratey" is "treaty" with two letters
    # swapped, not "trade").
    scored = sorted((d, abs(len(c) - len(key)), c) for c in lowered if (d := _distance(key, c, allowed(c))) <= allowed(c))
    return lowered[scored[0][2]] if scored else None


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (edits, counting a swap of neighbours as one), or limit+1 past limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a[i - 1] != b[j - 1]))
            if before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
        if min(row) > limit:
            return limit + 1
    return row[-1]
