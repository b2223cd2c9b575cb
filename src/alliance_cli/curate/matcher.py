"""Find a loosely typed quote in an archived text: the exact passage, its line, and what differs.

The text is compared as `verify` compares it (typography and spacing normalized) and, here, also
without case. An exact match is looked for first; failing that, rapidfuzz's partial_ratio_alignment
finds the closest stretch of the text, which is then widened to whole words and fitted a few words
either way, and compared word by word with the quote.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

# Only what typesetting changes: curly quotes and apostrophes, dashes, and runs of white space.
_TYPOGRAPHY = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "\u00a0": " ",
})
_TYPOGRAPHIC = re.compile("[" + "".join(map(chr, _TYPOGRAPHY)) + "]")
_SPACE = re.compile(r"\s+")
_OTHER_SPACE = re.compile(r"[^\S ]")  # white space other than a plain space: tab, line end, no-break...
_RUN = re.compile(r"  +")
_TOKEN = re.compile(r"\w+|[^\w\s]")  # a word or one mark of punctuation
_WORDS = re.compile(r"\w+")
# How far (in words) the ends of a fuzzy alignment may move to fit the quote better.
_FIT = 4


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of the archived text: where it is, its words as written, and how it differs from the quote."""

    start: int  # offsets in the archived text
    end: int
    line: int
    text: str  # verbatim, with each run of white space (a line break, say) written as one space
    differences: tuple[tuple[str, str], ...]  # (as typed, as archived), word runs, case aside


@dataclass(frozen=True, slots=True)
class Found:
    """Every exact occurrence of a quote, or the closest passage, and whether it is close enough to use."""

    passages: tuple[Passage, ...]
    exact: bool
    good: bool

    @property
    def best(self) -> Passage:
        return self.passages[0]


class Archive:
    """An archived text, normalized once for any number of searches."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Regular expressions rather than str.translate with a table, which looks up every character
        # of a megabyte in Python; these touch only the few characters that change, one for one.
        folded = _OTHER_SPACE.sub(" ", _lower(_TYPOGRAPHIC.sub(lambda m: _TYPOGRAPHY[ord(m.group())], text)))
        # Collapse each run of spaces to one, remembering where each run was so that an offset in the
        # normalized text can be turned back into one in the archived text. Most runs are one space
        # long and shift nothing, so only the longer ones are recorded.
        self._runs: list[int] = []  # normalized offset just past each collapsed run
        self._shift: list[int] = []  # characters dropped up to and including that run
        pieces, dropped, last, length = [], 0, 0, 0
        for m in _RUN.finditer(folded):
            pieces += (folded[last:m.start()], " ")
            length += m.start() - last + 1
            dropped += m.end() - m.start() - 1
            self._runs.append(length)
            self._shift.append(dropped)
            last = m.end()
        pieces.append(folded[last:])
        self.normalized = "".join(pieces)

    def original(self, offset: int) -> int:
        """The offset in the archived text of an offset in the normalized one."""
        i = bisect.bisect_right(self._runs, offset)
        return offset + (self._shift[i - 1] if i else 0)

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def find(self, quote: str) -> Found:
        needle = fold(quote)
        if not needle:
            return Found((), False, False)
        exact: list[Passage] = []
        at = self.normalized.find(needle)
        while at != -1:
            # Lines counted on from the previous occurrence: a common word can occur thousands of times.
            line = exact[-1].line + self.text.count("\n", exact[-1].start, self.original(at)) if exact else None
            exact.append(self._passage(quote, at, at + len(needle), line, exact=True))
            at = self.normalized.find(needle, at + 1)
        if exact:
            return Found(tuple(exact), True, True)
        from rapidfuzz.fuzz import partial_ratio_alignment

        aligned = partial_ratio_alignment(needle, self.normalized)
        if aligned is None or aligned.score == 0:
            return Found((), False, False)
        start, end = self._fit(needle, aligned.dest_start, aligned.dest_end)
        passage = self._passage(quote, start, end)
        return Found((passage,), False, _close_enough(needle, self.normalized[start:end]))

    def _fit(self, needle: str, start: int, end: int) -> tuple[int, int]:
        """Widen an alignment to whole words, then move each end up to a few words to match best."""
        from rapidfuzz.fuzz import ratio

        hay = self.normalized
        lo = max(0, start - 200 - len(needle))
        hi = min(len(hay), end + 200 + len(needle))
        words = [(m.start() + lo, m.end() + lo) for m in _TOKEN.finditer(hay[lo:hi])]
        if not words:
            return start, end
        first = next((i for i, (s, e) in enumerate(words) if e > start), len(words) - 1)
        last = next((i for i in range(len(words) - 1, -1, -1) if words[i][0] < end), first)
        best = (-1.0, start, end)
        for i in range(max(0, first - _FIT), min(len(words), first + _FIT + 1)):
            for j in range(max(i, last - _FIT), min(len(words), last + _FIT + 1)):
                s, e = words[i][0], words[j][1]
                score = ratio(needle, hay[s:e])
                if score > best[0]:
                    best = (score, s, e)
        return best[1], best[2]

    def _passage(self, quote: str, start: int, end: int, line: int | None = None, exact: bool = False) -> Passage:
        a, b = self.original(start), self.original(end - 1) + 1
        verbatim = _SPACE.sub(" ", self.text[a:b]).strip()
        # An exact match differs from the quote in case, typography and spacing only: nothing to show.
        return Passage(a, b, line or self.line(a), verbatim, () if exact else differences(quote, verbatim))


def normalize(text: str) -> str:
    """Text as `verify` compares it: typography and spacing normalized, case kept."""
    return _SPACE.sub(" ", text.translate(_TYPOGRAPHY)).strip()


def fold(text: str) -> str:
    """Text as the matcher compares it: typography, spacing and case normalized."""
    return _SPACE.sub(" ", _lower(text.translate(_TYPOGRAPHY))).strip()


def _lower(text: str) -> str:
    """Lower case, one character for one: a character whose lower case is longer ("İ") is kept as it is,
    so that offsets in the folded text are offsets in the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def _close_enough(needle: str, passage: str) -> bool:
    """A word or two different (one in five for a long quote), most words the same; punctuation aside."""
    from rapidfuzz.distance import Levenshtein

    typed, found = _WORDS.findall(needle), _WORDS.findall(passage)
    changed = same = 0
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(typed, found):
        if tag == "equal":
            same += i2 - i1
        else:
            changed += i2 - i1 or j2 - j1  # typed words replaced or left out, or words the quote lacks
    return changed <= max(2, len(typed) // 5) and same >= 2 * changed


def differences(quote: str, passage: str, case: bool = False) -> tuple[tuple[str, str], ...]:
    """What differs between the quote as typed and the passage, as runs of each text as written.

    Typography and spacing do not count, punctuation does, and case when `case` is true (as for
    `verify`, which compares case). A run that only one side has is
    shown with the word it sticks to (`'friendship pact' -> '“friendship pact”'`), or the one before.
    """
    from rapidfuzz.distance import Levenshtein

    typed, found = _tokens(quote), _tokens(passage)
    runs: list[list[int]] = []
    key = (lambda m: m.group().translate(_TYPOGRAPHY)) if case else (lambda m: fold(m.group()))
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes([key(m) for m in typed], [key(m) for m in found]):
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:
            side, k1, k2 = (found, j1, j2) if i1 == i2 else (typed, i1, i2)
            sticks_back = k1 > 0 and side[k1 - 1].end() == side[k1].start()
            sticks_on = k2 < len(side) and side[k2].start() == side[k2 - 1].end()
            if (sticks_on and not sticks_back) or i1 == 0 or j1 == 0:
                if i2 < len(typed) and j2 < len(found):
                    i2, j2 = i2 + 1, j2 + 1
            else:
                i1, j1 = i1 - 1, j1 - 1
        if runs and (i1 <= runs[-1][1] or j1 <= runs[-1][3]):
            runs[-1][1], runs[-1][3] = max(runs[-1][1], i2), max(runs[-1][3], j2)
        else:
            runs.append([i1, i2, j1, j2])
    return tuple((_text(quote, typed, i1, i2), _text(passage, found, j1, j2)) for i1, i2, j1, j2 in runs)


def _text(text: str, tokens: list[re.Match[str]], first: int, stop: int) -> str:
    return text[tokens[first].start():tokens[stop - 1].end()] if stop > first else ""


def describe(differences: tuple[tuple[str, str], ...]) -> str:
    """`'receiving' -> 'being issued', 'the' -> ''`."""
    return ", ".join(f"{typed!r} -> {found!r}" for typed, found in differences)


def open_archive(source_archive: str, sources_dir: Path, source_id: str) -> Archive:
    """The archived text of a source, or an error naming the file that cannot be read."""
    from ..errors import AllianceError, Problem

    if not sources_dir.is_dir():
        raise AllianceError(Problem("sources folder not found", str(sources_dir)))
    data = read_archive(sources_dir, source_archive, f"the archive of {source_id!r}")
    return Archive(data.decode("utf-8", errors="replace"))


def read_archive(sources_dir: Path, name: str, what: str) -> bytes:
    """The file `name` in the sources folder, as read_text_file reads it; a link there that leads out of
    the folder is refused unread, as `verify` refuses it, so that no passage from elsewhere is shown."""
    from ..errors import AllianceError, Problem
    from ..files import is_inside

    path = sources_dir / name
    if not is_inside(path, sources_dir):
        raise AllianceError(Problem(f"cannot read {what}: a link that leads out of {sources_dir}; "
                                    "only files inside it are read", str(path)))
    return read_text_file(path, what)


def read_text_file(path: Path, what: str) -> bytes:
    """A regular file's bytes, as `files.read_limited` reads them (no device, pipe or folder, never past
    MAX_ARCHIVE_BYTES), its problems said of `what`: `cannot read the source: not a regular file`."""
    from ..errors import AllianceError, Problem
    from ..files import MAX_ARCHIVE_BYTES, read_limited

    try:
        return read_limited(path, MAX_ARCHIVE_BYTES, str(path))
    except AllianceError as e:
        reason = e.problems[0].message.removeprefix("cannot read file: ")
        raise AllianceError(Problem(f"cannot read {what}: {reason}", str(path))) from None


def context(archive: Archive, passage: Passage, around: int = 1, width: int = 100) -> list[tuple[int, bool, str]]:
    """The lines of a passage and `around` lines either side: (number, in the passage, text).

    A long line (a paragraph on one line) is cut to `width` characters either side of the passage,
    the cut marked with `…`.
    """
    text = archive.text
    first, last = passage.line, archive.line(passage.end)
    number, start = first, text.rfind("\n", 0, passage.start) + 1
    while number > max(1, first - around):
        number, start = number - 1, text.rfind("\n", 0, start - 1) + 1
    out = []
    while number <= last + around and (start < len(text) or number == first):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        inside = first <= number <= last
        lo = max(start, passage.start - width) if inside else start
        hi = min(end, passage.end + width) if inside else min(end, start + 2 * width)
        out.append((number, inside, ("…" if lo > start else "") + text[lo:hi].rstrip("\r") + ("…" if hi < end else "")))
        if end == len(text):
            break
        number, start = number + 1, end + 1
    return out
