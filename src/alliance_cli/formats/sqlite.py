"""A SQLite database of the claims, with keys, that opens as it is in sqlite3 or Datasette."""

from __future__ import annotations

import json
import sqlite3

from ..model import Dataset
from .view import Listing

SCHEMA = """
CREATE TABLE dataset (
  name TEXT PRIMARY KEY, value TEXT
);
CREATE TABLE sources (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, outlet TEXT, kind TEXT NOT NULL, byline TEXT,
  published TEXT, url TEXT, cites TEXT NOT NULL, archive TEXT NOT NULL, sha256 TEXT NOT NULL
);
CREATE TABLE entities (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, iso2 TEXT, iso3 TEXT, aliases TEXT NOT NULL
);
CREATE TABLE claims (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, date TEXT, "end" TEXT, statement TEXT NOT NULL,
  status TEXT NOT NULL,
  quantity_amount REAL, quantity_unit TEXT, quantity_lower REAL, quantity_upper REAL, quantity_approximate INTEGER,
  treaty_name TEXT, treaty_signed TEXT, treaty_place TEXT, treaty_obligations TEXT, treaty_mutual_defense INTEGER
);
CREATE TABLE claim_parties (
  claim_id TEXT NOT NULL REFERENCES claims(id), entity_id TEXT NOT NULL REFERENCES entities(id),
  role TEXT NOT NULL CHECK (role IN ('party', 'asserted_by', 'denied_by')), position INTEGER NOT NULL,
  PRIMARY KEY (claim_id, role, position)
);
CREATE TABLE citations (
  claim_id TEXT NOT NULL REFERENCES claims(id), position INTEGER NOT NULL,
  source_id TEXT NOT NULL REFERENCES sources(id), quote TEXT NOT NULL, note TEXT,
  PRIMARY KEY (claim_id, position)
);
CREATE TABLE related_claims (
  claim_id TEXT NOT NULL REFERENCES claims(id), related_id TEXT NOT NULL,
  PRIMARY KEY (claim_id, related_id)
);
"""


def database(view: Listing) -> bytes:
    """The database file's bytes, built in memory: the caller writes them (atomically) where asked."""
    db = sqlite3.connect(":memory:")
    try:
        _fill(db, view)
        db.commit()
        return db.serialize()
    finally:
        db.close()


def _dataset_rows(ds: Dataset) -> list[tuple[str, str | None]]:
    """The dataset's identity as name/value rows (no rows but the tool's version without a dataset.yaml)."""
    from .. import __version__

    rows: list[tuple[str, str | None]] = []
    info = ds.info
    if info is not None:
        rows += [("title", info.title), ("description", info.description), ("version", info.version),
                 ("date", info.date), ("licence", info.licence.name), ("licence_title", info.licence.title),
                 ("licence_url", info.licence.url), ("maintainers", json.dumps(list(info.maintainers), ensure_ascii=False)),
                 ("homepage", info.homepage)]
    return [*rows, ("tool_version", f"alliance-cli {__version__}")]


def _fill(db: sqlite3.Connection, view: Listing) -> None:
    ds = view.dataset
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO dataset VALUES (?,?)", _dataset_rows(ds))
    db.executemany(
        "INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(s.id, s.title, s.outlet, s.kind, s.byline, s.published, s.url, json.dumps(list(s.cites)), s.archive, s.sha256)
         for s in ds.sources.values()],
    )
    db.executemany(
        "INSERT INTO entities VALUES (?,?,?,?,?,?)",
        [(e.id, e.name, e.kind, e.iso2, e.iso3, json.dumps(list(e.aliases), ensure_ascii=False))
         for e in ds.entities.values()],
    )
    for c in view.claims:
        q, t = c.quantity, c.treaty
        db.execute(
            "INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (c.id, c.kind, c.date, c.end, c.statement, c.status,
             q and q.amount, q and q.unit, q and q.lower, q and q.upper, q and int(q.approximate),
             t and t.name, t and t.signed, t and t.place, t and json.dumps(list(t.obligations)),
             None if t is None or t.mutual_defense is None else int(t.mutual_defense)),
        )
        for role, ids in (("party", c.parties), ("asserted_by", c.asserted_by), ("denied_by", c.denied_by)):
            db.executemany("INSERT INTO claim_parties VALUES (?,?,?,?)",
                           [(c.id, eid, role, i) for i, eid in enumerate(ids)])
        db.executemany("INSERT INTO citations VALUES (?,?,?,?,?)",
                       [(c.id, i, cit.source, cit.quote, cit.note) for i, cit in enumerate(c.citations)])
        db.executemany("INSERT INTO related_claims VALUES (?,?)", [(c.id, r) for r in c.related])
