"""A derived index of a facts directory (SQLite in the user cache), so later runs skip YAML and validation.

One file per facts directory. It holds the validated records (entities and sources whole; each claim
on its own row, indexed by party, kind and date span) and a key: the path, size, mtime and ctime of
every facts file, the tool's version and its own code. A run whose key differs in anything rebuilds
the file, so the cache is never stale. Writes go to a temporary file renamed into place; a missing,
read-only, corrupt or unreadable cache is bypassed silently, never an error.

The model classes are plain dataclasses, so serving a run from here imports neither PyYAML nor pydantic.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from . import __version__, store
from .model import Citation, Claim, Dataset, DatasetInfo, Entity, Licence, Quantity, Source, Treaty, date_span

APP = "alliance-cli"
CACHE_ENV = "ALLIANCE_CACHE_DIR"
NO_CACHE_ENV = "ALLIANCE_NO_CACHE"
FORMAT = 2  # bump when the layout below changes
# A file changed this recently could change again within one tick of the file system's clock and
# keep its mtime; such a file is never trusted to a cache (git calls this "racily clean").
SETTLE_NS = 2_000_000_000

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
    if newest < started - SETTLE_NS:
        _write(cache_file, key, dataset)
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
    return f"{stem}-{zlib.crc32(resolved.encode()):08x}.sqlite"


# ---- records as plain tuples (marshal writes and reads them in C) ------------------------------

_CLAIM_FIELDS = tuple(f.name for f in fields(Claim))
_NESTED = {"citations": Citation, "quantity": Quantity, "treaty": Treaty}  # test_cache checks it is complete
_I_CITATIONS, _I_QUANTITY, _I_TREATY = (_CLAIM_FIELDS.index(n) for n in _NESTED)
_FLAT = {cls: attrgetter(*(f.name for f in fields(cls)))
         for cls in (Citation, Quantity, Treaty, Source, Entity, DatasetInfo, Licence)}
_claim_values = attrgetter(*_CLAIM_FIELDS)


def _claim_row(claim: Claim) -> bytes:
    row = list(_claim_values(claim))
    row[_I_CITATIONS] = tuple(map(_FLAT[Citation], row[_I_CITATIONS]))
    for i, cls in ((_I_QUANTITY, Quantity), (_I_TREATY, Treaty)):
        if row[i] is not None:
            row[i] = _FLAT[cls](row[i])
    return marshal.dumps(tuple(row))


def _claim(data: bytes) -> Claim:
    row = list(marshal.loads(data))
    row[_I_CITATIONS] = tuple([Citation(*c) for c in row[_I_CITATIONS]])
    if row[_I_QUANTITY] is not None:
        row[_I_QUANTITY] = Quantity(*row[_I_QUANTITY])
    if row[_I_TREATY] is not None:
        row[_I_TREATY] = Treaty(*row[_I_TREATY])
    return Claim(*row)


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

    con = None
    try:
        # immutable: a cache file is never changed in place, only replaced whole.
        con = sqlite3.connect(f"{cache_file.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
        meta = dict(con.execute("SELECT name, value FROM meta"))
        size = con.execute("PRAGMA page_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
        if meta.get("key") != key or size != cache_file.stat().st_size:  # stale, or cut short
            con.close()
            return None
        sources = {s.id: s for s in (Source(*row) for row in marshal.loads(meta["sources"]))}
        entities = {e.id: e for e in (Entity(*row) for row in marshal.loads(meta["entities"]))}
        info = _info(marshal.loads(meta["info"]))
        claims = IndexedClaims(con, int(meta["claims"]), facts_dir, cache_file)
    except (OSError, sqlite3.Error, ValueError, EOFError, TypeError, KeyError):
        if con is not None:
            con.close()
        return None
    return Dataset(claims, sources, entities, claims.by_id, info)


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
    iterating reads them all. Should the cache file fail under us, the facts files are loaded instead.
    """

    def __init__(self, con: Any, count: int, facts_dir: Path, cache_file: Path) -> None:
        self._con, self._count, self._facts_dir, self._cache_file = con, count, facts_dir, cache_file
        self._all: tuple[Claim, ...] | None = None
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
            found = self._select("", ())
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
        where, params = [], []
        for party in parties:
            where.append("pos IN (SELECT pos FROM parties WHERE entity = ?)")
            params.append(party)
        if kinds:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params += kinds
        if since:
            where.append("last >= ?")
            params.append(since)
        if until:
            where.append("first <= ?")
            params.append(until)
        if undated:
            where.append("first IS NULL")
        found = self._select("WHERE " + " AND ".join(where), tuple(params))
        return self.everything() if found is None else found

    def get(self, claim_id: str) -> Claim | None:
        if self._all is None:
            found = self._select("WHERE id = ?", (claim_id,))
            if found is not None:
                return found[0] if found else None
        return next((c for c in self.everything() if c.id == claim_id), None)

    def ids(self) -> list[str]:
        if self._all is None:
            try:
                return [row[0] for row in self._con.execute("SELECT id FROM claims ORDER BY pos")]
            except Exception:  # noqa: BLE001 - any failure of the cache falls back to the files
                pass
        return [c.id for c in self.everything()]

    @store.collector_paused
    def _select(self, where: str, params: tuple[Any, ...]) -> tuple[Claim, ...] | None:
        """Claims from the cache; None (after loading the facts files instead) should it fail."""
        try:
            rows = self._con.execute(f"SELECT data FROM claims {where} ORDER BY pos", params)
            return tuple([_claim(data) for (data,) in rows])
        except Exception:  # noqa: BLE001 - a cache that fails mid-run is replaced by the files, never an error
            return self._fail()

    def _fail(self) -> None:
        """Serve the rest of this run from the facts files, and drop the cache file so the next run rebuilds it."""
        self._con.close()
        try:
            self._cache_file.unlink()
        except OSError:
            pass
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


# ---- writing -----------------------------------------------------------------------------------

_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE claims (pos INTEGER PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, first TEXT, last TEXT,
                     data BLOB NOT NULL);
CREATE TABLE parties (entity TEXT NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (entity, pos)) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX claims_by_id ON claims (id);
CREATE INDEX claims_by_kind ON claims (kind, first);
"""


def _write(cache_file: Path, key: str, dataset: Dataset) -> None:
    """Write the cache beside its final name and rename it into place; on any failure, write nothing."""
    import sqlite3
    import tempfile

    tmp = None
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(cache_file)
        fd, tmp = tempfile.mkstemp(prefix=f".{cache_file.name}.", suffix=".tmp", dir=cache_file.parent)
        os.close(fd)
        con = sqlite3.connect(tmp)
        spans: dict[str, tuple[str, str]] = {}
        try:
            con.executescript(_SCHEMA)
            con.executemany(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)",
                ((pos, c.id, c.kind, *_span(c, spans), _claim_row(c)) for pos, c in enumerate(dataset.claims)),
            )
            con.executemany(
                "INSERT OR IGNORE INTO parties VALUES (?, ?)",
                ((party, pos) for pos, c in enumerate(dataset.claims) for party in c.parties),
            )
            meta = {
                "claims": str(len(dataset.claims)),
                "sources": marshal.dumps([_FLAT[Source](s) for s in dataset.sources.values()]),
                "entities": marshal.dumps([_FLAT[Entity](e) for e in dataset.entities.values()]),
                "info": marshal.dumps(_info_row(dataset.info)),
                "key": key,
            }
            con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            con.executescript(_INDEXES)
            con.commit()
        finally:
            con.close()
        os.replace(tmp, cache_file)
        tmp = None
    except (OSError, sqlite3.Error, ValueError):
        pass  # a cache that cannot be written is no cache; the run goes on from the files
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
