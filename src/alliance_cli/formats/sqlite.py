"""A SQLite database of the claims, with keys, that opens as it is in sqlite3 or Datasette.

For Datasette it has full-text indexes named as sqlite-utils names them (`claims_fts` over the
claims, `citations_fts` over the quotes and notes: Datasette finds them by their `content=`), two
views that join parties, sources and citations for browsing, and a metadata file (`metadata()`)
with the dataset's title, licence and a description of every table and column.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

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
CREATE TABLE lint_exceptions (
  claim_id TEXT NOT NULL REFERENCES claims(id), rule TEXT NOT NULL, position INTEGER NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (claim_id, rule)
);
"""


def _names(role: str, column: str) -> str:
    """A view column: the names of a claim's entities in one role, in order, as a JSON array."""
    return (f"(SELECT json_group_array(name) FROM (SELECT e.name FROM claim_parties p JOIN entities e ON e.id = p.entity_id"
            f" WHERE p.claim_id = c.id AND p.role = '{role}' ORDER BY p.position)) AS {column}")


# Porter stemming, so that a search for "drone" finds "drones" too. External content: the text is
# stored once, in the tables; Datasette asks the index only for rowids.
SEARCH_AND_VIEWS = f"""
CREATE VIRTUAL TABLE claims_fts USING fts5(statement, treaty_name, content="claims", tokenize="porter unicode61");
CREATE VIRTUAL TABLE citations_fts USING fts5(quote, note, content="citations", tokenize="porter unicode61");
INSERT INTO claims_fts(claims_fts) VALUES ('rebuild');
INSERT INTO citations_fts(citations_fts) VALUES ('rebuild');
CREATE VIEW claims_with_parties AS
SELECT c.id, c.date, c."end", c.kind, c.statement, c.status,
  {_names("party", "parties")}, {_names("asserted_by", "asserted_by")}, {_names("denied_by", "denied_by")},
  (SELECT count(*) FROM citations WHERE claim_id = c.id) AS citations,
  (SELECT json_group_array(title) FROM (SELECT DISTINCT s.title FROM citations ci JOIN sources s ON s.id = ci.source_id
     WHERE ci.claim_id = c.id)) AS sources
FROM claims c;
CREATE VIEW citations_with_sources AS
SELECT ci.claim_id, ci.position + 1 AS number, c.statement, c.status, s.title AS source, s.outlet, s.published,
  ci.quote, ci.note, s.url
FROM citations ci JOIN claims c ON c.id = ci.claim_id JOIN sources s ON s.id = ci.source_id;
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
        if c.lint is not None:  # the lint findings a curator accepted for this claim, and why
            db.executemany("INSERT INTO lint_exceptions VALUES (?,?,?,?)",
                           [(c.id, r, i, c.lint.reason) for i, r in enumerate(c.lint.ignore)])
    db.executescript(SEARCH_AND_VIEWS)


def metadata_file(view: Listing, database_path: str) -> tuple[str, bytes]:
    """Datasette's metadata file for the database: its name (`claims.db` -> `claims.metadata.json`,
    beside it) and its bytes."""
    path = Path(database_path)
    text = json.dumps(metadata(view, database_path), ensure_ascii=False, indent=2) + "\n"
    return str(path.with_name(f"{path.stem}.metadata.json")), text.encode("utf-8")


# Columns the database has but the data package splits into tables of their own.
_COLUMNS = {
    "claims": {"treaty_obligations": "The treaty's obligations (ATOP vocabulary), as a JSON array.",
               "quantity_approximate": "1 when the source gives the figure as approximate.",
               "treaty_mutual_defense": "1 or 0: whether it has a mutual defense clause; empty when the sources "
                                        "do not say."},
}
_VIEWS = {
    "claims_with_parties": ("Each claim with the names of its parties, of who asserts and who denies it (JSON arrays), "
                            "its number of citations and the titles of its sources.", {}),
    "citations_with_sources": ("Each citation, numbered within its claim, with the claim's statement and the source's "
                               "title, outlet and date.", {"number": "The citation's number within its claim, from 1."}),
}


def metadata(view: Listing, database_path: str) -> dict[str, Any]:
    """Datasette's metadata: the dataset's title, description, licence and source, and what each table
    and column holds (the data package's descriptions, for the tables the two share)."""
    from .datapackage import TABLES, UNTITLED

    tables: dict[str, Any] = {}
    for table in TABLES:
        if table.name == "treaty_obligations":
            continue  # a JSON column of claims here
        columns = {f.name: f.description for f in table.fields if f.name != "is_treaty"}
        columns.update(_COLUMNS.get(table.name, {}))
        tables[table.name] = {"description": table.description, "columns": columns}
    tables["claims"].update(fts_table="claims_fts", fts_pk="rowid")
    tables["citations"].update(fts_table="citations_fts", fts_pk="rowid")
    tables["dataset"] = {"description": "The dataset's identity, a row per item: title, description, version, date, "
                                        "licence, maintainers (a JSON array), homepage, and the tool's version.",
                         "columns": {"name": "The item.", "value": "Its value."}}
    for name, (description, columns) in _VIEWS.items():
        tables[name] = {"description": description, "columns": columns}
    for hidden in ("claims_fts", "citations_fts"):
        tables[hidden] = {"hidden": True}
    info = view.dataset.info
    out: dict[str, Any] = {"title": info.title if info else UNTITLED}
    if info:
        out.update(description=info.description, license=info.licence.title or info.licence.name,
                   license_url=info.licence.url)
    out.update(source="The archived texts in the sources table, each quoted verbatim by its citations",
               about="alliance-cli", databases={Path(database_path).stem: {"tables": tables}})
    return out
