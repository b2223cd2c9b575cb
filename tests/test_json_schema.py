"""The shape of JSON output is a contract: `alliance schema export` describes it, and the real output
of every command that prints JSON validates against it (with the real jsonschema package)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from alliance_cli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
from alliance_cli.store import shipped_facts_dir

# Every command that prints JSON, and the definition in `alliance schema export` that describes it.
COMMANDS = [
    (("export", "--format", "json"), None),
    (("export", "--format", "json", "--kind", "trade"), None),
    (("show", "borduria", "--format", "json"), None),
    (("claims", "--contested", "--format", "json"), None),
    (("timeline", "--format", "json"), None),
    (("treaties", "--format", "json"), None),
    (("claim", "borduria-pact-2023", "--format", "json"), None),
    (("source", "alpha-report", "--format", "json"), None),
    (("sources", "--format", "json"), "SourcesTable"),
    (("entities", "--format", "json"), "EntitiesTable"),
    (("about", "--format", "json"), "About"),
    (("figures", "--format", "json"), "FiguresTable"),
    *((("claims", "--count-by", field, "--format", "json"), "CountsTable")
      for field in ("kind", "party", "status", "source", "year")),
    (("search", "troops", "--format", "json"), None),
    (("lint", str(FIXTURES / "lint"), "--format", "json"), "LintReport"),
    (("diff", str(FIXTURES / "mini"), str(FIXTURES / "lint"), "--format", "json"), "Diff"),
]


@functools.cache
def _printed_schema(kind: str) -> str:
    result = CliRunner().invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _validator(run, kind: str = "export", definition: str | None = None) -> Draft202012Validator:
    schema = json.loads(_printed_schema(kind))
    Draft202012Validator.check_schema(schema)
    if definition:
        schema = {"$schema": schema["$schema"], "$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return Draft202012Validator(schema)


@pytest.mark.parametrize("facts", ["mini", "shipped"])
@pytest.mark.parametrize("args,definition", COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_json_output_validates_against_its_schema(run, monkeypatch, facts, args, definition):
    if facts == "shipped":
        if args[0] in ("show", "claim", "source"):
            args = {"show": ("show", "iran"), "claim": ("claim", "russia-iran-treaty-2025"),
                    "source": ("source", "top-allies-slideshow")}[args[0]] + args[2:]
        monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == "2.0"
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator(run, definition=definition).iter_errors(document)]
    assert errors == []


def test_every_json_lines_record_validates(run, monkeypatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    validator = _validator(run, "export-jsonl")
    lines = run("export", "--format", "jsonl").stdout.splitlines()
    assert len(lines) > 90
    for line in lines:
        assert list(validator.iter_errors(json.loads(line))) == []


def test_the_schema_refuses_what_the_output_never_is(run):
    validator = _validator(run)
    document = json.loads(run("export", "-f", "json").stdout)
    assert validator.is_valid(document)
    assert not validator.is_valid({**document, "schema_version": "3.0"})
    assert not validator.is_valid({**document, "extra": 1})
    claim = document["claims"][0]
    assert not validator.is_valid({**document, "claims": [{k: v for k, v in claim.items() if k != "related"}]})
    assert not validator.is_valid({**document, "claims": [{**claim, "date": "03/03/2023"}]})
    rows = _validator(run, definition="CountsTable")
    assert rows.is_valid({"schema_version": "2.0", "counts": [{"kind": "trade", "claims": 2}]})
    assert not rows.is_valid({"schema_version": "2.0", "counts": [{"kind": "trade", "party": "x", "claims": 2}]})


def test_schema_of_an_unknown_kind_names_every_kind(run):
    result = run("schema", "exports")
    assert (result.exit_code, result.stderr) == (
        2, "error: no schema for 'exports'; choose claims, sources, entities, dataset, export, export-jsonl\n")


def test_every_command_that_prints_json_is_checked_here():
    from typer.main import get_command

    printing_json = set()
    for name, command in get_command(app).commands.items():
        for param in command.params:
            choices = getattr(param.type, "choices", None) or ()
            if "--format" in getattr(param, "opts", ()) and "json" in [str(getattr(c, "value", c)) for c in choices]:
                printing_json.add(name)
    assert {"show", "export", "sources", "figures"} <= printing_json  # the detection finds them
    assert printing_json - {args[0] for args, _ in COMMANDS} == set(), "add it to COMMANDS, with its schema"
