"""Full-text search: the query language, parsed into FTS5 syntax, and what answers it (ranking, suggestions, highlights).

The language: every word must match, in any order and in any field; "a quoted phrase" matches its words
in order; OR between two words (or phrases) matches either; -word excludes; dron* matches words that
start with `dron`. Case, diacritics, hyphens and the kind of quote or apostrophe do not matter, words match
whole (Xi does not match "complexity") and by English stem (supply matches supplied). The user's text
never reaches SQLite as syntax: every word is passed as an FTS5 string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import cache
from .errors import AllianceError, UsageError, shown
from .model import Dataset, entity_names, name_key

# Curly, low and angle quotes fold to '"', and every apostrophe to "'": a query pasted from a word
# processor means what it says.
_FOLD = str.maketrans({**dict.fromkeys("“”„‟«»″〝〞＂", '"'), **dict.fromkeys("‘’‚‛′`´", "'")})
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
OR = "OR"


@dataclass(frozen=True, slots=True)
class Term:
    """A word or quoted phrase of a query, as the user typed it."""

    text: str
    phrase: bool = False
    prefix: bool = False
    exclude: bool = False

    def fts(self) -> str:
        """The term as an FTS5 string: quoted, so nothing in it is syntax."""
        return '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")

    def shown(self) -> str:
        body = f'"{self.text}"' if self.phrase else self.text
        return ("-" if self.exclude else "") + body + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the FTS5 expression that answers it and the terms it was made of."""

    text: str
    fts: str
    groups: tuple[tuple[Term, ...], ...]  # each group must match (one of its terms, joined by OR)
    excluded: tuple[Term, ...]

    def terms(self) -> list[Term]:
        return [t for group in self.groups for t in group]


def require_fts5() -> None:
    if not cache.fts5_available():
        import sqlite3

        raise AllianceError(f"search needs SQLite's FTS5 extension, which this Python's sqlite3 (SQLite "
                            f"{sqlite3.sqlite_version}) lacks: run alliance with a Python whose sqlite3 has FTS5")


@lru_cache(maxsize=64)
def parse(text: str) -> Query:
    """The query a user typed, checked and turned into FTS5 syntax; a UsageError naming any problem."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("search: the query holds bytes that are not UTF-8 text") from None
    if text.startswith("="):
        # `-s=-iran` gives -s the value `=-iran` (a short option's value follows it as written): read
        # as words, `iran` would be looked for, not left out.
        raise UsageError(f"search: the query {shown(text)} starts with '=': a short option takes its value after a "
                         "space (-s '-iran'), a long one after '=' (--search=-iran)")
    items = _scan(_CONTROLS.sub(" ", text.translate(_FOLD)))
    if not items:
        raise UsageError("search: the query is empty: give a word to look for")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    for i, item in enumerate(items):
        before = items[i - 1] if i else None
        after = items[i + 1] if i + 1 < len(items) else None
        if item == OR:
            if not isinstance(before, Term) or not isinstance(after, Term):
                side = "before" if not isinstance(before, Term) else "after"
                raise UsageError(f"search: OR needs a word or phrase {side} it (drones OR missiles)")
            if before.exclude or after.exclude:
                raise UsageError("search: an excluded word cannot be one side of OR; put -word on its own")
            continue
        assert isinstance(item, Term)
        if item.exclude:
            excluded.append(item)
        elif before == OR:
            groups[-1].append(item)
        else:
            groups.append([item])
    terms = [t for t in items if isinstance(t, Term)]
    for term, words in zip(terms, tokens([t.text for t in terms])):
        if not words:
            raise UsageError(f"search: {shown(term.shown())} has no letters or digits to look for")
    if not groups:
        raise UsageError("search: the query only excludes: give a word to look for as well")
    fts = " AND ".join("(" + " OR ".join(t.fts() for t in group) + ")" for group in groups)
    if excluded:
        fts = f"({fts}) NOT ({' OR '.join(t.fts() for t in excluded)})"
    return Query(text, fts, tuple(map(tuple, groups)), tuple(excluded))


def _scan(text: str) -> list[Term | str]:
    """Words, quoted phrases and ORs, left to right."""
    items: list[Term | str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        exclude = text[i] == "-"
        if exclude:
            if i + 1 == n or text[i + 1].isspace():
                raise UsageError("search: '-' on its own: put it right before the word to exclude (-word)")
            i += 1
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise UsageError(f"search: unclosed quote in {shown(text[i:].strip())}: end the phrase with \"")
            body, i = text[i + 1:close], close + 1
            prefix = i < n and text[i] == "*"
            while i < n and text[i] == "*":
                i += 1
            items.append(Term(body, phrase=True, prefix=prefix, exclude=exclude))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        word, i = text[i:j], j
        body = word.rstrip("*")
        if not body:
            raise UsageError("search: '*' needs the start of a word before it (dron*)")
        if body == OR and not exclude and body == word:
            items.append(OR)
        else:
            items.append(Term(body, prefix=body != word, exclude=exclude))
    return items


# ---- the tokenizer, asked directly ------------------------------------------------------------

class _Tokenizer:
    """SQLite's own tokenizers, for what the index would make of a text: its stems, or its plain words."""

    TABLES = {"stems": cache.TOKENIZER, "words": cache.TOKENIZER.replace("porter ", "")}

    def __init__(self) -> None:
        import sqlite3

        require_fts5()
        self.con = sqlite3.connect(":memory:")
        self.made: set[str] = set()

    def __call__(self, texts: Sequence[str], table: str) -> list[list[str]]:
        if table not in self.made:
            self.con.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(x, tokenize='{self.TABLES[table]}')")
            self.con.execute(f"CREATE VIRTUAL TABLE {table}_v USING fts5vocab({table}, 'instance')")
            self.made.add(table)
        self.con.execute(f"DELETE FROM {table}")
        self.con.executemany(f"INSERT INTO {table}(rowid, x) VALUES (?, ?)", enumerate(texts))
        out: list[list[str]] = [[] for _ in texts]
        for doc, term in self.con.execute(f"SELECT doc, term FROM {table}_v ORDER BY doc, offset"):
            out[doc].append(term)
        return out


@lru_cache(maxsize=1)
def _tokenizer() -> _Tokenizer:
    return _Tokenizer()


def tokens(texts: Sequence[str], stemmed: bool = True) -> list[list[str]]:
    """What the index makes of each text: its words, folded, and (stemmed) reduced to their stems."""
    return _tokenizer()(texts, "stems" if stemmed else "words") if texts else []


# ---- answers -----------------------------------------------------------------------------------

def matching_ids(dataset: Dataset, query: str) -> list[str]:
    """Ids of the claims matching a query, best first (BM25; ties in file order). UsageError if malformed."""
    index = cache.index(dataset)
    return index.ids(index.positions(cache.Selection(match=parse(query).fts), order="rank"))


def count(dataset: Dataset, query: str) -> int:
    """How many claims match a query. UsageError if malformed."""
    return cache.index(dataset).matches(parse(query).fts)


def no_match(dataset: Dataset, query: str) -> str:
    """`no claims match 'dornes'; did you mean 'drones'?`: close words from the dataset's own vocabulary."""
    q = parse(query)
    better = suggestion(dataset, q)
    return f"no claims match {shown(query)}" + (f"; did you mean {shown(better)}?" if better else "")


def suggestion(dataset: Dataset, q: Query) -> str | None:
    """The query with each word the dataset never uses replaced by the closest word it does use, if any."""
    import difflib

    index = cache.index(dataset)
    words = [t for t in q.terms() if not t.phrase and not t.prefix]
    stems = tokens([t.text for t in words])
    vocabulary: dict[str, int] | None = None
    text, changed = q.text.translate(_FOLD), False
    for term, term_stems in zip(words, stems):
        if len(term_stems) != 1:
            continue
        if vocabulary is None:
            vocabulary = dict(index.vocabulary())
        if term_stems[0] in vocabulary:
            continue
        typed = tokens([term.text], stemmed=False)[0][0]
        close = set(difflib.get_close_matches(typed, vocabulary, n=5, cutoff=0.7))
        close |= set(difflib.get_close_matches(term_stems[0], vocabulary, n=5, cutoff=0.7))
        if not close:
            continue
        stem = max(close, key=lambda s: (difflib.SequenceMatcher(None, typed, s).ratio(), vocabulary[s], s))
        better = _surface(dataset, index, stem, typed)
        # The word where it stands on its own, not inside another one ("ran" in "iran ran").
        text, n = re.subn(rf"(?<!\S){re.escape(term.text)}(?!\S)", lambda _: better, text, count=1)
        changed = changed or n > 0
    return text if changed else None


def _surface(dataset: Dataset, index: cache.Index, stem: str, typed: str) -> str:
    """A word as written in the claims for an indexed stem ('drones' for 'drone'), closest to what was typed."""
    import difflib

    found = index.claims(cache.Selection(match='"' + stem.replace('"', '""') + '"'), limit=20)
    texts = [text for c in found for text in cache.document(dataset, c)]
    seen: dict[str, int] = {}
    for plain, stemmed in zip(tokens(texts, stemmed=False), tokens(texts)):
        for word, word_stem in zip(plain, stemmed):
            if word_stem == stem:
                seen[word] = seen.get(word, 0) + 1
    if not seen:
        return stem
    return max(seen, key=lambda w: (difflib.SequenceMatcher(None, typed, w).ratio(), seen[w], w))


# ---- highlighting ------------------------------------------------------------------------------

class Highlighter:
    """Where a query's words occur in a text shown on a terminal, found by the same tokenizer as the index.

    A claim may match through the name of one of its parties ("iran" finds a claim that says "Tehran"):
    the other names of an entity named in the query are highlighted too.
    """

    START, END = "\x01", "\x02"  # shown text never holds controls: they are escaped before display

    def __init__(self, dataset: Dataset, query: str) -> None:
        import sqlite3

        q = parse(query)
        phrases = [t.fts() for t in q.terms()]
        for entity in _entities_named(dataset, q):
            phrases += [Term(name, phrase=True).fts() for name in (entity.name, *entity.aliases)]
        self._match = " OR ".join(dict.fromkeys(phrases))
        self._con = sqlite3.connect(":memory:")
        self._con.execute(f"CREATE VIRTUAL TABLE h USING fts5(x, tokenize='{cache.TOKENIZER}')")

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each highlighted stretch of `text`."""
        self._con.execute("DELETE FROM h")
        self._con.execute("INSERT INTO h(rowid, x) VALUES (1, ?)", (text,))
        row = self._con.execute(f"SELECT highlight(h, 0, '{self.START}', '{self.END}') FROM h WHERE h MATCH ?",
                                (self._match,)).fetchone()
        if row is None:
            return []
        spans, at, start = [], 0, 0
        for ch in row[0]:
            if ch == self.START:
                start = at
            elif ch == self.END:
                spans.append((start, at))
            else:
                at += 1
        return spans


def _entities_named(dataset: Dataset, q: Query) -> list[Any]:
    """Entities whose name, alias or code is a run of the query's words (`north korea`, `DPRK`)."""
    names = {name_key(n): e for e in dataset.entities.values() for n in entity_names(e)}
    words = [t.text for t in q.terms() if not t.prefix]
    found: dict[str, Any] = {}
    for i in range(len(words)):
        for j in range(i + 1, min(i + 5, len(words)) + 1):
            entity = names.get(name_key(" ".join(words[i:j])))
            if entity is not None:
                found[entity.id] = entity
    return list(found.values())
