"""`export --format datapackage`: a Frictionless Data Package that the real frictionless validates,
and from whose CSV files every claim is rebuilt exactly."""

from __future__ import annotations

import csv
import errno
import json
import os
from pathlib import Path

import frictionless
import pytest

from alliance_cli import cli
from alliance_cli.model import Citation, Claim, LintException, Quantity, Treaty
from alliance_cli.store import load, shipped_facts_dir
from conftest import MINI

TABLES = ["claims", "citations", "claim_parties", "treaty_obligations", "related_claims", "lint_exceptions", "sources",
          "entities"]


def _validate(folder: Path) -> frictionless.Report:
    return frictionless.validate(str(folder / "datapackage.json"))


def _read(folder: Path, table: str) -> list[dict[str, str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _rebuild(folder: Path) -> tuple[Claim, ...]:
    """The claims, from the package's tables alone."""
    tables = {t: _read(folder, t) for t in TABLES}

    def of(table: str, claim_id: str, key: str = "position") -> list[dict[str, str]]:
        return sorted((r for r in tables[table] if r["claim_id"] == claim_id), key=lambda r: int(r[key]))

    def opt(value: str) -> str | None:
        return value or None

    def num(value: str) -> float | None:
        return float(value) if value else None

    def flag(value: str) -> bool | None:
        return {"true": True, "false": False, "": None}[value]

    claims = []
    for row in tables["claims"]:
        cid = row["id"]
        roles = {role: tuple(r["entity_id"] for r in of("claim_parties", cid) if r["role"] == role)
                 for role in ("party", "asserted_by", "denied_by")}
        quantity = treaty = None
        if row["quantity_amount"]:
            quantity = Quantity(float(row["quantity_amount"]), row["quantity_unit"], num(row["quantity_lower"]),
                                num(row["quantity_upper"]), flag(row["quantity_approximate"]))
        if flag(row["is_treaty"]):
            treaty = Treaty(opt(row["treaty_name"]), opt(row["treaty_signed"]), opt(row["treaty_place"]),
                            tuple(r["obligation"] for r in of("treaty_obligations", cid)),
                            flag(row["treaty_mutual_defense"]))
        claims.append(Claim(
            id=cid, kind=row["kind"], parties=roles["party"], statement=row["statement"],
            citations=tuple(Citation(r["source_id"], r["quote"], opt(r["note"])) for r in of("citations", cid)),
            date=opt(row["date"]), end=opt(row["end"]), status=row["status"], asserted_by=roles["asserted_by"],
            denied_by=roles["denied_by"], quantity=quantity, treaty=treaty,
            related=tuple(r["related_id"] for r in tables["related_claims"] if r["claim_id"] == cid),
            lint=_lint([r for r in of("lint_exceptions", cid)]),
        ))
    return tuple(claims)


def _lint(rows: list[dict]) -> LintException | None:
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: int(r["position"]))
    return LintException(tuple(r["rule"] for r in rows), rows[0]["reason"])


def test_datapackage_of_the_shipped_dataset_is_valid_and_lossless(run, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    out = tmp_path / "package"
    result = run("export", "--format", "datapackage", "--output", str(out))
    n = len(load(shipped_facts_dir()).claims)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", f"wrote {n} claims to {out} (a data package: 8 tables and datapackage.json)\n")
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{t}.csv" for t in TABLES), "datapackage.json"])
    report = _validate(out)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert _rebuild(out) == load(shipped_facts_dir()).claims
    descriptor = json.loads((out / "datapackage.json").read_text())
    info = load(shipped_facts_dir()).info
    assert (descriptor["title"], descriptor["version"], descriptor["description"]) == (
        info.title, info.version, info.description)
    assert descriptor["licenses"] == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                                       "title": "Creative Commons Attribution 4.0 International"}]
    assert descriptor["contributors"] == [{"title": m, "role": "maintainer"} for m in info.maintainers]
    assert len(descriptor["sources"]) == 5 and all(s["title"] for s in descriptor["sources"])
    notes = [r["note"] for r in _read(out, "citations") if r["claim_id"] == "russia-iran-treaty-2025"]
    assert notes == ["", "", "The text names the agreement only generically; see also its section heading.",
                     "Section heading."]


def test_datapackage_describes_every_table(run, tmp_path):
    out = tmp_path / "package"
    run("export", "-f", "datapackage", "-o", str(out))
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["title"] == "Untitled dataset (its facts directory has no dataset.yaml)"  # the mini set has none
    assert "licenses" not in descriptor and "version" not in descriptor
    assert [r["name"] for r in descriptor["resources"]] == TABLES
    assert descriptor["sources"] == [{"title": "Alpha Report"},
                                     {"title": "Beta Bulletin"}]
    citations = descriptor["resources"][1]["schema"]
    assert citations["primaryKey"] == ["claim_id", "position"]
    assert citations["foreignKeys"] == [
        {"fields": "claim_id", "reference": {"resource": "claims", "fields": "id"}},
        {"fields": "source_id", "reference": {"resource": "sources", "fields": "id"}},
    ]
    assert [f["name"] for f in citations["fields"]] == ["claim_id", "position", "source_id", "quote", "note"]
    claims = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert claims["quantity_amount"]["type"] == "number"
    assert "unit quantity_unit names" in claims["quantity_amount"]["description"]
    assert all(f["description"] for r in descriptor["resources"] for f in r["schema"]["fields"])
    assert _rebuild(out) == load(MINI).claims
    assert _read(out, "claim_parties")[-3:] == [
        {"claim_id": "borduria-troops-500", "entity_id": "ruritania", "role": "party", "position": "0"},
        {"claim_id": "borduria-troops-500", "entity_id": "borduria", "role": "party", "position": "1"},
        {"claim_id": "borduria-troops-500", "entity_id": "syldavia", "role": "asserted_by", "position": "0"},
    ]


def test_datapackage_takes_the_filters_and_stays_valid(run, tmp_path):
    # borduria-trade-2023 is related to the 2021 figure, which --year leaves out: no foreign key then.
    out = tmp_path / "package"
    assert run("export", "-f", "datapackage", "--year", "2023", "--kind", "trade", "-o", str(out)).exit_code == 0
    assert [r["id"] for r in _read(out, "claims")] == ["borduria-trade-2023"]
    assert _read(out, "related_claims") == [{"claim_id": "borduria-trade-2023", "related_id": "borduria-trade-2021"}]
    assert [r["id"] for r in _read(out, "sources")] == ["alpha-report"]
    assert _validate(out).valid
    full = tmp_path / "full"
    run("export", "-f", "datapackage", "-o", str(full))
    related = json.loads((full / "datapackage.json").read_text())["resources"][4]["schema"]["foreignKeys"]
    assert {"fields": "related_id", "reference": {"resource": "claims", "fields": "id"}} in related


def test_frictionless_catches_a_changed_cell(run, tmp_path):
    out = tmp_path / "package"
    run("export", "-f", "datapackage", "-o", str(out))
    path = out / "citations.csv"
    path.write_text(path.read_text().replace("borduria-pact-2023,0,", "no-such-claim,0,"))
    report = _validate(out)
    assert not report.valid
    assert {"foreign-key", "hash-count"} <= {e.type for e in report.tasks[1].errors}


def test_datapackage_replaces_a_previous_export_but_no_other_folder(run, tmp_path):
    out = tmp_path / "package"
    run("export", "-f", "datapackage", "-o", str(out))
    result = run("export", "-f", "datapackage", "--kind", "trade", "-o", f"{out}/")
    assert result.exit_code == 0, result.stderr
    assert len(_read(out, "claims")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]  # no temporary folder left behind
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = run("export", "-f", "datapackage", "-o", str(mine))
    assert (result.exit_code, result.stderr) == (
        1, f"{mine}: folder is not empty and holds no datapackage.json: refusing to replace it\n")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_datapackage_needs_a_folder(run, tmp_path):
    result = run("export", "-f", "datapackage")
    assert (result.exit_code, result.stderr) == (2, "error: --format datapackage writes a folder: give --output DIR\n")
    (tmp_path / "file").write_text("")
    result = run("export", "-f", "datapackage", "-o", str(tmp_path / "file"))
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'file'}: is a file: give a folder to write to\n")
    result = run("export", "-f", "datapackage", "-o", "/dev/stdout")
    assert (result.exit_code, result.stderr) == (2, "error: --format datapackage writes a folder: give --output DIR\n")
    result = run("claims", "-f", "datapackage")
    assert result.exit_code == 2
    assert "'datapackage' is not one of" in result.stderr


def test_datapackage_into_a_missing_folder_is_one_line(run, tmp_path):
    result = run("export", "-f", "datapackage", "-o", str(tmp_path / "missing" / "package"))
    assert (result.exit_code, result.stderr) == (
        1, f"{tmp_path / 'missing' / 'package'}: cannot write: No such file or directory\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("step,calls", [("fsync", 4), ("replace", 2)])
def test_datapackage_failing_midway_leaves_the_previous_export(run, tmp_path, monkeypatch, step, calls):
    # replace's second call is the one that swaps the new folder in, after the old one moved aside.
    out = tmp_path / "package"
    run("export", "-f", "datapackage", "--kind", "trade", "-o", str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = getattr(cli.os, step)
    seen = []

    def fail_at_last(*args):
        seen.append(args)
        if len(seen) == calls:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)

    monkeypatch.setattr(cli.os, step, fail_at_last)
    result = run("export", "-f", "datapackage", "-o", str(out))
    assert (result.exit_code, result.stderr) == (1, f"{out}: cannot write: No space left on device\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["package"]
