"""A derived index of a facts directory (SQLite in the user cache), so later runs skip YAML and validation.

One file per facts directory. It holds the validated records (entities and sources whole; each claim
on its own row, indexed by party, kind, status, source and date span), a full-text index of the claims
(SQLite FTS5) and a key: the path, size, mtime and ctime of
every facts file, the tool's version and its own code. A run whose key differs in anything rebuilds
the file, so the cache is never stale. Writes go to a temporary file renamed into place; a missing,
read-only, corrupt or unreadable cache is bypassed silently, never an error.

The model classes are plain dataclasses, so serving a run from here imports neither PyYAML nor pydantic.
A dataset loaded without the cache gets the same tables built in memory when a search or count asks
for them (`index`), so both give the same answers from the same SQL.
"""

from __future__ import annotations

import functools
import json
import marshal
import os
import stat
import sys
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from . import __version__, files, store
from .errors import AllianceError
from .model import (
    CONTESTED,
    Citation,
    Claim,
    Dataset,
    DatasetInfo,
    Entity,
    Licence,
    LintException,
    Quantity,
    Source,
    Treaty,
    date_span,
    entity_names,
    sort_key,
)

APP = "alliance-cli"
CACHE_ENV = "ALLIANCE_CACHE_DIR"
NO_CACHE_ENV = "ALLIANCE_NO_CACHE"
FORMAT = 6  # bump when the layout below changes (4: lint exceptions, 5: checksummed rows and meta, 6: sealed)
# A file changed this recently could change again within one tick of the file system's clock and
# keep its mtime; such a file is never trusted to a cache (git calls this "racily clean").
SETTLE_NS = 2_000_000_000
# The same for the cache file itself: its stamp (see _sealed) is recorded only once it is this old,
# so that no change can hide in the tick of the clock in which the file was written.
STAMP_SETTLE_NS = 2_000_000_000

_CODE = ("model.py", "store.py", "yamlfile.py", "cache.py")  # what decides a Dataset's content


def load(facts_dir: Path, use_cache: bool = True) -> Dataset:
    """The validated dataset in `facts_dir`: from the cache when its key matches, otherwise loaded and cached.

    Problems in the facts raise AllianceError exactly as `store.load` does; problems with the cache never do.
    """
    if not use_cache or os.environ.get(NO_CACHE_ENV, "").lower() in ("1", "true", "yes", "on"):
        return store.load(facts_dir)
    started = time.time_ns()
    try:
        key, newest = _key(facts_dir, _paths(facts_dir))
        cache_file = cache_dir() / _file_name(facts_dir)
    except OSError:  # a file vanished or cannot be read: loading will say so, or do without the cache
        return store.load(facts_dir)
    cached = _open(cache_file, key, facts_dir)
    if cached is not None:
        return cached
    dataset = store.load(facts_dir)
    if newest < started - SETTLE_NS and _write(cache_file, key, dataset):
        # Searches and counts of this run use the tables just written, rather than build them again in memory.
        return _attached(cache_file, key, facts_dir, dataset) or dataset
    return dataset


def cache_dir() -> Path:
    """$ALLIANCE_CACHE_DIR, or the user cache directory of the platform (as platformdirs gives it)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    if sys.platform == "linux" and not hasattr(sys, "getandroidapilevel"):
        # platformdirs' rule for Linux, without importing it (and the tempfile and random it pulls
        # in: 3 ms, a thirtieth of a run) on every run; test_cache checks that both agree.
        for base in (os.environ.get("XDG_CACHE_HOME", ""), os.path.join(os.environ.get("HOME", ""), ".cache")):
            if os.path.isabs(base):
                return Path(base, APP)
    from platformdirs import user_cache_path

    return user_cache_path(APP, appauthor=False)


def _paths(facts_dir: Path) -> list[Path]:
    sources, entities, claims = store.facts_files(facts_dir)  # an AllianceError here is the user's to see
    info = store.dataset_file(facts_dir)
    return [sources, entities, *claims, *([info] if info else [])]


def _key(facts_dir: Path, paths: list[Path]) -> tuple[str, int]:
    """Everything the cached content depends on, as text; and the newest change time among the files."""
    here = Path(__file__).parent
    code = [(name, *_stamp(here / name)) for name in _CODE]
    files = [(str(p.relative_to(facts_dir)), *_stamp(p)) for p in paths]
    newest = max((max(f[2], f[3]) for f in files), default=0)
    return repr((FORMAT, __version__, str(facts_dir.resolve()), code, files)), newest


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _file_name(facts_dir: Path) -> str:
    # Readable, and distinct per directory; a clash would only cost rebuilds, as the key holds the path.
    resolved = str(facts_dir.resolve())
    stem = "".join(ch if ch.isalnum() else "-" for ch in facts_dir.resolve().name)[:40] or "facts"
    return f"{stem}-{zlib.crc32(os.fsencode(resolved)):08x}.sqlite"  # a path need not be UTF-8


# ---- records as plain tuples (marshal writes and reads them in C) ------------------------------

_CLAIM_FIELDS = tuple(f.name for f in fields(Claim))
_NESTED = {"citations": Citation, "quantity": Quantity, "treaty": Treaty, "lint": LintException}  # test_cache checks it is complete
_I_CITATIONS = _CLAIM_FIELDS.index("citations")
# The nested records a claim may lack (None), by their place in a claim's row.
_OPTIONAL = tuple((_CLAIM_FIELDS.index(name), cls) for name, cls in _NESTED.items() if name != "citations")
_FLAT = {cls: attrgetter(*(f.name for f in fields(cls)))
         for cls in (Citation, Quantity, Treaty, LintException, Source, Entity, DatasetInfo, Licence)}
_claim_values = attrgetter(*_CLAIM_FIELDS)


def _claim_row(claim: Claim) -> bytes:
    row = list(_claim_values(claim))
    row[_I_CITATIONS] = tuple(map(_FLAT[Citation], row[_I_CITATIONS]))
    for i, cls in _OPTIONAL:
        if row[i] is not None:
            row[i] = _FLAT[cls](row[i])
    return marshal.dumps(tuple(row))


def _claim(data: bytes) -> Claim:
    row = list(marshal.loads(data))
    row[_I_CITATIONS] = tuple([Citation(*c) for c in row[_I_CITATIONS]])
    for i, cls in _OPTIONAL:
        if row[i] is not None:
            row[i] = cls(*row[i])
    return Claim(*row)


# ---- checksums: a cache serves only what was written to it --------------------------------------
# A file altered after it was written (a bad disk, a stray edit) must not be served as the facts.
# The whole file is sealed when written: a CRC-32 of its bytes (with the four the CRC goes in taken
# as zero) is put in the SQLite header's user_version field. Checking it reads the whole file, tens
# of milliseconds at 100,000 claims, so it is done when the file's stamp (device, inode, size, mtime,
# ctime) differs from the one recorded beside it, `NAME.stamp`, after it was last checked: as git
# trusts an index entry whose stat is unchanged. Editing the file changes its ctime, which no program
# can set back, so an edited cache is always checked in full. Each claim's data row also carries a
# CRC-32 of its position and bytes, checked as it is read, and the meta rows one of theirs, checked on
# opening, which catch a damaged disk under an unchanged stamp. Any mismatch drops the file and loads
# the facts files instead.

_SEAL_AT = 60  # the header's user_version: 4 bytes, big-endian, unused by SQLite itself
_WINDOW = 16 << 20  # the file is read through a window this large, to keep memory low


def _seal(path: str) -> None:
    """Write the CRC-32 of the file at `path` into its header; the file is complete and closed."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    try:
        crc = _content_crc(fd, os.fstat(fd).st_size)
        os.pwrite(fd, crc.to_bytes(4, "big"), _SEAL_AT)
    finally:
        os.close(fd)


def _content_crc(fd: int, size: int) -> int:
    """CRC-32 of a cache file's bytes, the seal's four counted as zero."""
    import mmap

    crc = 0
    for offset in range(0, size, _WINDOW):
        with mmap.mmap(fd, min(_WINDOW, size - offset), offset=offset, access=mmap.ACCESS_READ) as window:
            view = memoryview(window)
            try:
                if offset == 0:
                    crc = zlib.crc32(view[_SEAL_AT + 4:], zlib.crc32(b"\0\0\0\0", zlib.crc32(view[:_SEAL_AT])))
                else:
                    crc = zlib.crc32(view, crc)
            finally:
                view.release()
    return crc


def _stamp_of(st: os.stat_result) -> str:
    return f"{FORMAT} {st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}\n"


def _sealed(cache_file: Path, st: os.stat_result) -> bool:
    """Whether the file whose stat is `st` holds the bytes it was sealed with: at once when its stamp is
    the one recorded after its last check, otherwise by reading it all (and recording the stamp)."""
    stamp_file = cache_file.with_name(cache_file.name + ".stamp")
    stamp = _stamp_of(st)
    try:
        # Stat again: SQLite opened the file after `st` was taken, and it must be that same file.
        if files.read_limited(stamp_file, 256, stamp_file.name) == stamp.encode() == _stamp_of(cache_file.stat()).encode():
            return True
    except (AllianceError, OSError):  # no stamp yet, or not a regular file: check the content
        pass
    try:
        fd = os.open(cache_file, files.READ_FLAGS)
    except (OSError, ValueError):
        return False
    try:
        if _stamp_of(os.fstat(fd)) != stamp:  # replaced since: not the file SQLite opened
            return False
        if _content_crc(fd, st.st_size) != int.from_bytes(os.pread(fd, 4, _SEAL_AT), "big"):
            return False
    except (OSError, ValueError):
        return False
    finally:
        os.close(fd)
    if st.st_ctime_ns < time.time_ns() - STAMP_SETTLE_NS:
        _write_stamp(stamp_file, stamp)
    return True

def _row_check(pos: int, data: bytes) -> int:
    return zlib.crc32(data, zlib.crc32(str(pos).encode()))


def _meta_check(meta: Mapping[str, Any]) -> str:
    crc = 0
    for name in sorted(meta):
        if name != "check":
            value = meta[name] if isinstance(meta[name], bytes) else str(meta[name]).encode()
            crc = zlib.crc32(value, zlib.crc32(f"{name}:{len(value)}:".encode(), crc))
    return f"{crc:08x}"


def _span(claim: Claim, spans: dict[str, tuple[str, str]]) -> tuple[str | None, str | None]:
    """The span Filters.apply compares: the first day of `date` to the last day of `end`, or of `date`."""
    if claim.date is None:
        return None, None
    return _days(claim.date, spans)[0], _days(claim.end or claim.date, spans)[1]


def _days(date: str, spans: dict[str, tuple[str, str]]) -> tuple[str, str]:
    # Dates repeat, and parsing each one again was a third of the time it took to write the cache.
    days = spans.get(date)
    if days is None:
        days = spans[date] = date_span(date)
    return days


# ---- reading -----------------------------------------------------------------------------------

def _open(cache_file: Path, key: str, facts_dir: Path) -> Dataset | None:
    import sqlite3

    opened = _connect(cache_file, key)
    if opened is None:
        return None
    con, meta = opened
    try:
        sources = {s.id: s for s in (Source(*row) for row in marshal.loads(meta["sources"]))}
        entities = {e.id: e for e in (Entity(*row) for row in marshal.loads(meta["entities"]))}
        info = _info(marshal.loads(meta["info"]))
        claims = IndexedClaims(con, int(meta["claims"]), facts_dir, cache_file)
    except (sqlite3.Error, ValueError, EOFError, TypeError, KeyError):
        con.close()
        return None
    return Dataset(claims, sources, entities, claims.by_id, info)


def _attached(cache_file: Path, key: str, facts_dir: Path, dataset: Dataset) -> Dataset | None:
    """`dataset`, just loaded from its files, with the cache file written from it for its SQL tables."""
    opened = _connect(cache_file, key)
    if opened is None:
        return None
    claims = IndexedClaims(opened[0], len(dataset.claims), facts_dir, cache_file, loaded=tuple(dataset.claims))
    return Dataset(claims, dataset.sources, dataset.entities, dataset.claims_by_id, dataset.info)


def _connect(cache_file: Path, key: str) -> tuple[Any, dict[str, Any]] | None:
    """A read-only connection to the cache file and its meta rows, if the file is whole, for this key,
    and as it was written; otherwise None."""
    import sqlite3

    con = None
    try:
        st = cache_file.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would hang the run, a device would feed it garbage
            return None
        # immutable: a cache file is never changed in place, only replaced whole.
        con = sqlite3.connect(f"{cache_file.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
        meta = dict(con.execute("SELECT name, value FROM meta"))
        size = con.execute("PRAGMA page_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
        if meta.get("key") == key and size == st.st_size and meta.get("check") == _meta_check(meta) \
                and _sealed(cache_file, st):
            return con, meta
    except (OSError, sqlite3.Error, ValueError):
        pass
    if con is not None:
        con.close()  # stale, cut short, or altered since it was written
    return None


_I_LICENCE = [f.name for f in fields(DatasetInfo)].index("licence")


def _info_row(info: DatasetInfo | None) -> tuple | None:
    if info is None:
        return None
    row = list(_FLAT[DatasetInfo](info))
    row[_I_LICENCE] = _FLAT[Licence](info.licence)
    return tuple(row)


def _info(row: tuple | None) -> DatasetInfo | None:
    if row is None:
        return None
    values = list(row)
    values[_I_LICENCE] = Licence(*values[_I_LICENCE])
    return DatasetInfo(*values)


class IndexedClaims(Sequence[Claim]):
    """The claims of a cached dataset, in file order, read from the cache only as far as they are needed.

    `narrow` gives the claims that may pass a filter by party, kind and date without reading the others;
    `index` answers selections, counts and searches in SQL; iterating reads them all. Should the cache
    file fail under us, the facts files are loaded instead.
    """

    def __init__(self, con: Any, count: int, facts_dir: Path, cache_file: Path,
                 loaded: tuple[Claim, ...] | None = None) -> None:
        self._con, self._count, self._facts_dir, self._cache_file = con, count, facts_dir, cache_file
        self._all: tuple[Claim, ...] | None = loaded  # the claims, once read (or loaded from the files already)
        self.loaded_from_files = loaded is not None  # this run read the facts files and then wrote the cache
        self._failed = False
        self.by_id = ClaimsById(self)

    def __len__(self) -> int:
        return self._count if self._all is None else len(self._all)

    def __getitem__(self, index: Any) -> Any:
        return self.everything()[index]

    def __iter__(self) -> Iterator[Claim]:
        return iter(self.everything())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (IndexedClaims, tuple)):
            return self.everything() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def everything(self) -> tuple[Claim, ...]:
        if self._all is None:
            found = self._select("SELECT pos, crc, data FROM claim_data ORDER BY pos", ())
            if found is not None and len(found) != self._count:
                found = self._fail()
            self._all = found if found is not None else self._all
        assert self._all is not None
        return self._all

    def narrow(self, parties: Sequence[str], kinds: Sequence[str], since: str | None, until: str | None,
               undated: bool = False) -> Sequence[Claim]:
        """Claims, in file order, that have all `parties`, one of `kinds` and a date span meeting since..until.

        Empty arguments do not narrow. Callers still apply their own filters: this only saves reading.
        """
        if self._all is not None or not (parties or kinds or since or until or undated):
            return self.everything()
        where, params = Selection(tuple(parties), tuple(kinds), since=since, until=until).where()
        if undated:
            where += (" AND " if where else " WHERE ") + "first IS NULL"
        found = self._select(f"SELECT pos, crc, data FROM claim_data WHERE pos IN (SELECT pos FROM claims{where}) ORDER BY pos",
                             params)
        return self.everything() if found is None else found

    def index(self, dataset: Dataset) -> Index:
        """The cache file's tables, to select, count and search in SQL; built in memory should the file fail."""
        def from_files() -> Index:
            return memory_index(Dataset.of(self.everything(), dataset.sources, dataset.entities, dataset.info))

        if not self._failed:
            try:
                if self._con.execute("SELECT value FROM meta WHERE name = 'fts'").fetchone() == ("1",):
                    return Index(self._con, self._at, fallback=lambda: self._fail() or from_files())
            except Exception:  # noqa: BLE001 - any failure of the cache falls back to the files
                self._fail()
        return from_files()

    def _at(self, positions: Sequence[int]) -> list[Claim]:
        """The claims at these positions, in the order given."""
        if self._all is not None:
            return [self._all[p] for p in positions]
        found: dict[int, Claim] = {}
        todo = sorted(set(positions))
        for i in range(0, len(todo), 10_000):
            chunk = todo[i:i + 10_000]
            rows = self._select(f"SELECT pos, crc, data FROM claim_data WHERE pos IN ({','.join(map(str, chunk))})", (),
                                with_pos=True)
            if rows is None:  # the cache failed: the files are loaded now
                return [self.everything()[p] for p in positions]
            found.update(rows)
        return [found[p] for p in positions]

    def get(self, claim_id: str) -> Claim | None:
        if self._all is None:
            found = self._select("SELECT pos, crc, data FROM claim_data WHERE pos = (SELECT pos FROM claims WHERE id = ?)",
                                 (claim_id,))
            if found is not None and (not found or found[0].id == claim_id):
                return found[0] if found else None
            if found:  # the index led to another claim: it was altered
                self._fail()
        return next((c for c in self.everything() if c.id == claim_id), None)

    def ids(self) -> list[str]:
        if self._all is None:
            try:
                return [row[0] for row in self._con.execute("SELECT id FROM claims ORDER BY pos")]
            except Exception:  # noqa: BLE001 - any failure of the cache falls back to the files
                pass
        return [c.id for c in self.everything()]

    @store.collector_paused
    def _select(self, sql: str, params: tuple[Any, ...], with_pos: bool = False) -> Any:
        """Claims from the cache; None (after loading the facts files instead) should it fail."""
        try:
            found = []
            for pos, crc, data in self._con.execute(sql, params):
                if _row_check(pos, data) != crc:
                    return self._fail()  # altered since it was written: never serve it
                found.append((pos, _claim(data)))
            if with_pos:
                return found
            return tuple([claim for _, claim in found])
        except Exception:  # noqa: BLE001 - a cache that fails mid-run is replaced by the files, never an error
            return self._fail()

    def _fail(self) -> None:
        """Serve the rest of this run from the facts files, and drop the cache file so the next run rebuilds it."""
        self._con.close()
        self._failed = True
        try:
            self._cache_file.unlink()
        except OSError:
            pass
        if self._all is None:
            self._all = store.load(self._facts_dir).claims
        return None


class ClaimsById(Mapping[str, Claim]):
    """`Dataset.claims_by_id` for a cached dataset: one claim read by id, without reading the rest."""

    def __init__(self, claims: IndexedClaims) -> None:
        self._claims = claims

    def __getitem__(self, claim_id: str) -> Claim:
        claim = self._claims.get(claim_id)
        if claim is None:
            raise KeyError(claim_id)
        return claim

    def __iter__(self) -> Iterator[str]:
        return iter(self._claims.ids())

    def __len__(self) -> int:
        return len(self._claims)


# ---- selections, counts and full-text search in SQL --------------------------------------------

# Case and diacritics fold (Türkiye = turkiye), punctuation separates words (Jong-un = Jong Un), and
# words are reduced to their Porter stem (drones = drone, supplied = supply).
TOKENIZER = "porter unicode61 remove_diacritics 2"
# What a search looks in, one FTS5 column each, and how much a match in it weighs in the BM25 rank.
FTS_COLUMNS = {"statement": 4.0, "treaty": 3.0, "quotes": 2.0, "notes": 1.0, "unit": 1.0, "names": 1.0, "sources": 1.0}


@dataclass(frozen=True, slots=True)
class Selection:
    """Which claims a filter keeps, in terms of the index: entity, source and kind ids, ISO days, an FTS5 query."""

    parties: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    status: str | None = None
    contested: bool = False
    source: str | None = None
    single_source: bool = False
    since: str | None = None
    until: str | None = None
    match: str | None = None  # an FTS5 query, built by search.parse: never a user's text

    def where(self, with_match: bool = True) -> tuple[str, tuple[Any, ...]]:
        """` WHERE ...` over the claims table (or nothing), and its parameters."""
        where: list[str] = []
        params: list[Any] = []
        # Any number of parties or kinds is one expression over a JSON list: one per value would
        # outgrow SQLite's limits (expression depth, parameters) at a thousand values.
        parties = sorted(set(self.parties))
        if len(parties) == 1:
            where.append("pos IN (SELECT pos FROM parties WHERE entity = ?)")
            params.append(parties[0])
        elif parties:  # claims naming all of them
            where.append("pos IN (SELECT pos FROM parties WHERE entity IN (SELECT value FROM json_each(?)) "
                         "GROUP BY pos HAVING count(*) = ?)")
            params += [json.dumps(parties), len(parties)]
        if self.kinds:
            where.append("kind IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(set(self.kinds))))
        if self.status:
            where.append("status = ?")
            params.append(self.status)
        if self.contested:
            where.append(f"status IN ({','.join('?' * len(CONTESTED))})")
            params += sorted(CONTESTED)
        if self.source:
            where.append("pos IN (SELECT pos FROM cites WHERE source = ?)")
            params.append(self.source)
        if self.single_source:
            where.append("n_sources = 1")
        if self.since:
            where.append("last >= ?")
            params.append(self.since)
        if self.until:
            where.append("first <= ?")
            params.append(self.until)
        if self.match is not None and with_match:
            where.append("pos IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
            params.append(self.match)
        return (" WHERE " + " AND ".join(where) if where else ""), tuple(params)


# What a count groups by, as SQL over the claims matching a selection (`{sel}`); a claim counts once per value.
_FACETS = {
    "kind": "SELECT kind, count(*) FROM claims{where} GROUP BY kind",
    "status": "SELECT status, count(*) FROM claims{where} GROUP BY status",
    "year": "SELECT coalesce(substr(date, 1, 4), 'undated'), count(*) FROM claims{where} GROUP BY 1",
    "party": "SELECT entity, count(*) FROM parties{sel} GROUP BY entity",
    "source": "SELECT source, count(*) FROM cites{sel} GROUP BY source",
}


class Index:
    """A dataset's claims as SQL tables (facets, parties, sources cited, full text), to select, count and rank.

    Over the cache file for a cached dataset; otherwise built in memory by the same code, so both give
    the same answers. Positions are the claims' places in file order.
    """

    def __init__(self, con: Any, claims_at: Any, fallback: Any = None) -> None:
        self.con, self._claims_at, self._fallback = con, claims_at, fallback

    def claims(self, selection: Selection, order: str = "file", limit: int | None = None) -> list[Claim]:
        """The selected claims in file order, date order (`model.sort_key`) or by rank (best first), at most `limit`."""
        return self._claims_at(self.positions(selection, order, limit))

    def positions(self, selection: Selection, order: str = "file", limit: int | None = None) -> list[int]:
        """Positions of the selected claims in the order and number asked."""
        where, params = selection.where(with_match=order != "rank")
        if order == "rank":
            assert selection.match is not None
            weights = ", ".join(map(str, FTS_COLUMNS.values()))
            rank = f"bm25(claims_fts, {weights})"
            if where:
                sql = (f"SELECT pos FROM claims_fts JOIN claims ON pos = claims_fts.rowid WHERE claims_fts MATCH ?"
                       f"{where.replace(' WHERE ', ' AND ', 1)} ORDER BY {rank}, pos LIMIT ?")
            else:  # the full-text index alone
                sql = f"SELECT rowid FROM claims_fts WHERE claims_fts MATCH ? ORDER BY {rank}, rowid LIMIT ?"
            params = (selection.match, *params)
        elif order == "date":
            # The first few of many matches: walking the claims in date order finds them sooner than
            # sorting every match (100,000 claims, a word in a sixth of them: 2 ms against 20).
            walk = limit is not None and selection.match is not None and selection == Selection(match=selection.match) \
                and self.matches(selection.match) ** 2 > limit * self._run("SELECT count(*) FROM claims", ())[0][0]
            sql = f"SELECT pos FROM claims{' INDEXED BY claims_by_date' * walk}{where} ORDER BY ord LIMIT ?"
        else:
            sql = f"SELECT pos FROM claims{where} ORDER BY pos LIMIT ?"
        return [pos for (pos,) in self._run(sql, (*params, -1 if limit is None else limit))]

    def ids(self, positions: Sequence[int]) -> list[str]:
        found: dict[int, str] = {}
        for i in range(0, len(positions), 10_000):
            chunk = ",".join(map(str, positions[i:i + 10_000]))
            found.update(self._run(f"SELECT pos, id FROM claims WHERE pos IN ({chunk})", ()))
        return [found[p] for p in positions]

    def matches(self, match: str) -> int:
        """How many claims an FTS5 query matches."""
        return self._run("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH ?", (match,))[0][0]

    def count(self, selection: Selection, facet: str) -> list[tuple[str, int]]:
        """(value, claims) for each value of the facet among the selected claims, in no particular order."""
        where, params = selection.where()
        if not where:  # counted once, when the index was built
            return self._run("SELECT value, n FROM facets WHERE facet = ?", (facet,))
        sel = f" WHERE pos IN (SELECT pos FROM claims{where})"
        return self._run(_FACETS[facet].format(where=where, sel=sel), params)

    def vocabulary(self) -> list[tuple[str, int]]:
        """Every indexed word (as its stem) with the number of claims holding it."""
        return self._run("SELECT term, doc FROM claims_vocab", ())

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        import sqlite3

        try:
            return self.con.execute(sql, params).fetchall()
        except sqlite3.DatabaseError:
            if self._fallback is None:
                raise
            # The cache file failed under us: answer from an index of the facts files instead.
            replacement = self._fallback()
            self.con, self._claims_at, self._fallback = replacement.con, replacement._claims_at, None
            return self._run(sql, params)


def index(dataset: Dataset) -> Index:
    """The SQL tables of a dataset: the cache file's when it came from the cache, otherwise built in memory."""
    claims = dataset.claims
    return claims.index(dataset) if isinstance(claims, IndexedClaims) else memory_index(dataset)


_memory: list[tuple[Dataset, Index]] = []


def memory_index(dataset: Dataset) -> Index:
    """The cache's tables for a dataset loaded from its files, built in memory once per run."""
    import sqlite3

    for known, built in _memory:
        if known is dataset:
            return built
    con = sqlite3.connect(":memory:")
    _fill(con, dataset, with_data=False)
    claims = dataset.claims
    built = Index(con, lambda positions: [claims[p] for p in positions])
    _memory[:] = [(dataset, built)]
    return built


@functools.lru_cache(maxsize=1)
def fts5_available() -> bool:
    """Whether this Python's SQLite has the FTS5 full-text extension (nearly every build does)."""
    import sqlite3

    con = sqlite3.connect(":memory:")
    try:
        con.execute(f"CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='{TOKENIZER}')")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


def document(dataset: Dataset, claim: Claim) -> tuple[str, ...]:
    """A claim's searchable text, one string per FTS column: its own words and the names of whom and what it cites."""
    return next(_documents(dataset, [claim]))[1:]


def _documents(dataset: Dataset, claims: Sequence[Claim] | None = None) -> Iterator[tuple[Any, ...]]:
    names = {e.id: "\n".join(entity_names(e)) for e in dataset.entities.values()}
    sources = {s.id: "\n".join(filter(None, (s.title, s.outlet, *s.cites))) for s in dataset.sources.values()}
    for pos, c in enumerate(dataset.claims if claims is None else claims):
        who = dict.fromkeys((*c.parties, *c.asserted_by, *c.denied_by))
        texts = {
            "statement": c.statement,
            "treaty": "\n".join(filter(None, (c.treaty.name, c.treaty.place))) if c.treaty else "",
            "quotes": "\n".join(cit.quote for cit in c.citations),
            "notes": "\n".join(cit.note for cit in c.citations if cit.note),
            "unit": c.quantity.unit if c.quantity else "",
            "names": "\n".join(names.get(e, e) for e in who),
            "sources": "\n".join(sources[s] for s in dict.fromkeys(cit.source for cit in c.citations)),
        }
        yield (pos, *(texts[column] for column in FTS_COLUMNS))


# ---- writing -----------------------------------------------------------------------------------

_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE claims (pos INTEGER PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, date TEXT,
                     first TEXT, last TEXT, n_sources INTEGER NOT NULL, ord INTEGER NOT NULL);
CREATE TABLE claim_data (pos INTEGER PRIMARY KEY, crc INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE parties (entity TEXT NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (entity, pos)) WITHOUT ROWID;
CREATE TABLE cites (source TEXT NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (source, pos)) WITHOUT ROWID;
CREATE TABLE facets (facet TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (facet, value)) WITHOUT ROWID;
"""
_FTS_SCHEMA = f"""
CREATE VIRTUAL TABLE claims_fts USING fts5({', '.join(FTS_COLUMNS)}, tokenize='{TOKENIZER}', content='');
CREATE VIRTUAL TABLE claims_vocab USING fts5vocab(claims_fts, 'row');
"""
_INDEXES = """
CREATE INDEX claims_by_id ON claims (id);
CREATE INDEX claims_by_kind ON claims (kind, first);
CREATE INDEX claims_by_date ON claims (ord);
"""


def _fill(con: Any, dataset: Dataset, with_data: bool = True) -> None:
    """Create and fill the tables, in the cache file or in memory; the full-text index where SQLite has FTS5."""
    spans: dict[str, tuple[str, str]] = {}
    claims = dataset.claims
    ranks = {pos: rank for rank, pos in enumerate(sorted(range(len(claims)), key=lambda i: sort_key(claims[i])))}
    con.executescript(_SCHEMA)
    con.executemany(
        "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((pos, c.id, c.kind, c.status, c.date, *_span(c, spans), len({cit.source for cit in c.citations}), ranks[pos])
         for pos, c in enumerate(claims)),
    )
    if with_data:
        con.executemany("INSERT INTO claim_data VALUES (?, ?, ?)",
                        ((pos, _row_check(pos, data), data) for pos, data in ((p, _claim_row(c)) for p, c in enumerate(claims))))
    # Sorted by key, because a b-tree fills faster in key order than in random order.
    con.executemany("INSERT OR IGNORE INTO parties VALUES (?, ?)",
                    sorted((party, pos) for pos, c in enumerate(claims) for party in c.parties))
    con.executemany("INSERT OR IGNORE INTO cites VALUES (?, ?)",
                    sorted({(cit.source, pos) for pos, c in enumerate(claims) for cit in c.citations}))
    fts = fts5_available()
    if fts:
        con.executescript(_FTS_SCHEMA)
        con.executemany(f"INSERT INTO claims_fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES (?{', ?' * len(FTS_COLUMNS)})",
                        _documents(dataset))
    con.executescript(_INDEXES)
    for facet, sql in _FACETS.items():  # the counts of the whole dataset, which `claims --count-by` shows
        con.execute(f"INSERT INTO facets SELECT ?, * FROM ({sql.format(where='', sel='')})", (facet,))
    con.executemany("INSERT INTO meta VALUES (?, ?)", (("claims", str(len(claims))), ("fts", str(int(fts)))))


def _write(cache_file: Path, key: str, dataset: Dataset) -> bool:
    """Write the cache beside its final name and rename it into place; on any failure, write nothing (False)."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    _remove_abandoned(cache_file)
    return _replace(cache_file, lambda tmp: _build(tmp, key, dataset))


def _build(path: str, key: str, dataset: Dataset) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        _fill(con, dataset)
        meta = {
            "sources": marshal.dumps([_FLAT[Source](s) for s in dataset.sources.values()]),
            "entities": marshal.dumps([_FLAT[Entity](e) for e in dataset.entities.values()]),
            "info": marshal.dumps(_info_row(dataset.info)),
            "key": key,
            **dict(con.execute("SELECT name, value FROM meta")),  # what _fill wrote: counted in the check
        }
        meta["check"] = _meta_check(meta)
        con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        con.commit()
    finally:
        con.close()
    _seal(path)


def _write_stamp(path: Path, stamp: str) -> None:
    def fill(tmp: str) -> None:
        with open(tmp, "w", encoding="ascii") as f:
            f.write(stamp)

    _replace(path, fill)


def _replace(path: Path, fill: Any) -> bool:
    """Have `fill` write a temporary file beside `path`, then rename it into place; on any failure, write
    nothing and return False."""
    import sqlite3
    import tempfile

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        fill(tmp)
        os.replace(tmp, path)
        tmp = None
        return True
    except (OSError, sqlite3.Error, ValueError):
        return False  # a cache that cannot be written is no cache; the run goes on from the files
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _remove_abandoned(cache_file: Path) -> None:
    """Delete temporary files of this cache left an hour ago or more by a run that was killed mid-write."""
    cutoff = time.time() - 3600
    for tmp in cache_file.parent.glob(f".{cache_file.name}.*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:
            pass
